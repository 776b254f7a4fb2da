/**
 * `npm run bench:scale -- --cameras 16 --seconds 3600 --soak [--storage-limit 4GB] [--json]`
 *
 * ThinStream alone on the farm for a long time, sampled every 10 s: RSS and open file descriptors from /proc,
 * and from inside the runtime (scale-probe.ts, loaded with `--import`) the active timers and handles and the
 * event-loop delay, the V8 heap and the array buffers, the garbage collector's pauses; from its telemetry the
 * video slab pool's counts; and the machine's steal time (a stall's cause outside the process). Recordings are
 * kept within the storage limit, so retention deletes segments as it would in service. At the end: the series
 * summarized and one pass/fail line per criterion:
 *   RSS flat       growth under 5 % from the minute after the first 5 minutes to the last minute
 *   fds flat       open file descriptors: last minute's median at most the settled minute's median + 2
 *   timers flat    active `Timeout`s, same rule; handles (every active resource), same rule
 *   no stall       no event-loop delay over 50 ms once every camera plays
 * (A run shorter than 15 minutes settles after a third of its length instead of 5 minutes.)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Clip } from '../test/support/clips.js';
import { startScaleFarm } from './scale-farm.js';
import { countRecordedFrames } from './scale-frames.js';
import type { ProbeLine } from './scale-probe.js';
import { sampleTree, stealSeconds } from './scale-proc.js';
import { loadNow, machine, machineLine } from './scale-report.js';
import type { RunOptions } from './scale-run.js';
import { startThinStream } from './scale-thinstream.js';

export interface SoakOptions extends RunOptions {
  storageLimit: string;
  json: boolean;
}

interface SoakSample {
  atS: number;
  rssBytes: number;
  fds: number;
  timers: number;
  handles: number;
  eventLoopDelayMaxMs: number;
  /** The longest garbage-collection pause in the interval, ms. */
  gcMaxPauseMs: number;
  /** CPU seconds the hypervisor took from this machine in the interval (steal, all CPUs). */
  stealS: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** V8's heap by space (bytes from the OS), for the JSON output. */
  heapSpaces: Record<string, number>;
  /** ArrayBuffers' bytes (the slabs of video, socket and disk buffers): outside the V8 heap, inside RSS. */
  arrayBuffersBytes: number;
  /** The video slab pool (telemetry): slabs holding video, slabs waiting for reuse. */
  slabsInUse: number;
  slabsFree: number;
  /** The WebSocket frame pool (telemetry): buffers held by pending writes, and bytes waiting for reuse. */
  wsFramesInUse: number;
  wsFramesFreeBytes: number;
  /** Full collections the runtime's memory reducer asked for, since start. */
  reducerCollections: number;
  framesSent: number;
  sessionsOpened: number;
  playing: number;
  cpuSeconds: number;
  load: number;
}

