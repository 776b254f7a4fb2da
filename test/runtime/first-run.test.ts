/** The pure parts of the first run (first-run.ts): finding the demo entry, the setup link, picking ports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { defaultConfig, demoCameraEntry } from '../../src-main/config/default-config.js';
import { findDemoEntry, isPortFree, pickPort, setupLinkFor } from '../../src-main/runtime/first-run.js';

test('the demo entry is found by its device uid and loopback /demo URL, and not once removed or disabled', () => {
  const config = defaultConfig({ dataDir: '/data', httpsPort: 0 });
  assert.equal(findDemoEntry(config), null);
  config.server!.streamsGrps![0]!.streams!.push(demoCameraEntry('rtsp://127.0.0.1:30554/demo'));
  const found = findDemoEntry(config);
  assert.equal(found?.port, 30554);
  assert.equal(found?.version.uri, 'rtsp://127.0.0.1:30554/demo');
  config.server!.streamsGrps![0]!.streams![0]!.isDisabled = true;
  assert.equal(findDemoEntry(config), null, 'a disabled demo camera needs no server');
  const moved = demoCameraEntry('rtsp://192.168.1.20:554/demo');
  assert.equal(findDemoEntry({ server: { streamsGrps: [{ streams: [moved] }] } }), null, 'not ours if not loopback');
  for (const junk of [
    null,
    7,
    'x',
    { server: { streamsGrps: 'x' } },
    { server: { streamsGrps: [null, { streams: [null] }] } },
  ])
    assert.equal(findDemoEntry(junk), null);
});

test('the setup link opens the sign-in page with the token it reads', () => {
  const link = setupLinkFor('https://localhost:30443', 'a+b/c');
  assert.equal(link, 'https://localhost:30443/signin.html?token=a%2Bb%2Fc');
  assert.equal(new URL(link).searchParams.get('token'), 'a+b/c');
});

test('a busy preferred port moves to the next free one', async () => {
  const busy = createServer();
  await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
  try {
    const address = busy.address();
    const taken = typeof address === 'object' && address !== null ? address.port : 0;
    assert.equal(await isPortFree(taken, '127.0.0.1'), false);
    const picked = await pickPort(taken, '127.0.0.1');
    assert.notEqual(picked, taken);
    assert.equal(await isPortFree(picked, '127.0.0.1'), true);
    assert.ok((await pickPort(0, '127.0.0.1')) > 0);
  } finally {
    await new Promise((done) => busy.close(done));
  }
});
