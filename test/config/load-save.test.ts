import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../support/paths.js';
import { checkConfigFile, loadConfig } from '../../src-main/config/load-config.js';
import { saveConfig } from '../../src-main/config/save-config.js';
import { ConfigInvalidError } from '../../src-shared/config/validate-config.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import type { ThinStreamConfig } from '../../src-shared/config/config-types.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a missing file is CONFIG_NOT_FOUND naming the path', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(loadConfig(join(dir, 'nope.json')), (err: unknown) => {
    assert.ok(err instanceof ThinStreamError);
    assert.equal(err.code, 'CONFIG_NOT_FOUND');
    assert.match(err.message, /nope\.json does not exist/);
    return true;
  });
  await assert.rejects(loadConfig(dir), /is a folder, not a file/);
});

test('a file that is not JSON is CONFIG_INVALID with the line and column of the mistake', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'cfg.json');
  writeFileSync(file, '{\n  "context": {\n    "filesystem": { "streams": { "rootPath": "x" } }\n    "server": {}\n}\n');
  await assert.rejects(loadConfig(file), (err: unknown) => {
    assert.ok(err instanceof ThinStreamError);
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, /cfg\.json line 4, column 5: not valid JSON: .*\(near "\\"server\\": \{\}"\)/);
    return true;
  });
  writeFileSync(file, '{ "http": { "ports": [ ');
  await assert.rejects(loadConfig(file), /line 1, column \d+: not valid JSON: Unexpected end of JSON input/);
});

test('an invalid config rejects with every problem, each with its path', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'cfg.json');
  writeFileSync(file, JSON.stringify({ http: { ports: [{ port: 'x' }, { port: 99999 }] } }));
  await assert.rejects(loadConfig(file), (err: unknown) => {
    assert.ok(err instanceof ConfigInvalidError);
    assert.deepEqual(
      err.errors.map((e) => e.path),
      ['http.ports[0].port', 'http.ports[1].port'],
    );
    assert.match(err.message, /cfg\.json is not valid: port must be a number from 0 to 65535, got "x" \(and 1 more\)/);
    return true;
  });
});

test('save then load round-trips the original example: unknown and underscored keys kept, key order kept', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'cfg.json');
  writeFileSync(file, readFileSync(fixturePath('config', 'original-readme.json')));
  const { config } = await loadConfig(file);

  // An editor builds a new object: keys in another order, one value changed, one key added.
  const edited = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  const reordered = { http: edited['http'], server: edited['server'], context: edited['context'] };
  const server = reordered.server as { streamsGrps: Array<{ streams: Array<{ device: Record<string, unknown> }> }> };
  const device = server.streamsGrps[0]!.streams[0]!.device;
  const deviceReordered = Object.fromEntries(Object.entries(device).reverse());
  deviceReordered['name'] = 'Front door';
  server.streamsGrps[0]!.streams[0]!.device = deviceReordered;
  (reordered.http as Record<string, unknown>)['myNote'] = 'added by hand';
  await saveConfig(file, reordered as ThinStreamConfig);

  const text = readFileSync(file, 'utf8');
  const saved = JSON.parse(text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(saved), ['context', 'server', 'http'], 'top-level order as in the file');
  const savedDevice = (saved['server'] as typeof server).streamsGrps[0]!.streams[0]!.device;
  assert.deepEqual(Object.keys(savedDevice), ['uid', 'name', 'server', 'port', 'useSSL', 'user', 'pass']);
  assert.equal(savedDevice['name'], 'Front door');
  assert.equal(savedDevice['port'], '554', 'the string port stays a string');
  assert.match(text, /"debug_": \{/);
  assert.match(text, /"secsWaitAllFmtsMax___": 5/);
  assert.match(text, /"threads_": \[/);
  assert.deepEqual(Object.keys(saved['http'] as object), ['maxs', 'ports', 'myNote'], 'new keys after old ones');
  assert.match(text, /^\{\n {4}"context"/, 'indentation of the existing file (4 spaces)');

  const again = await loadConfig(file);
  assert.equal(again.config.server?.streamsGrps?.[0]?.streams?.[0]?.device?.name, 'Front door');
  // Apart from the edits, the object is the original one.
  const original = JSON.parse(readFileSync(fixturePath('config', 'original-readme.json'), 'utf8')) as typeof saved;
  (original['server'] as typeof server).streamsGrps[0]!.streams[0]!.device['name'] = 'Front door';
  (original['http'] as Record<string, unknown>)['myNote'] = 'added by hand';
  assert.deepEqual(again.config, original);
});

test('save is atomic: no temp file left, the mode kept, new files 0600, an invalid config not written', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'new.json');
  await saveConfig(file, { http: { ports: [{ port: 8443 }] } });
  assert.equal(statSync(file).mode & 0o777, 0o600, 'a new config may hold passwords: 0600');
  assert.deepEqual(readdirSync(dir), ['new.json']);

  chmodSync(file, 0o640);
  await saveConfig(file, { http: { ports: [{ port: 8444 }] } });
  assert.equal(statSync(file).mode & 0o777, 0o640, 'an existing file keeps its mode');

  const before = readFileSync(file, 'utf8');
  await assert.rejects(saveConfig(file, { http: { ports: [{ port: -1 }] } }), ConfigInvalidError);
  assert.equal(readFileSync(file, 'utf8'), before, 'a refused save leaves the file as it was');
  assert.deepEqual(readdirSync(dir), ['new.json']);
  await assert.rejects(saveConfig(join(dir, 'no-such-folder', 'x.json'), {}), /ENOENT/);
  assert.deepEqual(readdirSync(dir), ['new.json']);
});

test('checkConfigFile is the -c report: OK with a summary, or every error with its path, never a throw', async (t) => {
  const dir = tempDir(t);
  const good = await checkConfigFile(fixturePath('config', 'original-readme.json'));
  assert.equal(good.ok, true);
  assert.match(good.text, /original-readme\.json: OK \(2 cameras, 4 streams, 1 HTTP port\)/);
  assert.match(good.text, /switched off by a trailing underscore, kept \(4\)/);

  const file = join(dir, 'cfg.json');
  writeFileSync(file, JSON.stringify({ http: { ports: [{ port: 'x' }] }, server: { streamsGrps: [{ uid: 1 }] } }));
  const bad = await checkConfigFile(file);
  assert.equal(bad.ok, false);
  assert.deepEqual(bad.text.split('\n'), [
    `${file}: 2 problems:`,
    '  server.streamsGrps[0].uid: uid must be a text in quotes, got 1',
    '  http.ports[0].port: port must be a number from 0 to 65535, got "x"',
  ]);
  const missing = await checkConfigFile(join(dir, 'none.json'));
  assert.deepEqual([missing.ok, missing.errors[0]?.code], [false, 'CONFIG_NOT_FOUND']);
});
