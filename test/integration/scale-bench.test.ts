/**
 * A short, small run of the bench:scale harness (issue 7): 2 cameras of the farm for 5 s, recorded by the
 * headless runtime (with a signed-in live viewer) and by ffmpeg. The JSON must carry the figures the README
 * table is made of, every frame the farm sent must be in ThinStream's files (ffprobe counts them), and the
 * temp folders must be gone afterwards. Then a 20-s soak run, whose series and verdicts must be there.
 * Nothing here asserts speed: that is what the benchmark itself is for.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

const BENCH = join(REPO_ROOT, 'out/bench/scale.js');

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BENCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface ContenderJson {
  name: string;
  cameras: number;
  windowSeconds: number;
  mbitPerSecondIn: number;
  cpuSecondsPerCameraMinute: number;
  peakRssBytes: number;
  bytesOnDisk: number;
  files: number;
  framesSent: number;
  framesRecorded: number;
  sessionsOpened: number;
  unreadableFiles: string[];
  viewers?: Array<{ streamId: string; units: number; keyframes: number; description: boolean }>;
}

test('bench:scale on 2 cameras for 5 s: every frame sent is recorded, the JSON has the table figures', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-scale-test-'));
  try {
    const args = ['--cameras', '2', '--seconds', '5', '--warmup', '1', '--viewers', '1', '--json', '--dir', dir];
    const r = await runBench(args, 240_000);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['cpuRatio', 'memRatio', 'framesSent', 'framesRecorded', 'framesLost', 'machine']) {
      assert.ok(key in out, `the JSON has ${key}`);
    }
    const ts = out['thinstream'] as ContenderJson;
    const ff = out['ffmpeg'] as ContenderJson;
    // 2 cameras at 25 fps for at least the 6 s of warm-up and window.
    assert.ok((out['framesSent'] as number) >= 2 * 25 * 6, `frames sent: ${out['framesSent']}`);
    assert.equal(out['framesRecorded'], out['framesSent'], 'ThinStream recorded every frame the farm sent');
    assert.equal(out['framesLost'], 0);
    assert.equal(ts.framesSent, out['framesSent']);
    assert.equal(ts.sessionsOpened, 2, 'one RTSP session per camera, no reconnection');
    assert.deepEqual(ts.unreadableFiles, []);
    assert.ok(ts.files >= 2 && ts.bytesOnDisk > 0, 'a file per camera');
    assert.ok(ts.mbitPerSecondIn > 4 && ts.mbitPerSecondIn < 16, `about 2 × 4 Mbit/s in: ${ts.mbitPerSecondIn}`);
    assert.ok(ts.windowSeconds >= 5 && ts.windowSeconds < 7, `window ${ts.windowSeconds} s`);
    assert.ok(ts.cpuSecondsPerCameraMinute > 0 && ts.peakRssBytes > 0, 'CPU and memory were read from /proc');
    const viewer = ts.viewers?.[0];
    assert.equal(viewer?.streamId, 'cam1/main');
    assert.ok(viewer.description, 'the live viewer got the stream description');
    assert.ok(viewer.units > 100 && viewer.keyframes >= 3, `the live viewer got video: ${viewer.units} units`);
    assert.ok(ff.framesRecorded > 0.9 * ff.framesSent && ff.framesRecorded <= ff.framesSent, 'ffmpeg recorded');
    assert.ok(ff.cpuSecondsPerCameraMinute > 0 && ff.peakRssBytes > 0);
    assert.ok((out['cpuRatio'] as number) > 0 && (out['memRatio'] as number) > 0);
    assert.deepEqual(readdirSync(dir), [], 'the temp folders are removed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:scale --soak on 1 camera for 20 s prints the series and one verdict per criterion', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-scale-test-'));
  try {
    const r = await runBench(['--cameras', '1', '--seconds', '20', '--soak', '--viewers', '1', '--dir', dir], 240_000);
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code} (0 all passed, 1 a criterion failed): ${r.stderr}`);
    for (const criterion of [
      'RSS flat',
      'file descriptors flat',
      'timers flat',
      'handles flat',
      'no event-loop stall over 50 ms',
    ]) {
      assert.match(r.stdout, new RegExp(`^(PASS|FAIL)  ${criterion}: `, 'm'), criterion);
    }
    // Two 10-s samples with the runtime's insides filled in: fds from /proc, the heap, array buffers and timers
    // from the probe, the slabs holding the camera's video from its telemetry.
    const rows = r.stdout.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    assert.equal(rows.length, 2, r.stdout);
    for (const row of rows) {
      const cells = row.split('|').map((c) => c.trim());
      const [rssMb, arrayBuffersMb, fds, timers] = [cells[2], cells[4], cells[6], cells[7]].map(Number);
      const [heapUsed, heapTotal] = cells[3]!.split(' / ').map(Number);
      const slabsInUse = Number(cells[5]!.split(' / ')[0]);
      assert.ok(rssMb! > 20 && fds! > 5 && timers! > 0 && arrayBuffersMb! > 0, row);
      assert.ok(heapUsed! > 0 && heapTotal! >= heapUsed!, row);
      assert.ok(slabsInUse > 0, `the camera's video is in pooled slabs: ${row}`);
    }
    assert.match(r.stdout, /1 RTSP sessions for 1 cameras/);
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
