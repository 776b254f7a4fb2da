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
import { comparisonTable, details, loadNow, machine, machineLine, ratio } from './scale-report.js';
import { measureFfmpeg, measureThinStream, type ContenderResult, type RunOptions } from './scale-run.js';
import { runSoak } from './scale-soak.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '60' },
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

const loads = [loadNow()];
const results: ContenderResult[] = [];
if (values.only !== 'ffmpeg') {
  results.push(await measureThinStream(options, clip));
  loads.push(loadNow());
}
if (values.only !== 'thinstream') {
  results.push(await measureFfmpeg(options, clip));
  loads.push(loadNow());
}
const m = machine(loads);
const ts = results.find((r) => r.name === 'ThinStream');
const ff = results.find((r) => r.name === 'ffmpeg');

if (values.json) {
  const summary = {
    cameras: options.cameras,
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    transport,
    clip: FARM_CLIP,
    machine: m,
    cpuRatio: ts && ff ? ratio(ts.cpuSecondsPerCameraMinute, ff.cpuSecondsPerCameraMinute) : null,
    memRatio: ts && ff ? ratio(ts.peakRssBytes, ff.peakRssBytes) : null,
    pssRatio: ts && ff ? ratio(ts.peakPssBytes, ff.peakPssBytes) : null,
    framesSent: ts?.framesSent ?? null,
    framesRecorded: ts?.framesRecorded ?? null,
    framesLost: ts ? ts.framesSent - ts.framesRecorded : null,
    thinstream: ts ?? null,
    ffmpeg: ff ?? null,
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
} else {
  process.stdout.write(
    `bench:scale — ${options.cameras} cameras, ${FARM_CLIP.width}x${FARM_CLIP.height} ${FARM_CLIP.fps} fps ` +
      `${FARM_CLIP.bitrateKbps} kbit/s GOP ${FARM_CLIP.gopFrames}, RTSP over ${transport.toUpperCase()}, ` +
      `${options.seconds} s measured after ${options.warmupSeconds} s of warm-up\n${machineLine(m)}\n\n`,
  );
  process.stdout.write(`${comparisonTable(results)}\n\n${details(results)}\n`);
}
