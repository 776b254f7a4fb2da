import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../support/paths.js';
import { REDACTED, mergeSecrets, redactConfig, secretSlots } from '../../src-shared/config/secrets.js';
import { ConfigInvalidError, assertValidConfig } from '../../src-shared/config/validate-config.js';
import { FileSecretStore, revealSecrets, sealSecrets } from '../../src-main/config/secret-store.js';
import { saveConfig } from '../../src-main/config/save-config.js';
import { loadConfig } from '../../src-main/config/load-config.js';
import { resolveConfig } from '../../src-main/config/resolve-config.js';
import type { StreamConfig, ThinStreamConfig } from '../../src-shared/config/config-types.js';

function original(): ThinStreamConfig {
  return JSON.parse(readFileSync(fixturePath('config', 'original-readme.json'), 'utf8')) as ThinStreamConfig;
}

/** The original example plus secrets in every place one can hide: a uri, an unknown key, the original's keypass. */
function secretive(): ThinStreamConfig {
  const config = original();
  const door = config.server!.streamsGrps![0]!.streams![0]!;
  door.device!.pass = 'door-pass-1';
  door.versions![1]!.uri = 'rtsp://viewer:uri-pass-2@111.222.111.222/media/video2';
  (config.http!.ports![0] as Record<string, unknown>)['extra'] = { password: 'unknown-key-pass-3' };
  config.http!.ports![0]!.ssl!.cert!.source!.key!.pass = 'ssl-key-pass-4';
  return config;
}

const SECRETS = [
  'door-pass-1',
  'uri-pass-2',
  'unknown-key-pass-3',
  'ssl-key-pass-4',
  'my_cam_pass',
  'thinstream_ca_pass',
  'thinstream_dev_pass',
  'thinstream_id_pass',
  'thinstream_pass',
  'my_cypher_salt',
];

/** Every string anywhere in a value (keys too). */
function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (typeof value === 'object' && value !== null)
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allStrings(v, out);
    }
  return out;
}

test('redaction never leaks a password: no secret appears anywhere in the redacted object', () => {
  const config = secretive();
  const redacted = redactConfig(config);
  const strings = allStrings(redacted);
  const json = JSON.stringify(redacted);
  for (const secret of SECRETS) {
    assert.ok(!strings.some((s) => s.includes(secret)), `${secret} leaked`);
    assert.ok(!json.includes(secret), `${secret} leaked in JSON`);
  }
  // …and only secrets were touched: the rest of the file is as it was.
  const door = redacted.server!.streamsGrps![0]!.streams![0]!;
  assert.equal(door.device!.pass, REDACTED);
  assert.equal(door.device!.user, 'admin');
  assert.equal(door.versions![1]!.uri, `rtsp://viewer:${REDACTED}@111.222.111.222/media/video2`);
  assert.equal(door.versions![0]!.uri, 'rtsp://111.222.111.222/media/video1');
  assert.equal(redacted.context!.caCert!.key!.path, 'thinstream_ca.key.p12');
  assert.equal(config.server!.streamsGrps![0]!.streams![0]!.device!.pass, 'door-pass-1', 'the input is not changed');
  assert.equal(secretSlots(config).length, SECRETS.length, 'one slot per secret, both cameras’ included');
});

test('mergeSecrets keeps stored secrets where the editor sends REDACTED, even after reordering cameras', () => {
  const stored = secretive();
  const edited = redactConfig(stored);
  const streams = edited.server!.streamsGrps![0]!.streams!;
  streams.reverse();
  streams[0]!.device!.pass = 'garage-new-pass';
  streams[1]!.device!.name = 'Front door';
  const merged = mergeSecrets(edited, stored);
  const [garage, door] = merged.server!.streamsGrps![0]!.streams!;
  assert.equal(garage!.device!.uid, 'cam-garage');
  assert.equal(garage!.device!.pass, 'garage-new-pass', 'a typed password wins');
  assert.equal(door!.device!.pass, 'door-pass-1', 'an unchanged one is the stored one');
  assert.equal(door!.versions![1]!.uri, 'rtsp://viewer:uri-pass-2@111.222.111.222/media/video2');
  assert.equal(merged.context!.caCert!.key!.pass, 'thinstream_ca_pass');
  assert.equal(
    (merged.http!.ports![0] as Record<string, { password: string }>)['extra']!.password,
    'unknown-key-pass-3',
  );
  assert.ok(!JSON.stringify(merged).includes(REDACTED));
});