const SAMPLE_MS = 10_000;
const RSS_GROWTH_LIMIT = 0.05;
const STALL_LIMIT_MS = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function runSoak(options: SoakOptions, clip: Clip): Promise<number> {
  const { log, cameras } = options;
  const dir = await mkdtemp(join(options.baseDir, 'thinstream-scale-soak-'));
  const farm = await startScaleFarm(clip.path, cameras);
  const probe: { last: ProbeLine | null; worstDelayMs: number } = { last: null, worstDelayMs: 0 };
  const samples: SoakSample[] = [];
  const loads = [loadNow()];
  let ts: Awaited<ReturnType<typeof startThinStream>> | null = null;
  try {
    ts = await startThinStream({
      dir,
      urls: farm.urls,
      transport: options.transport,
      viewers: options.viewers,
      storageLimit: options.storageLimit,
      probeIntervalMs: SAMPLE_MS,
      nodeArgs: options.nodeArgs,
      onProbe: (line) => {
        probe.last = line;
        probe.worstDelayMs = Math.max(probe.worstDelayMs, line.eventLoopDelayMaxMs);
      },
    });
    const deadline = Date.now() + 180_000;
    for (let playing = 0; playing < cameras; playing = (await farm.stats()).playing) {
      if (Date.now() > deadline) throw new Error(`only ${playing} of ${cameras} cameras playing after 180 s`);
      await sleep(1000);
    }
    // Start-up (config, catalog scan, every camera connecting) is not part of the steady state.
    await sleep(SAMPLE_MS + 500);
    probe.worstDelayMs = 0;
    log(`soak: ${cameras} cameras playing; sampling every ${SAMPLE_MS / 1000} s for ${options.seconds} s`);
    const t0 = performance.now();
    let steal = await stealSeconds();
    for (let i = 1; i <= Math.floor((options.seconds * 1000) / SAMPLE_MS); i++) {
      await sleep(Math.max(0, t0 + i * SAMPLE_MS - performance.now()));
      const proc = await sampleTree([ts.pid], { fds: true });
      const f = await farm.stats();
      const p = probe.last;
      const stealNow = await stealSeconds();
      const { slabs, wsFrames, reducerCollections } = (await ts.telemetry()).memory;
      const s: SoakSample = {
        atS: (performance.now() - t0) / 1000,
        rssBytes: proc.rssBytes,
        fds: proc.fds ?? 0,
        timers: p?.resources['Timeout'] ?? 0,
        handles: p ? Object.values(p.resources).reduce((a, b) => a + b, 0) : 0,
        eventLoopDelayMaxMs: p?.eventLoopDelayMaxMs ?? 0,
        gcMaxPauseMs: p?.gcMaxPauseMs ?? 0,
        stealS: stealNow - steal,
        heapUsedBytes: p?.heapUsedBytes ?? 0,
        heapTotalBytes: p?.heapTotalBytes ?? 0,
        heapSpaces: p?.heapSpaces ?? {},
        arrayBuffersBytes: p?.arrayBuffersBytes ?? 0,
        slabsInUse: slabs.inUse,
        slabsFree: slabs.free,
        wsFramesInUse: wsFrames.inUse,
        wsFramesFreeBytes: wsFrames.freeBytes,
        reducerCollections,
        framesSent: f.framesSent,
        sessionsOpened: f.sessionsOpened,
        playing: f.playing,
        cpuSeconds: proc.cpuSeconds,
        load: loadNow(),
      };
      steal = stealNow;
      samples.push(s);
      if (i % 30 === 0 || i <= 1) {
        log(
          `soak: ${s.atS.toFixed(0)} s: RSS ${(s.rssBytes / 2 ** 20).toFixed(1)} MB, ${s.fds} fds, ${s.timers} timers, ` +
            `${s.handles} handles, delay max ${s.eventLoopDelayMaxMs.toFixed(1)} ms, load ${s.load}`,
        );
      }
    }
    loads.push(loadNow());
    const last = await farm.stop();
    await sleep(3000);
    const viewers = ts.viewers();
    await ts.stop();
    const frames = await countRecordedFrames(ts.recordingsDir);
    const verdicts = judge(samples, options.seconds, probe.worstDelayMs);
    const m = machine(loads);
    const cpu = samples.length > 1 ? samples.at(-1)!.cpuSeconds - samples[0]!.cpuSeconds : 0;
    const spanS = samples.length > 1 ? samples.at(-1)!.atS - samples[0]!.atS : 1;
    const summary = {
      cameras,
      seconds: options.seconds,
      transport: options.transport,
      storageLimit: options.storageLimit,
      machine: m,
      cpuPercent: (100 * cpu) / spanS,
      framesSent: last.framesSent,
      framesInKeptFiles: frames.frames,
      bytesKept: frames.bytesOnDisk,
      sessionsOpened: last.sessionsOpened,
      framesDroppedByFarm: last.framesDropped,
      viewers,
      verdicts,
      samples,
    };
    if (options.json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      process.stdout.write(
        `bench:scale --soak — ${cameras} cameras over ${options.transport.toUpperCase()}, ${options.seconds} s, ` +
          `storage limit ${options.storageLimit}\n${machineLine(m)}\n` +
          `ThinStream CPU ${summary.cpuPercent.toFixed(1)} % of one core; ${last.sessionsOpened} RTSP sessions ` +
          `for ${cameras} cameras; ${last.framesSent} frames sent, ${last.framesDropped} skipped by the farm; ` +
          `${frames.files} files kept (${(frames.bytesOnDisk / 2 ** 30).toFixed(2)} GB, ${frames.frames} frames)\n` +
          viewers.map((v) => `live viewer ${v.streamId}: ${v.units} units, ${v.skippedUnits} skipped\n`).join('') +
          `\n${seriesTable(samples)}\n\n` +
          verdicts.map((v) => `${v.pass ? 'PASS' : 'FAIL'}  ${v.criterion}: ${v.detail}`).join('\n') +
          '\n',
      );
    }
    return verdicts.every((v) => v.pass) ? 0 : 1;
  } finally {
    await ts?.close();
    await farm.close();
    if (!options.keepFiles) await rm(dir, { recursive: true, force: true });
  }
}

