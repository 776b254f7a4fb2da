/**
 * Multicast WS-Discovery for real, kept on this machine: the test makes a network namespace of its own
 * (`unshare -n`, so it disappears with the process), brings its loopback up with a multicast route, and runs
 * two ONVIF simulators and the product's default multicast discovery inside it. Needs root; skipped with a
 * message otherwise.
 */
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT } from '../support/paths.js';

const CHILD = resolve(REPO_ROOT, 'out/test/discovery/netns-multicast-child.js');

function canMakeNamespace(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to create a network namespace (unshare -n); run the suite as root';
  try {
    execFileSync('unshare', ['-n', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore', timeout: 5000 });
  } catch (err) {
    return `unshare -n / ip did not work here: ${(err as Error).message}`;
  }
  return null;
}

interface ChildReport {
  mode: string;
  cameras: Array<{ name: string; model: string; xaddr: string; endpoint: string }>;
  endpoints: string[];
  probes: number[];
  streams: Array<{ name: string; mainUri: string; subUri: string }>;
  ignored: string[];
}

test('multicast discovery inside a private network namespace finds both simulated cameras and their streams', async (t) => {
  const why = canMakeNamespace();
  if (why !== null) {
    t.skip(why);
    return;
  }
  const script =
    'ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "$0" "$1"';
  const stdout = await new Promise<string>((res, rej) => {
    execFile(
      'unshare',
      ['-n', '--', 'sh', '-c', script, process.execPath, CHILD],
      { timeout: 20_000 },
      (err, out, stderr) => (err ? rej(new Error(`${err.message}\n${stderr}`)) : res(out)),
    );
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;
  assert.equal(report.mode, 'multicast');
  assert.deepEqual(report.cameras.map((c) => c.name).sort(), ['Camera 1', 'Camera 2']);
  assert.deepEqual(report.cameras.map((c) => c.endpoint).sort(), [...report.endpoints].sort());
  for (const c of report.cameras) assert.match(c.xaddr, /^http:\/\/127\.0\.0\.1:\d+\/onvif\/device_service$/);
  assert.deepEqual(report.probes, [4, 4], 'each camera heard both probes and their repeats');
  assert.deepEqual(report.streams.map((s) => [s.name, s.mainUri, s.subUri]).sort(), [
    ['Camera 1', 'rtsp://127.0.0.1:554/cam1/main', 'rtsp://127.0.0.1:554/cam1/sub'],
    ['Camera 2', 'rtsp://127.0.0.1:554/cam2/main', 'rtsp://127.0.0.1:554/cam2/sub'],
  ]);
});
