import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appDataDir, defaultConfig, demoCameraEntry } from '../../src-main/config/default-config.js';
import { resolveConfig } from '../../src-main/config/resolve-config.js';
import { saveConfig } from '../../src-main/config/save-config.js';
import { loadConfig } from '../../src-main/config/load-config.js';
import { FileSecretStore, revealSecrets, sealSecrets } from '../../src-main/config/secret-store.js';
import { validateConfig } from '../../src-shared/config/validate-config.js';

test('the first-run config is valid with no warning, serves HTTPS on 30443, keeps everything in the data folder', () => {
  const config = defaultConfig({ dataDir: '/home/ana/.local/share/thinstream' });
  const check = validateConfig(config);
  assert.deepEqual(check.errors, []);
  assert.deepEqual(check.warnings, []);
  const resolved = resolveConfig(config, { configDir: '/anywhere' });
  assert.equal(resolved.storage.rootPath, '/home/ana/.local/share/thinstream/recordings');
  const [port] = resolved.http.ports;
  assert.equal(port?.port, 30443);
  assert.ok(port?.tls);
  assert.equal(port.tls.certPath, '/home/ana/.local/share/thinstream/certs/thinstream_https_30443.cert.der');
  assert.equal(port.tls.clientCert, 'request');
  assert.ok(port.tls.key.pass.length >= 20, 'a random key password');
  assert.ok(resolved.certs.ca.key.pass.length >= 20);
  assert.notEqual(resolved.certs.ca.key.pass, port.tls.key.pass);
  assert.ok(resolved.certs.ca.certPath.startsWith('/home/ana/.local/share/thinstream/certs/'));
  assert.deepEqual(resolved.streams, []);
  const again = defaultConfig({ dataDir: '/x' });
  assert.notEqual(again.context?.caCert?.key?.pass, config.context?.caCert?.key?.pass, 'passwords differ per install');
});

test('the demo camera entry drops into the first group and resolves to a recorded stream with a small limit', () => {
  const config = defaultConfig({ dataDir: '/data', httpsPort: 0 });
  config.server!.streamsGrps![0]!.streams!.push(demoCameraEntry('rtsp://127.0.0.1:45123/demo'));
  assert.deepEqual(validateConfig(config).errors, []);
  const resolved = resolveConfig(config, { configDir: '/data' });
  assert.equal(resolved.http.ports[0]?.port, 0);
  const [demo] = resolved.streams;
  assert.ok(demo);
  assert.equal(demo.streamId, 'demo/main');
  assert.equal(demo.name, 'Demo camera');
  assert.equal(demo.url, 'rtsp://127.0.0.1:45123/demo');
  assert.equal(demo.enabled, true);
  assert.equal(demo.transport, 'tcp');
  assert.equal(demo.user, undefined);
  assert.equal(demo.password, undefined);
  assert.equal(demo.recording.enabled, true);
  assert.equal(demo.recording.streamLimitBytes, 256 * 1024 ** 2);
  assert.equal(demo.recording.folder, '/data/recordings/demo/main');
});

test('first run end to end: defaults sealed and saved, then loaded, revealed and resolved', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'thinstream-firstrun-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const store = new FileSecretStore(join(dataDir, 'secrets.json'));
  const config = defaultConfig({ dataDir });
  const caPass = config.context!.caCert!.key!.pass!;
  await saveConfig(join(dataDir, 'thinstream.json'), await sealSecrets(config, store));
  assert.ok(!readFileSync(join(dataDir, 'thinstream.json'), 'utf8').includes(caPass), 'no clear key password on disk');
  const loaded = await loadConfig(join(dataDir, 'thinstream.json'));
  const resolved = resolveConfig(await revealSecrets(loaded.config, store), { configDir: loaded.configDir });
  assert.equal(resolved.certs.ca.key.pass, caPass);
});

test('the app-data folder follows each OS’s convention', () => {
  assert.equal(appDataDir('linux', {}, '/home/ana'), '/home/ana/.local/share/thinstream');
  assert.equal(appDataDir('linux', { XDG_DATA_HOME: '/xdg' }, '/home/ana'), '/xdg/thinstream');
  assert.equal(appDataDir('linux', { XDG_DATA_HOME: 'relative' }, '/home/ana'), '/home/ana/.local/share/thinstream');
  assert.equal(appDataDir('darwin', {}, '/Users/ana'), '/Users/ana/Library/Application Support/ThinStream');
  assert.match(
    appDataDir('win32', { APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'C:\\Users\\ana'),
    /Roaming.ThinStream$/,
  );
});
