/**
 * One measured run of bench:scale: a fresh farm process, one contender (ThinStream or the ffmpeg recorders)
 * recording every camera, the same timeline for both:
 *
 *   start → every camera playing → warm-up (not measured) → window of `seconds` (CPU read at both ends from
 *   /proc, peak memory sampled every second, bytes from the farm's counters) → the farm stops sending and
 *   closes its connections → drain → the contender stops (segments finished) → frames counted by ffprobe.
 *
 * Frames sent (the farm's counter once it stopped) and frames recorded (every sample in every file) cover the
 * same span, the whole session, so their difference is what was lost.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Clip } from '../test/support/clips.js';
import { startScaleFarm, type ScaleFarm } from './scale-farm.js';
import { startFfmpegRecorders } from './scale-ffmpeg.js';
import { countRecordedFrames } from './scale-frames.js';
import { gcBetween, type GcTotals } from './scale-gc.js';
import { PeakMemorySampler, sampleTree } from './scale-proc.js';
import { summarizeProfile, type ProfileSummary } from './scale-profile.js';
import type { ProbeLine } from './scale-probe.js';
import { startThinStream, type ViewerCounts } from './scale-thinstream.js';

export interface RunOptions {
  cameras: number;
  seconds: number;
  warmupSeconds: number;
  transport: 'tcp' | 'udp';
  /** Live WebSocket viewers on ThinStream. */
  viewers: number;
  /** Where the temp folders go. */
  baseDir: string;
  keepFiles: boolean;
  cpuProfile: boolean;
  traceGc: boolean;
  /** Load scale-probe.ts into the runtime: event-loop delay and heap figures over the window. */
  probe: boolean;
  /** Extra flags for the runtime's node (experiments). */
  nodeArgs: string[];
  /** Another build's bin/thinstream.js (before/after comparisons); undefined: this repository's. */
  bin?: string;
  log: (line: string) => void;
}

export interface ContenderResult {
  name: 'ThinStream' | 'ffmpeg';
  cameras: number;
  transport: 'tcp' | 'udp';
  windowSeconds: number;
  mbitPerSecondIn: number;
  cpuSeconds: number;
  cpuSecondsPerCameraMinute: number;
  /** The kernel's part of cpuSeconds. */
  systemSeconds: number;
  /** Of one core, over the window. */
  cpuPercent: number;
  peakRssBytes: number;
  peakPssBytes: number;
  processes: number;
  bytesOnDisk: number;
  files: number;
  /** Over the whole session (until the farm stopped). */
  framesSent: number;
  /** Frames the farm skipped because the client's TCP connection was full (a client too slow). */
  framesDroppedByFarm: number;
  framesRecorded: number;
  /** Sessions the farm opened: more than the cameras means reconnections. */
  sessionsOpened: number;
  unreadableFiles: string[];
  failures: string[];
  viewers?: ViewerCounts[];
  gc?: GcTotals & { scavengedMbPerSecond: number };
  profile?: ProfileSummary;
  inside?: InsideFigures;
}

/** What the probe saw inside the runtime during the window (peaks of its 1-s lines). */
export interface InsideFigures {
  eventLoopDelayMaxMs: number;
  eventLoopDelayP99MaxMs: number;
  heapUsedMaxBytes: number;
  arrayBuffersMaxBytes: number;
  externalMaxBytes: number;
  timersMax: number;
}

