/**
 * `thinstream discover` as a user runs it: a unicast probe to the simulator, a camera's stream addresses, brand
 * paths tried, and one clear line (with its exit code) for a wrong password, a dead address and bad arguments.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { DiscoveryResponse, StreamUrisResponse, UrlPatternCheckResponse } from '../../src-shared/api.js';
import { REPO_ROOT } from '../support/paths.js';
import { startOnvifSimulator, type OnvifSimulator } from '../support/onvif-simulator.js';
import { startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip } from '../support/clips.js';

const BIN = resolve(REPO_ROOT, 'bin/thinstream.js');
const PASSWORD = 'cli-pass';
let sim: OnvifSimulator;
let camera: RtspServer;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, 'discover', ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

before(async () => {
  const clip = await makeClip({ width: 320, height: 180, fps: 25, seconds: 2 });
  camera = await startRtspServer({ mounts: [{ path: '/videoMain', source: clip.path }] });
  sim = await startOnvifSimulator({
    user: 'admin',
    password: PASSWORD,
    name: 'Porch',
    hardware: 'FI9900P',
    manufacturer: 'Foscam',
    profiles: [
      {
        token: 'm',
        name: 'main',
        encoding: 'H264',
        width: 320,
        height: 180,
        fps: 25,
        bitrateKbps: 300,
        uri: camera.url('/videoMain'),
      },
    ],
  });
});

after(async () => {
  await sim.close();
  await camera.close();
});

test('lists the camera a unicast probe finds, as JSON and as text', async () => {
  const json = await run(['--host', '127.0.0.1', '--port', String(sim.udpPort), '--timeout-ms', '500', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const found = JSON.parse(json.stdout) as DiscoveryResponse;
  assert.deepEqual(
    found.cameras.map((c) => [c.name, c.model, c.brandHint, c.xaddr]),
    [['Porch', 'FI9900P', 'foscam', sim.xaddr]],
  );
  const text = await run(['--host', '127.0.0.1', '--port', String(sim.udpPort), '--timeout-ms', '500']);
  assert.match(text.stdout, /^127\.0\.0\.1\s+Porch\s+FI9900P\s+http:\/\/127\.0\.0\.1:\d+\/onvif\/device_service$/m);
});

test('--xaddr prints the stream addresses and never the password; a wrong one exits 3 with one line', async () => {
  const ok = await run(['--xaddr', sim.xaddr, '--user', 'admin', '--password', PASSWORD, '--json']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as StreamUrisResponse).mainUri, camera.url('/videoMain'));
  assert.ok(!ok.stdout.includes(PASSWORD));
  const wrong = await run(['--xaddr', sim.xaddr, '--user', 'admin', '--password', 'bad']);
  assert.equal(wrong.code, 3);
  assert.match(wrong.stderr, /^thinstream discover: ONVIF GetCapabilities at .*: the camera refused the credentials/);
  assert.equal(wrong.stderr.trim().split('\n').length, 1);
});

test('--patterns tries brand paths on a host; bad arguments exit 2 with usage; a dead address exits 4', async () => {
  const patterns = await run([
    '--patterns',
    '--host',
    '127.0.0.1',
    '--port',
    String(camera.port),
    '--only',
    'foscam',
    '--json',
  ]);
  assert.equal(patterns.code, 0, patterns.stderr);
  assert.deepEqual(
    (JSON.parse(patterns.stdout) as UrlPatternCheckResponse).checks.map((c) => [c.stream, c.outcome]),
    [
      ['main', 'ok'],
      ['sub', 'not-found'],
    ],
  );
  const usage = await run(['--bogus']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Usage: thinstream discover/);
  const badPattern = await run(['--patterns', '--host', '127.0.0.1', '--only', 'nokia']);
  assert.equal(badPattern.code, 2);
  assert.match(badPattern.stderr, /no URL pattern "nokia"/);
  const dead = await run(['--xaddr', '127.0.0.1:9', '--user', 'a', '--password', 'b', '--timeout-ms', '2000']);
  assert.equal(dead.code, 4);
  assert.match(dead.stderr, /refused the connection/);
});
