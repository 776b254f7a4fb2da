/**
 * `npm run bench:camera-farm -- --cameras 16,64 --seconds 20 [--transport tcp|udp|both] [--json]`
 *
 * What the camera farm costs: `thinstream camera --cameras N` in a child process serving a 1080p
 * 4 Mbit/s GOP-2s clip, every camera played by a minimal drain client in this process. The farm's CPU
 * (utime + stime from /proc) and RSS are measured over the window after a 2 s warm-up. Prints a table.
 */
import { parseArgs } from 'node:util';
import { FARM_CLIP, drainCameras, startCameraFarm } from '../test/support/camera-farm.js';
import { cpus } from 'node:os';

interface Row {
  cameras: number;
  transport: 'tcp' | 'udp';
  seconds: number;
  mbitPerS: number;
  farmCpuPercent: number;
  cpuMsPerCameraSecond: number;
  rssMb: number;
  framesExpected: number;
  framesReceived: number;
}

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '16,64' },
    seconds: { type: 'string', default: '20' },
    transport: { type: 'string', default: 'tcp' },
    json: { type: 'boolean', default: false },
  },
});
const cameraCounts = values.cameras.split(',').map(Number);
const seconds = Number(values.seconds);
const transports: Array<'tcp' | 'udp'> =
  values.transport === 'both' ? ['tcp', 'udp'] : [values.transport as 'tcp' | 'udp'];
const WARM_UP_MS = 2000;

async function measure(cameras: number, transport: 'tcp' | 'udp'): Promise<Row> {
  const farm = await startCameraFarm({ cameras });
  try {
    const drain = await drainCameras(farm.urls, transport);
    await sleep(WARM_UP_MS);
    const before = await farm.usage();
    const framesBefore = drain.stats.reduce((n, s) => n + s.frames, 0);
    const bytesBefore = drain.stats.reduce((n, s) => n + s.bytes, 0);
    const start = performance.now();
    let peakRss = before.rssBytes;
    const sampler = setInterval(() => {
      void farm.usage().then((u) => (peakRss = Math.max(peakRss, u.rssBytes)));
    }, 1000);
    await sleep(seconds * 1000);
    clearInterval(sampler);
    const after = await farm.usage();
    const elapsedS = (performance.now() - start) / 1000;
    const frames = drain.stats.reduce((n, s) => n + s.frames, 0) - framesBefore;
    const bytes = drain.stats.reduce((n, s) => n + s.bytes, 0) - bytesBefore;
    await drain.close();
    const cpu = after.cpuSeconds - before.cpuSeconds;
    return {
      cameras,
      transport,
      seconds: Number(elapsedS.toFixed(1)),
      mbitPerS: Number(((bytes * 8) / elapsedS / 1e6).toFixed(1)),
      farmCpuPercent: Number(((cpu / elapsedS) * 100).toFixed(1)),
      cpuMsPerCameraSecond: Number(((cpu * 1000) / (cameras * elapsedS)).toFixed(2)),
      rssMb: Number((Math.max(peakRss, after.rssBytes) / 2 ** 20).toFixed(0)),
      framesExpected: Math.round(cameras * elapsedS * FARM_CLIP.fps),
      framesReceived: frames,
    };
  } finally {
    await farm.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const rows: Row[] = [];
for (const transport of transports) for (const n of cameraCounts) rows.push(await measure(n, transport));

if (values.json) {
  process.stdout.write(JSON.stringify({ machine: machine(), clip: FARM_CLIP, rows }, null, 2) + '\n');
} else {
  const header = [
    'cameras',
    'transport',
    'seconds',
    'Mbit/s',
    'farm CPU %',
    'CPU ms/cam·s',
    'RSS MB',
    'frames exp.',
    'frames recv.',
  ];
  const lines = rows.map((r) =>
    [
      r.cameras,
      r.transport,
      r.seconds,
      r.mbitPerS,
      r.farmCpuPercent,
      r.cpuMsPerCameraSecond,
      r.rssMb,
      r.framesExpected,
      r.framesReceived,
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  process.stdout.write(
    `camera farm: ${FARM_CLIP.width}x${FARM_CLIP.height} ${FARM_CLIP.fps} fps GOP ${FARM_CLIP.gopFrames} ${FARM_CLIP.bitrateKbps} kbit/s clip; ${machine()}\n`,
  );
  process.stdout.write(fmt(header) + '\n' + lines.map(fmt).join('\n') + '\n');
  process.stdout.write('farm CPU % is of one core; frames counted by the RTP marker bit at the drain client.\n');
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
}
