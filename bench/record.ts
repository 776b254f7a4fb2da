/**
 * `npm run bench:record -- [--streams 16] [--seconds 60] [--realtime-seconds 20] [--fsync segment] [--dir /path]`
 *
 * What recording costs: N simulated 1080p 4 Mbit/s streams (AccessUnits of the shared 1080p GOP-2s clip,
 * looped with continuous times) each into its own StreamRecorder, sharing one RecordingCatalog and
 * RetentionPolicy, on the real disk. Two runs:
 *   fast      every stream fed as fast as the disk queue takes it: MB/s the recorder sustains;
 *   realtime  every stream fed at 25 fps for the wall time given: the CPU an NVR spends at that load.
 * CPU is this process's user+system time (process.cpuUsage) over the run; "CPU s per stream-hour" is that
 * divided by the hours of video recorded. The units are prepared before timing (no parsing measured).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AccessUnit } from '../src-shared/access-unit.js';
import type { FsyncPolicy } from '../src-main/recorder/segment-writer.js';
import { RecordingCatalog } from '../src-main/storage/recording-catalog.js';
import { RetentionPolicy } from '../src-main/storage/retention-policy.js';
import { StreamRecorder } from '../src-main/recorder/stream-recorder.js';
import { makeClip, retime, type Clip } from '../test/recorder/clip-fixture.js';

const { values } = parseArgs({
  options: {
    streams: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '60' },
    'realtime-seconds': { type: 'string', default: '20' },
    fsync: { type: 'string', default: 'segment' },
    dir: { type: 'string' },
  },
});
const STREAMS = Number(values.streams);
const MEDIA_SECONDS = Number(values.seconds);
const REALTIME_SECONDS = Number(values['realtime-seconds']);
const FSYNC = values.fsync as FsyncPolicy;

interface Row {
  run: string;
  streams: number;
  wallS: number;
  mediaS: number;
  mb: number;
  mbPerS: number;
  cpuS: number;
  cpuPercent: number;
  cpuSPerStreamHour: number;
  writeMsPerStream: number;
  dropped: number;
  files: number;
}

/** Units of the clip looped to `seconds`, times continuing, wall clock from `startMs`. */
function unitsFor(clip: Clip, seconds: number, startMs: number): AccessUnit[] {
  const span90k = clip.units.length * 3600;
  const out: AccessUnit[] = [];
  for (let loop = 0; out.length < seconds * 25; loop++) {
    out.push(...retime(clip.units, loop * span90k, startMs - clip.units[0]!.wallMs + (loop * span90k) / 90));
  }
  return out.slice(0, seconds * 25);
}

async function run(name: string, clip: Clip, seconds: number, realtime: boolean): Promise<Row> {
  const root = await mkdtemp(join(values.dir ?? tmpdir(), 'thinstream-bench-record-'));
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  await catalog.load();
  const retention = new RetentionPolicy({ catalog, limitBytes: 100 * 1024 ** 3, checkIntervalMs: 0 });
  const recorders = Array.from(
    { length: STREAMS },
    (_, i) =>
      new StreamRecorder({
        streamId: `bench-cam-${String(i + 1).padStart(2, '0')}/1-high`,
        catalog,
        retention,
        dividerMs: 60_000,
        limitBytes: 1024 ** 3,
        fsync: FSYNC,
      }),
  );
  const units = unitsFor(clip, seconds, Date.now());
  for (const r of recorders) r.setFormat(clip.format);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  if (realtime) {
    // 25 fps per stream, each stream offset by a fraction of a frame like independent cameras.
    for (let i = 0; i < units.length; i++) {
      const due = t0 + i * 40;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      for (const r of recorders) r.write(units[i]!);
    }
  } else {
    for (let i = 0; i < units.length; i += 50) {
      for (const r of recorders) for (let k = i; k < Math.min(i + 50, units.length); k++) r.write(units[k]!);
      // Keep the disk queues short: this is throughput, not a test of dropping.
      if (recorders.some((r) => r.stats().queuedBytes > 16 * 1024 * 1024))
        await Promise.all(recorders.map((r) => r.flushed()));
    }
  }
  await Promise.all(recorders.map((r) => r.close()));
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const stats = recorders.map((r) => r.stats());
  const bytes = stats.reduce((n, s) => n + s.bytesWritten, 0);
  const files =
    catalog.usage().streams.size === 0 ? 0 : [...catalog.usage().streams.values()].reduce((n, s) => n + s.segments, 0);
  retention.close();
  await catalog.close();
  await rm(root, { recursive: true, force: true });
  const mediaS = seconds;
  return {
    run: name,
    streams: STREAMS,
    wallS,
    mediaS,
    mb: bytes / 1e6,
    mbPerS: bytes / 1e6 / wallS,
    cpuS,
    cpuPercent: (cpuS / wallS) * 100,
    cpuSPerStreamHour: cpuS / ((STREAMS * mediaS) / 3600),
    writeMsPerStream: stats.reduce((n, s) => n + s.writeMs, 0) / STREAMS,
    dropped: stats.reduce((n, s) => n + s.droppedUnits, 0),
    files,
  };
}

const clip = await makeClip({
  width: 1920,
  height: 1080,
  fps: 25,
  gop: 50,
  bitrateKbps: 4000,
  seconds: 10,
  profile: 'main',
});
const rows: Row[] = [];
rows.push(await run('fast', clip, MEDIA_SECONDS, false));
if (REALTIME_SECONDS > 0) rows.push(await run('realtime', clip, REALTIME_SECONDS, true));
await clip.remove();

const clipMbit = (clip.units.reduce((n, u) => n + u.byteLength, 0) * 8) / 1e6 / (clip.units.length / 25);
console.log(
  `bench:record — ${STREAMS} streams of ${clip.format.width}x${clip.format.height} ${clipMbit.toFixed(1)} Mbit/s ` +
    `(${clip.format.codecString}), fsync ${FSYNC}, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}`,
);
const header = [
  'run',
  'streams',
  'media s',
  'wall s',
  'MB',
  'MB/s',
  'CPU s',
  'CPU %',
  'CPU s/stream-h',
  'write ms/stream',
  'dropped',
  'files',
];
const table = rows.map((r) => [
  r.run,
  String(r.streams),
  r.mediaS.toFixed(0),
  r.wallS.toFixed(1),
  r.mb.toFixed(0),
  r.mbPerS.toFixed(1),
  r.cpuS.toFixed(2),
  r.cpuPercent.toFixed(1),
  r.cpuSPerStreamHour.toFixed(1),
  r.writeMsPerStream.toFixed(0),
  String(r.dropped),
  String(r.files),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string => '| ' + cells.map((c, i) => c.padStart(widths[i]!)).join(' | ') + ' |';
console.log(line(header));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const row of table) console.log(line(row));