test('a REDACTED password with nothing stored behind it is an error at its path', () => {
  const stored = secretive();
  const edited = redactConfig(stored);
  const added = JSON.parse(JSON.stringify(edited.server!.streamsGrps![0]!.streams![0])) as StreamConfig;
  added.device!.uid = 'cam-new';
  edited.server!.streamsGrps![0]!.streams!.push(added);
  assert.throws(
    () => mergeSecrets(edited, stored),
    (err: unknown) =>
      err instanceof ConfigInvalidError &&
      err.errors.map((e) => e.path).join() ===
        'server.streamsGrps[0].streams[2].device.pass,server.streamsGrps[0].streams[2].versions[1].uri' &&
      /type the password/.test(err.errors[0]!.message),
  );
});

test('sealing moves every secret into a 0600 key file; the saved config holds only references', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new FileSecretStore(join(dir, 'data', 'secrets.json'));
  const config = secretive();

  const sealed = await sealSecrets(config, store);
  const file = join(dir, 'cfg.json');
  await saveConfig(file, sealed);
  const text = readFileSync(file, 'utf8');
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} is in the saved config`);
  assert.match(text, /"pass": "\$secret\.cam\.cam-door\.device\.pass"/);
  assert.match(text, /rtsp:\/\/viewer:\$secret\.cam\.cam-door\.versions\.2-mid\.uri@111\.222\.111\.222/);
  assert.equal(statSync(store.path).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);

  // Sealing again is stable (references stay references), and a fresh store reads the same file.
  assert.deepEqual(await sealSecrets(sealed, store), sealed);
  const reopened = new FileSecretStore(store.path);
  const loaded = await loadConfig(file);
  const revealed = await revealSecrets(loaded.config, reopened);
  assert.deepEqual(revealed, config);
  const door = resolveConfig(revealed, { configDir: dir }).streams[1]!;
  assert.equal(door.password, 'door-pass-1', 'device.pass wins over the uri password');
  assert.equal(door.user, 'admin');
});

test('revealing a reference the store lacks names its path; prune drops secrets no longer referenced', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new FileSecretStore(join(dir, 'secrets.json'));
  const sealed = await sealSecrets(secretive(), store);
  await store.delete('cam.cam-door.device.pass');
  await assert.rejects(
    revealSecrets(sealed, store),
    (err: unknown) =>
      err instanceof ConfigInvalidError && err.errors[0]?.path === 'server.streamsGrps[0].streams[0].device.pass',
  );
  const fewer = JSON.parse(JSON.stringify(sealed)) as ThinStreamConfig;
  fewer.server!.streamsGrps![0]!.streams!.pop();
  const before = (await store.ids()).length;
  await sealSecrets(fewer, store, { prune: true });
  assert.equal((await store.ids()).length, before - 1, 'the removed garage camera’s password is gone');
  assert.equal(await store.get('cam.cam-garage.device.pass'), undefined);
});

test('a key file that others can read is tightened to 0600; a broken one is a clear error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'secrets.json');
  writeFileSync(path, JSON.stringify({ version: 1, secrets: { a: 'b' } }));
  chmodSync(path, 0o644);
  assert.equal(await new FileSecretStore(path).get('a'), 'b');
  assert.equal(statSync(path).mode & 0o777, 0o600);
  writeFileSync(path, '{ nope');
  await assert.rejects(new FileSecretStore(path).get('a'), /secrets\.json is not valid JSON/);
});

test('a sealed config is still a valid config (references are strings where passwords go)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const sealed = await sealSecrets(secretive(), new FileSecretStore(join(dir, 's.json')));
  assert.doesNotThrow(() => assertValidConfig(sealed));
  await assert.rejects(
    sealSecrets(redactConfig(secretive()), new FileSecretStore(join(dir, 's.json'))),
    ConfigInvalidError,
    'a REDACTED value is never sealed as if it were the password',
  );
});
