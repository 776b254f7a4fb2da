/**
 * Recording a real camera: GStreamer's RTSP server (x264) → StreamSupervisor → StreamRecorder → MP4
 * files, judged by ffprobe. Also with the recorder's process SIGKILLed in the middle and restarted.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import type { SegmentInfo } from '../../src-main/storage/segment-index.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { StreamSupervisor } from '../../src-main/streams/stream-supervisor.js';
import { startGstCamera, type GstCamera } from '../support/gst-camera.js';
import { probeFile, seekFirstPacket } from '../recorder/ffprobe.js';
import { tempRoot } from '../storage/record-fixture.js';

const STREAM = 'cam-door/1-high';
const CHILD = fileURLToPath(new URL('../recorder/record-camera-child.js', import.meta.url));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

let camera: GstCamera;
before(async () => {
  camera = await startGstCamera({ protocols: ['tcp'], width: 640, height: 360, fps: 25, gop: 25, bitrateKbps: 800 });
});
after(async () => {
  await camera.stop();
});

/** Every file whole in ffprobe, starting with a keyframe, with the frames and duration the index says. */
async function assertFilesClean(segments: readonly SegmentInfo[]): Promise<void> {
  for (const s of segments) {
    const probe = await probeFile(s.path);
    assert.deepEqual(probe.errors, [], `ffprobe errors in ${s.id}`);
    assert.equal(probe.codecTagString, 'avc1');
    assert.equal(probe.width, 640);
    assert.equal(probe.height, 360);
    assert.equal(probe.frames.length, s.frames, s.id);
    assert.ok(probe.frames[0]!.keyframe, `${s.id} starts with a keyframe`);
    assert.ok(Math.abs(probe.durationS * 1000 - (s.endMs - s.startMs)) < 100, `${s.id}: ffprobe ${probe.durationS} s`);
    // Seeking into the middle lands on a keyframe at or before the time asked.
    const middleS = probe.durationS / 2;
    const landed = await seekFirstPacket(s.path, middleS);
    assert.ok(
      landed.keyframe && landed.ptsTime <= middleS && landed.ptsTime > middleS - 1.1,
      `${s.id}: seek to ${middleS} s`,
    );
  }
}

function totalMs(segments: readonly SegmentInfo[]): number {
  return segments.reduce((n, s) => n + (s.endMs - s.startMs), 0);
}

test('records 20 s of a GStreamer camera into 5 s files that join up, add up to the wall time and play cleanly', async (t) => {
  const root = await tempRoot();
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  await catalog.load();
  const recorder = new StreamRecorder({ streamId: STREAM, catalog, dividerMs: 5000, limitBytes: 1 << 30 });
  const supervisor = new StreamSupervisor({
    streamId: STREAM,
    url: camera.url,
    transport: 'tcp',
    assumeConnDroppedAfterMs: 5000,
    connectTimeoutMs: 5000,
    reorderQueueSize: 0,
  });
  try {
    const remove = supervisor.addListener({
      onFormat: (f) => recorder.setFormat(f),
      onAccessUnit: (au) => recorder.write(au),
    });
    supervisor.start();
    for (let i = 0; i < 150 && catalog.allSegments(STREAM).length === 0; i++) await sleep(100);
    const first = catalog.allSegments(STREAM)[0];
    assert.ok(first, 'recording started within 15 s');
    await sleep(20_000 - (Date.now() - first.startMs));
    remove();
    const stopMs = Date.now();
    await recorder.close();
    const segments = catalog.allSegments(STREAM);
    assert.ok(segments.length === 4 || segments.length === 5, `${segments.length} files for 20 s with a 5 s divider`);
    for (let i = 1; i < segments.length; i++) {
      const gap = segments[i]!.startMs - segments[i - 1]!.endMs;
      assert.ok(Math.abs(gap) < 50, `files ${i - 1} and ${i} are ${gap} ms apart`);
    }
    for (const s of segments.slice(0, 4)) assert.ok(Math.abs(s.endMs - s.startMs - 5000) < 100, `${s.id} lasts 5 s`);
    const wallMs = stopMs - first.startMs;
    t.diagnostic(`${segments.length} files hold ${totalMs(segments).toFixed(0)} ms; wall time ${wallMs} ms`);
    assert.ok(Math.abs(totalMs(segments) - wallMs) <= 1000, `files hold ${totalMs(segments)} ms of ${wallMs} ms`);
    await assertFilesClean(segments);
    assert.equal(recorder.stats().droppedUnits, 0);
  } finally {
    await supervisor.close();
    await recorder.close();
    await catalog.close();
    await rm(root, { recursive: true, force: true });
  }
});

interface ChildRun {
  startMs: number;
  endMs: number;
  stoppedMs: number;
}

/** Runs the recorder child against the camera for `ms` after its first file starts, then sends `signal`. */
async function runChild(root: string, ms: number, signal: 'SIGKILL' | 'SIGTERM'): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, root, STREAM, camera.url, '5000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const run: ChildRun = { startMs: 0, endMs: 0, stoppedMs: 0 };
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const [kind, , ms] = line.split(' ');
    if (kind === 'added' && run.startMs === 0) run.startMs = Number(ms);
    if (kind === 'grown') run.endMs = Number(ms);
  });
  for (let i = 0; i < 150 && run.startMs === 0 && child.exitCode === null; i++) await sleep(100);
  assert.ok(run.startMs > 0, `the child started recording within 15 s: ${stderr}`);
  await sleep(ms - (Date.now() - run.startMs));
  run.stoppedMs = Date.now();
  child.kill(signal);
  await exited;
  lines.close();
  return run;
}

test('SIGKILL in the middle of recording a camera: after a restart every file plays and the time adds up', async (t) => {
  const root = await tempRoot();
  try {
    const killed = await runChild(root, 8000, 'SIGKILL');
    const clean = await runChild(root, 8000, 'SIGTERM');
    const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
    await catalog.load();
    const segments = catalog.allSegments(STREAM);
    // 8 s each with a 5 s divider: two files per run.
    assert.ok(segments.length >= 4 && segments.length <= 6, `${segments.length} files`);
    await assertFilesClean(segments);
    // Nothing the killed run had on disk was lost; at most the fragment in flight (≤ 0.5 s here) was.
    const killedEnd = Math.max(...segments.filter((s) => s.startMs < clean.startMs).map((s) => s.endMs));
    assert.ok(killedEnd >= killed.endMs - 0.001);
    assert.ok(killed.stoppedMs - killedEnd <= 1000, `the killed run lost ${killed.stoppedMs - killedEnd} ms`);
    const wallMs = killed.stoppedMs - killed.startMs + (clean.stoppedMs - clean.startMs);
    const recordedMs = totalMs(segments);
    t.diagnostic(
      `${segments.length} files hold ${recordedMs.toFixed(0)} ms; wall time ${wallMs} ms; ` +
        `the kill lost ${(killed.stoppedMs - killedEnd).toFixed(0)} ms`,
    );
    assert.ok(Math.abs(recordedMs - wallMs) <= 1000, `files hold ${recordedMs} ms of ${wallMs} ms recorded`);
    await catalog.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