interface Contender {
  pids(): number[];
  recordingsDir: string;
  gcSnapshot?(): GcTotals;
  viewers?(): ViewerCounts[];
  failures?(): string[];
  /** The probe's figures from now on (called when the window opens), read by `inside()` when it closes. */
  resetInside?(): void;
  inside?(): InsideFigures;
  /** Stops after the farm has: resolves once every process exited. */
  stop(): Promise<void>;
  close(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** After the farm stops: time for the last frames in flight to be read before the contender is told to stop. */
const DRAIN_MS = 3000;
const PLAYING_TIMEOUT_MS = 180_000;

async function waitPlaying(farm: ScaleFarm, cameras: number, log: (line: string) => void): Promise<void> {
  const end = Date.now() + PLAYING_TIMEOUT_MS;
  for (;;) {
    const s = await farm.stats();
    if (s.playing >= cameras) return;
    if (Date.now() > end) throw new Error(`only ${s.playing} of ${cameras} cameras playing after 180 s`);
    log(`  ${s.playing}/${cameras} cameras playing…`);
    await sleep(1000);
  }
}

async function measure(
  name: ContenderResult['name'],
  options: RunOptions,
  clip: Clip,
  start: (farm: ScaleFarm, dir: string) => Promise<Contender>,
): Promise<ContenderResult> {
  const { cameras, log } = options;
  const dir = await mkdtemp(join(options.baseDir, `thinstream-scale-${name.toLowerCase()}-`));
  const farm = await startScaleFarm(clip.path, cameras);
  let contender: Contender | null = null;
  try {
    log(`${name}: starting on ${cameras} cameras (${options.transport.toUpperCase()}), files in ${dir}`);
    contender = await start(farm, dir);
    await waitPlaying(farm, cameras, log);
    log(`${name}: every camera playing; ${options.warmupSeconds} s of warm-up`);
    await sleep(options.warmupSeconds * 1000);

    const memory = new PeakMemorySampler(() => contender!.pids(), 1000);
    const gc0 = contender.gcSnapshot?.();
    contender.resetInside?.();
    const farm0 = await farm.stats();
    const cpu0 = await sampleTree(contender.pids());
    const t0 = performance.now();
    memory.start();
    log(`${name}: measuring ${options.seconds} s`);
    await sleep(options.seconds * 1000);
    const cpu1 = await sampleTree(contender.pids());
    const t1 = performance.now();
    const farm1 = await farm.stats();
    const gc1 = contender.gcSnapshot?.();
    const inside = contender.inside?.();
    await memory.stop();

    const last = await farm.stop();
    log(`${name}: farm stopped after ${last.framesSent} frames; draining ${DRAIN_MS / 1000} s, then stopping`);
    await sleep(DRAIN_MS);
    const stopAt = performance.now();
    await contender.stop();
    const exitAt = performance.now();
    log(`${name}: stopped in ${((exitAt - stopAt) / 1000).toFixed(1)} s; counting frames with ffprobe`);
    const frames = await countRecordedFrames(contender.recordingsDir);

    const windowSeconds = (t1 - t0) / 1000;
    const cpuSeconds = cpu1.cpuSeconds - cpu0.cpuSeconds;
    const result: ContenderResult = {
      name,
      cameras,
      transport: options.transport,
      windowSeconds,
      mbitPerSecondIn: ((farm1.bytesSent - farm0.bytesSent) * 8) / windowSeconds / 1e6,
      cpuSeconds,
      cpuSecondsPerCameraMinute: cpuSeconds / (cameras * (windowSeconds / 60)),
      systemSeconds: cpu1.systemSeconds - cpu0.systemSeconds,
      cpuPercent: (100 * cpuSeconds) / windowSeconds,
      peakRssBytes: memory.peakRssBytes,
      peakPssBytes: memory.peakPssBytes,
      processes: cpu1.processes,
      bytesOnDisk: frames.bytesOnDisk,
      files: frames.files,
      framesSent: last.framesSent,
      framesDroppedByFarm: last.framesDropped,
      framesRecorded: frames.frames,
      sessionsOpened: last.sessionsOpened,
      unreadableFiles: frames.unreadable,
      failures: contender.failures?.() ?? [],
    };
    const viewers = contender.viewers?.();
    if (viewers) result.viewers = viewers;
    if (inside) result.inside = inside;
    if (gc0 && gc1) {
      const gc = gcBetween(gc0, gc1);
      result.gc = { ...gc, scavengedMbPerSecond: gc.scavengedMb / windowSeconds };
    }
    if (options.cpuProfile && name === 'ThinStream') {
      result.profile = await summarizeProfile(join(dir, 'profile'), 25, {
        fromEndMs: exitAt - t0,
        toEndMs: exitAt - t1,
      });
    }
    return result;
  } finally {
    await contender?.close();
    await farm.close();
    if (!options.keepFiles) await rm(dir, { recursive: true, force: true });
  }
}

export function measureThinStream(options: RunOptions, clip: Clip): Promise<ContenderResult> {
  const empty = (): InsideFigures => ({
    eventLoopDelayMaxMs: 0,
    eventLoopDelayP99MaxMs: 0,
    heapUsedMaxBytes: 0,
    arrayBuffersMaxBytes: 0,
    externalMaxBytes: 0,
    timersMax: 0,
  });
  let peaks = empty();
  const onProbe = (line: ProbeLine): void => {
    peaks.eventLoopDelayMaxMs = Math.max(peaks.eventLoopDelayMaxMs, line.eventLoopDelayMaxMs);
    peaks.eventLoopDelayP99MaxMs = Math.max(peaks.eventLoopDelayP99MaxMs, line.eventLoopDelayP99Ms);
    peaks.heapUsedMaxBytes = Math.max(peaks.heapUsedMaxBytes, line.heapUsedBytes);
    peaks.arrayBuffersMaxBytes = Math.max(peaks.arrayBuffersMaxBytes, line.arrayBuffersBytes);
    peaks.externalMaxBytes = Math.max(peaks.externalMaxBytes, line.externalBytes);
    peaks.timersMax = Math.max(peaks.timersMax, line.resources['Timeout'] ?? 0);
  };
  return measure('ThinStream', options, clip, async (farm, dir) => {
    const ts = await startThinStream({
      ...(options.probe ? { onProbe } : {}),
      dir,
      urls: farm.urls,
      transport: options.transport,
      viewers: options.viewers,
      traceGc: options.traceGc,
      nodeArgs: options.nodeArgs,
      ...(options.bin === undefined ? {} : { bin: options.bin }),
      ...(options.cpuProfile ? { cpuProfileDir: join(dir, 'profile') } : {}),
    });
    return {
      pids: () => [ts.pid],
      recordingsDir: ts.recordingsDir,
      ...(options.traceGc ? { gcSnapshot: () => ts.gc.snapshot() } : {}),
      viewers: () => ts.viewers(),
      ...(options.probe ? { resetInside: () => (peaks = empty()), inside: () => ({ ...peaks }) } : {}),
      stop: () => ts.stop(),
      close: () => ts.close(),
    };
  });
}

export function measureFfmpeg(options: RunOptions, clip: Clip): Promise<ContenderResult> {
  return measure('ffmpeg', options, clip, async (farm, dir) => {
    const ff = await startFfmpegRecorders({ dir, urls: farm.urls, transport: options.transport });
    return {
      pids: () => ff.pids(),
      recordingsDir: ff.recordingsDir,
      failures: () => ff.failures(),
      stop: () => ff.stop(20_000),
      close: () => ff.close(),
    };
  });
}