interface Verdict {
  criterion: string;
  pass: boolean;
  detail: string;
}

function judge(samples: SoakSample[], seconds: number, worstDelayMs: number): Verdict[] {
  const settleS = seconds >= 900 ? 300 : Math.floor(seconds / 3);
  const settled = samples.filter((s) => s.atS >= settleS && s.atS < settleS + 60);
  const lastMinute = samples.filter((s) => s.atS > samples.at(-1)!.atS - 60);
  const flat = (name: string, pick: (s: SoakSample) => number, unit: string): Verdict => {
    const a = median(settled.map(pick));
    const b = median(lastMinute.map(pick));
    const all = samples.filter((s) => s.atS >= settleS).map(pick);
    return {
      criterion: `${name} flat`,
      pass: b <= a + 2,
      detail: `median ${a} ${unit} at ${settleS}–${settleS + 60} s, ${b} in the last minute (range ${Math.min(...all)}–${Math.max(...all)})`,
    };
  };
  const rssA = median(settled.map((s) => s.rssBytes));
  const rssB = median(lastMinute.map((s) => s.rssBytes));
  const growth = (rssB - rssA) / rssA;
  const over = samples.filter((s) => s.eventLoopDelayMaxMs > STALL_LIMIT_MS);
  const mb = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MB`;
  return [
    {
      criterion: 'RSS flat',
      pass: growth < RSS_GROWTH_LIMIT,
      detail: `${mb(rssA)} at ${settleS}–${settleS + 60} s → ${mb(rssB)} in the last minute (${(growth * 100).toFixed(2)} %, limit 5 %); max ${mb(Math.max(...samples.map((s) => s.rssBytes)))}`,
    },
    flat('file descriptors', (s) => s.fds, 'fds'),
    flat('timers', (s) => s.timers, 'timers'),
    flat('handles', (s) => s.handles, 'handles'),
    {
      criterion: 'no event-loop stall over 50 ms',
      pass: worstDelayMs <= STALL_LIMIT_MS,
      detail:
        `worst delay ${worstDelayMs.toFixed(1)} ms; ${over.length} of ${samples.length} 10-s intervals over 50 ms` +
        (over.length === 0
          ? ''
          : ` (ending at ${over
              .slice(0, 10)
              .map(
                (s) =>
                  `${s.atS.toFixed(0)} s: ${s.eventLoopDelayMaxMs.toFixed(1)} ms, longest GC pause ` +
                  `${s.gcMaxPauseMs.toFixed(1)} ms, steal ${s.stealS.toFixed(2)} s, load ${s.load}`,
              )
              .join('; ')})`),
    },
  ];
}

function seriesTable(samples: SoakSample[]): string {
  // One row per 5 minutes (or per tenth of a short run) keeps the series readable: the memory and counts at the
  // row's end, the delays and pauses the worst of the row's window.
  const every = Math.max(1, Math.min(30, Math.floor(samples.length / 10)));
  const lines = [
    '| s | RSS MB | heap used / total MB | array buffers MB | slabs in use / free | fds | timers | handles ' +
      '| worst delay ms | worst GC pause ms | load |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const mb = (b: number): string => (b / 2 ** 20).toFixed(1);
  for (let end = every; end <= samples.length; end += every) {
    const window = samples.slice(end - every, end);
    const s = window.at(-1)!;
    const delay = Math.max(...window.map((w) => w.eventLoopDelayMaxMs));
    const gc = Math.max(...window.map((w) => w.gcMaxPauseMs));
    lines.push(
      `| ${s.atS.toFixed(0)} | ${mb(s.rssBytes)} | ${mb(s.heapUsedBytes)} / ${mb(s.heapTotalBytes)} | ` +
        `${mb(s.arrayBuffersBytes)} | ${s.slabsInUse} / ${s.slabsFree} | ${s.fds} | ${s.timers} | ${s.handles} | ` +
        `${delay.toFixed(1)} | ${gc.toFixed(1)} | ${s.load} |`,
    );
  }
  return lines.join('\n');
}
