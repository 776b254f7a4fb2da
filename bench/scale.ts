/**
 * `npm run bench:scale -- --cameras 64 --seconds 60 [--transport tcp|udp] [--json] [--soak]`
 *
 * Issue 7: many cameras on one core, side by side with ffmpeg. A farm of N cameras (our RTSP server in its own
 * process, a 1080p 4 Mbit/s GOP-2s clip made by ffmpeg) is recorded, in turn, by
 *   1. ThinStream headless (`thinstream -c <cfg> -runServer`, a child process), every camera into a temp
 *      folder, with live WebSocket viewers (signed in, over HTTPS) on 4 of them;
 *   2. one `ffmpeg -rtsp_transport tcp -i <url> -c copy -f segment -segment_time 60 …` per camera.
 * Each is measured from /proc over the same window after the same warm-up (scale-run.ts). Prints a table of
 * CPU seconds per camera-minute, peak memory, bytes on disk and frames recorded vs sent; `--json` one object
 * with `cpuRatio`, `memRatio`, `framesSent`, `framesRecorded` (ThinStream's) and the rest.
 *
 * `--rounds N` measures them N times, alternating (ThinStream, ffmpeg, ThinStream, …), and compares the median of
 * each side's CPU (and, for `memRatio`, RSS): on a shared VM one run moves by ±15 %, and alternating spreads slow
 * spells over both. The table shows each side's median run by CPU and a line per round; the JSON adds `perRound`,
 * and its frame counts are ThinStream's over every round.
 *
 * Other flags: --warmup <s> (default 10), --viewers <n> (4), --only thinstream|ffmpeg, --cpu-prof (profile
 * the runtime, print its top self time), --trace-gc (count the runtime's collections in the window),
 * --probe (load scale-probe.ts into the runtime: event-loop delay, heap and timers over the window),
 * --node-args="<flags>" (more flags for the runtime's node, for experiments), --bin <other checkout>/bin/thinstream.js
 * (measure another build of ThinStream against the same farm: before and after a change),
 * --keep (keep the recordings), --dir <folder for temp files>. Soak mode: see scale-soak.ts.
 */
import { tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { FARM_CLIP } from '../test/support/camera-farm.js';
import { makeClip } from '../test/support/clips.js';
import {
  comparisonTable,
  details,
  loadNow,
  machine,
  machineLine,
  medianRun,
  ratio,
  roundsTable,
  type RoundFigures,
} from './scale-report.js';
import { measureFfmpeg, measureThinStream, type ContenderResult, type RunOptions } from './scale-run.js';
import { runSoak } from './scale-soak.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '1' },
    warmup: { type: 'string', default: '10' },
    transport: { type: 'string', default: 'tcp' },
    viewers: { type: 'string', default: '4' },
    only: { type: 'string' },
    json: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'trace-gc': { type: 'boolean', default: false },
    probe: { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
    bin: { type: 'string' },
    keep: { type: 'boolean', default: false },
    dir: { type: 'string' },
    'storage-limit': { type: 'string' },
  },
});

function positive(name: string, text: string, allowZero = false): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    process.stderr.write(`bench:scale: --${name} must be a whole number${allowZero ? '' : ' above 0'}, got ${text}\n`);
    process.exit(2);
  }
  return n;
}

const transport = values.transport;
if (transport !== 'tcp' && transport !== 'udp') {
  process.stderr.write(`bench:scale: --transport must be tcp or udp, got ${transport}\n`);
  process.exit(2);
}
if (values.only !== undefined && values.only !== 'thinstream' && values.only !== 'ffmpeg') {
  process.stderr.write(`bench:scale: --only must be thinstream or ffmpeg, got ${values.only}\n`);
  process.exit(2);
}
const options: RunOptions = {
  cameras: positive('cameras', values.cameras),
  seconds: positive('seconds', values.seconds),
  warmupSeconds: positive('warmup', values.warmup, true),
  transport,
  viewers: positive('viewers', values.viewers, true),
  baseDir: values.dir ?? tmpdir(),
  keepFiles: values.keep,
  cpuProfile: values['cpu-prof'],
  traceGc: values['trace-gc'],
  probe: values.probe,
  nodeArgs: values['node-args'].split(' ').filter((a) => a !== ''),
  ...(values.bin === undefined ? {} : { bin: values.bin }),
  log: (line) => process.stderr.write(`bench:scale: ${line}\n`),
};

