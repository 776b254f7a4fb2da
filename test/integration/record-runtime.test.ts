/**
 * Issue 3's "done when", through the real program: `thinstream -c cfg.json -runServer` records a GStreamer
 * camera into MP4 files that ffprobe reads without an error and whose durations add up to the wall time
 * recorded (±1 s), also after the process is SIGKILLed in the middle and started again; and with a storage
 * limit of a few MB the folder stays under the limit plus one file for as long as it runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseSegmentName } from '../../src-main/recorder/segment-name.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { REPO_ROOT } from '../support/paths.js';
import { startGstCamera, type GstCamera, type GstCameraOptions } from '../support/gst-camera.js';
import { probeFile, seekFirstPacket } from '../recorder/ffprobe.js';

const BIN = join(REPO_ROOT, 'bin/thinstream.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Setup {
  dir: string;
  config: string;
  folder: string;
  camera: GstCamera;
}

async function setUp(camera: GstCameraOptions, write: Record<string, unknown>, limit: string): Promise<Setup> {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-record-runtime-'));
  const cam = await startGstCamera({ protocols: ['tcp'], ...camera });
  const config = join(dir, 'cfg.json');
  await writeFile(
    config,
    JSON.stringify({
      context: {
        filesystem: { streams: { rootPath: 'recordings', defaults: { limit } } },
        caCert: { path: 'ca.der', key: { pass: 'ca-pass', path: 'ca.p12' } },
      },
      server: {
        defaults: { streams: { params: { rtsp: { transport: 'tcp' }, write: { files: write } } } },
        rtsp: { rtp: { server: { ports: [0] } }, rtcp: { port: 0 } },
        streamsGrps: [
          { uid: 'g', name: 'G', streams: [{ device: { uid: 'cam' }, versions: [{ sid: 'main', uri: cam.url }] }] },
        ],
      },
      http: {
        ports: [
          { port: 0, ssl: { cert: { source: { path: 'https.der', key: { pass: 'https-pass', path: 'https.p12' } } } } },
        ],
      },
    }),
  );
  return { dir, config, folder: join(dir, 'recordings', 'cam', 'main'), camera: cam };
}

async function tearDown(s: Setup): Promise<void> {
  await s.camera.stop();
  await rm(s.dir, { recursive: true, force: true });
}

interface Server {
  /** Start (ms since the epoch) of the first file this run made. */
  firstFileStartMs: number;
  stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<{ stoppedMs: number; code: number | null; stderr: string }>;
}

/** Runs `thinstream -c cfg.json -runServer` until it has started a file newer than `after`. */
async function runServer(s: Setup, after: number): Promise<Server> {
  const child = spawn(process.execPath, [BIN, '-c', s.config, '-runServer'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += d.toString();
  });
  createInterface({ input: child.stdout }).on('line', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let firstFileStartMs = 0;
  for (let i = 0; i < 300 && firstFileStartMs === 0 && child.exitCode === null; i++) {
    await sleep(100);
    const names = await readdir(s.folder).catch(() => [] as string[]);
    for (const name of names) {
      const parsed = parseSegmentName(name);
      if (parsed && parsed.startMs > after && (firstFileStartMs === 0 || parsed.startMs < firstFileStartMs)) {
        firstFileStartMs = parsed.startMs;
      }
    }
  }
  if (firstFileStartMs === 0) {
    child.kill('SIGKILL');
    await exited;
    assert.fail(`the server made no recording within 30 s: ${stderr}`);
  }
  return {
    firstFileStartMs,
    stop: async (signal) => {
      const stoppedMs = Date.now();
      child.kill(signal);
      const code = await exited;
      return { stoppedMs, code, stderr };
    },
  };
}

test('-runServer records a camera; SIGKILL mid-way and a restart: every file clean, durations add up to the wall time', async (t) => {
  const s = await setUp(
    { width: 640, height: 360, fps: 25, gop: 12, bitrateKbps: 800 },
    { payload: { divider: '5s' } },
    '10GB',
  );
  try {
    const first = await runServer(s, 0);
    await sleep(7000 - (Date.now() - first.firstFileStartMs));
    const killed = await first.stop('SIGKILL');
    assert.equal(killed.code, null, 'killed, not exited');
    const second = await runServer(s, killed.stoppedMs);
    await sleep(7000 - (Date.now() - second.firstFileStartMs));
    const stopped = await second.stop('SIGTERM');
    assert.equal(stopped.code, 0, stopped.stderr);

    const catalog = new RecordingCatalog({ rootPath: join(s.dir, 'recordings'), rescanIntervalMs: 0 });
    const report = await catalog.load();
    assert.deepEqual(report.repaired, [], 'the restarted server already repaired what the kill left');
    const segments = catalog.allSegments('cam/main');
    assert.ok(segments.length >= 4, `${segments.length} files`);
    for (const seg of segments) {
      const probe = await probeFile(seg.path);
      assert.deepEqual(probe.errors, [], `ffprobe errors in ${seg.id}`);
      assert.equal(probe.frames.length, seg.frames);
      assert.ok(probe.frames[0]!.keyframe);
      const landed = await seekFirstPacket(seg.path, probe.durationS / 2);
      assert.ok(landed.keyframe && landed.ptsTime <= probe.durationS / 2, `${seg.id} seeks`);
    }
    const recordedMs = segments.reduce((n, seg) => n + (seg.endMs - seg.startMs), 0);
    const wallMs = killed.stoppedMs - first.firstFileStartMs + (stopped.stoppedMs - second.firstFileStartMs);
    t.diagnostic(`${segments.length} files hold ${recordedMs.toFixed(0)} ms of ${wallMs} ms recorded`);
    assert.ok(Math.abs(recordedMs - wallMs) <= 1000, `files hold ${recordedMs} ms of ${wallMs} ms recorded`);
    await catalog.close();
  } finally {
    await tearDown(s);
  }
});

test('-runServer with a 2 MB storage limit keeps the folder under the limit plus one file while it records', async (t) => {
  // Noise makes x264 spend its whole 2 Mbit/s: 2 s files of about 0.5 MB.
  const s = await setUp(
    { width: 640, height: 360, fps: 25, gop: 25, bitrateKbps: 2000, pattern: 'snow' },
    { payload: { divider: '2s' } },
    '2MB',
  );
  const limitBytes = 2 * 1024 * 1024;
  try {
    const server = await runServer(s, 0);
    let worst = 0;
    let largestFile = 0;
    let total = 0;
    const deleted = new Set<string>();
    const seen = new Set<string>();
    while (Date.now() - server.firstFileStartMs < 15_000) {
      await sleep(250);
      total = 0;
      const names = await readdir(s.folder).catch(() => [] as string[]);
      for (const name of seen) if (!names.includes(name)) deleted.add(name);
      for (const name of names) {
        seen.add(name);
        const size = (await stat(join(s.folder, name)).catch(() => null))?.size ?? 0;
        total += size;
        largestFile = Math.max(largestFile, size);
      }
      worst = Math.max(worst, total);
    }
    const stopped = await server.stop('SIGTERM');
    assert.equal(stopped.code, 0, stopped.stderr);
    t.diagnostic(
      `worst ${worst} bytes; limit ${limitBytes}; largest file ${largestFile}; ${deleted.size} files deleted`,
    );
    assert.ok(deleted.size >= 1, `retention deleted ${deleted.size} files`);
    assert.ok(
      worst <= limitBytes + largestFile,
      `the folder held ${worst} bytes; limit ${limitBytes} + one file ${largestFile}`,
    );
  } finally {
    await tearDown(s);
  }
});