options.log(`making the farm clip (${FARM_CLIP.width}x${FARM_CLIP.height}, ${FARM_CLIP.bitrateKbps} kbit/s, GOP 2 s)…`);
const clip = await makeClip(FARM_CLIP);

if (values.soak) {
  const code = await runSoak({ ...options, storageLimit: values['storage-limit'] ?? '4GB', json: values.json }, clip);
  process.exit(code);
}

const rounds = positive('rounds', values.rounds);
const loads = [loadNow()];
const tsRuns: ContenderResult[] = [];
const ffRuns: ContenderResult[] = [];
for (let round = 1; round <= rounds; round++) {
  if (rounds > 1) options.log(`round ${round} of ${rounds}`);
  if (values.only !== 'ffmpeg') {
    tsRuns.push(await measureThinStream(options, clip));
    loads.push(loadNow());
  }
  if (values.only !== 'thinstream') {
    ffRuns.push(await measureFfmpeg(options, clip));
    loads.push(loadNow());
  }
}
const m = machine(loads);
// Each side's median run by CPU; the ratios compare the medians.
const ts = medianRun(tsRuns, (r) => r.cpuSecondsPerCameraMinute);
const ff = medianRun(ffRuns, (r) => r.cpuSecondsPerCameraMinute);
const results = [ts, ff].filter((r): r is ContenderResult => r !== null);
const roundFigures: RoundFigures[] = [];
for (let i = 0; i < rounds; i++) roundFigures.push({ thinstream: tsRuns[i] ?? null, ffmpeg: ffRuns[i] ?? null });
const tsMemory = medianRun(tsRuns, (r) => r.peakRssBytes);
const ffMemory = medianRun(ffRuns, (r) => r.peakRssBytes);
const sum = (runs: ContenderResult[], f: (r: ContenderResult) => number): number => runs.reduce((a, r) => a + f(r), 0);

if (values.json) {
  const summary = {
    cameras: options.cameras,
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    transport,
    clip: FARM_CLIP,
    machine: m,
    rounds: roundFigures.length,
    cpuRatio: ts && ff ? ratio(ts.cpuSecondsPerCameraMinute, ff.cpuSecondsPerCameraMinute) : null,
    memRatio: tsMemory && ffMemory ? ratio(tsMemory.peakRssBytes, ffMemory.peakRssBytes) : null,
    pssRatio: ts && ff ? ratio(ts.peakPssBytes, ff.peakPssBytes) : null,
    // ThinStream's, over every round.
    framesSent: ts ? sum(tsRuns, (r) => r.framesSent) : null,
    framesRecorded: ts ? sum(tsRuns, (r) => r.framesRecorded) : null,
    framesLost: ts ? sum(tsRuns, (r) => r.framesSent - r.framesRecorded) : null,
    thinstream: ts,
    ffmpeg: ff,
    ...(rounds > 1 ? { perRound: roundFigures.map(roundSummary) } : {}),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  process.stdout.write(
    `bench:scale — ${options.cameras} cameras, ${FARM_CLIP.width}x${FARM_CLIP.height} ${FARM_CLIP.fps} fps ` +
      `${FARM_CLIP.bitrateKbps} kbit/s GOP ${FARM_CLIP.gopFrames}, RTSP over ${transport.toUpperCase()}, ` +
      `${options.seconds} s measured after ${options.warmupSeconds} s of warm-up\n${machineLine(m)}\n\n`,
  );
  process.stdout.write(`${comparisonTable(results)}\n\n${details(results)}\n`);
  if (rounds > 1) process.stdout.write(`\n${roundsTable(roundFigures)}\n`);
}

function roundSummary(r: RoundFigures): Record<string, number | null> {
  const t = r.thinstream;
  const f = r.ffmpeg;
  return {
    thinstreamCpu: t?.cpuSecondsPerCameraMinute ?? null,
    ffmpegCpu: f?.cpuSecondsPerCameraMinute ?? null,
    cpuRatio: t && f ? ratio(t.cpuSecondsPerCameraMinute, f.cpuSecondsPerCameraMinute) : null,
    memRatio: t && f ? ratio(t.peakRssBytes, f.peakRssBytes) : null,
    framesLost: t ? t.framesSent - t.framesRecorded : null,
  };
}
