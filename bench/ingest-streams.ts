/**
 * `npm run bench:ingest-streams -- --cameras 4,16 --seconds 20 [--transport tcp|udp|both] [--json]`
 *
 * The whole ingest per camera, as the server runs it: one StreamSupervisor per camera (RTSP dialogue,
 * keepalives and receiver reports, UDP on one shared port pair or TCP interleaved, RtpReceiver and the
 * H.264 depacketizer, counters) against the camera farm (`thinstream camera --cameras N`, 1080p
 * 4 Mbit/s GOP 2 s, in a child process). Measured over the window after a warm-up: this process's CPU
 * (process.cpuUsage, so the farm's own cost is not in it), frames and losses from the supervisors'
 * status, RSS. Prints a table.
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { UdpRtpPortPair } from '../src-main/rtsp/udp-rtp-port-pair.js';
import { StreamSupervisor } from '../src-main/streams/stream-supervisor.js';
import { FARM_CLIP, startCameraFarm } from '../test/support/camera-farm.js';

interface Row {
  cameras: number;
  transport: 'tcp' | 'udp';
  seconds: number;
  cpuPercent: number;
  cpuMsPerCameraSecond: number;
  rssMb: number;
  framesExpected: number;
  framesReceived: number;
  lostPackets: number;
  allLive: boolean;
}

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '4,16' },
    seconds: { type: 'string', default: '20' },
    transport: { type: 'string', default: 'both' },
    json: { type: 'boolean', default: false },
  },
});
const cameraCounts = values.cameras.split(',').map(Number);
const seconds = Number(values.seconds);
const transports: Array<'tcp' | 'udp'> =
  values.transport === 'both' ? ['tcp', 'udp'] : [values.transport as 'tcp' | 'udp'];
const WARM_UP_MS = 3000;

async function measure(cameras: number, transport: 'tcp' | 'udp'): Promise<Row> {
  const farm = await startCameraFarm({ cameras });
  const pair = await UdpRtpPortPair.open({ host: '127.0.0.1', rtpPort: 0, rtcpPort: 0 });
  const supervisors = farm.urls.map(
    (url, i) =>
      new StreamSupervisor({
        streamId: `cam${i + 1}/main`,
        url,
        transport,
        udpPorts: pair,
        assumeConnDroppedAfterMs: 10_000,
        connectTimeoutMs: 5000,
        reorderQueueSize: 16,
      }),
  );
  try {
    for (const s of supervisors) s.start();
    await sleep(WARM_UP_MS);
    const total = (key: 'frames' | 'lostPackets') => supervisors.reduce((n, s) => n + s.status().counters[key], 0);
    const framesBefore = total('frames');
    const lostBefore = total('lostPackets');
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1000);
    await sleep(seconds * 1000);
    clearInterval(sampler);
    const cpu = process.cpuUsage(cpuBefore);
    const elapsedS = (performance.now() - start) / 1000;
    const cpuS = (cpu.user + cpu.system) / 1e6;
    return {
      cameras,
      transport,
      seconds: Number(elapsedS.toFixed(1)),
      cpuPercent: Number(((cpuS / elapsedS) * 100).toFixed(1)),
      cpuMsPerCameraSecond: Number(((cpuS * 1000) / (cameras * elapsedS)).toFixed(2)),
      rssMb: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20),
      framesExpected: Math.round(cameras * elapsedS * FARM_CLIP.fps),
      framesReceived: total('frames') - framesBefore,
      lostPackets: total('lostPackets') - lostBefore,
      allLive: supervisors.every((s) => s.status().state === 'live'),
    };
  } finally {
    await Promise.all(supervisors.map((s) => s.close()));
    await pair.close();
    await farm.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
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
    'CPU %',
    'CPU ms/cam·s',
    'RSS MB',
    'frames exp.',
    'frames recv.',
    'lost',
    'all live',
  ];
  const lines = rows.map((r) =>
    [
      r.cameras,
      r.transport,
      r.seconds,
      r.cpuPercent,
      r.cpuMsPerCameraSecond,
      r.rssMb,
      r.framesExpected,
      r.framesReceived,
      r.lostPackets,
      r.allLive ? 'yes' : 'no',
    ].map(String),
  );
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  process.stdout.write(
    `ingest, one StreamSupervisor per camera: ${FARM_CLIP.width}x${FARM_CLIP.height} ${FARM_CLIP.fps} fps GOP ${FARM_CLIP.gopFrames} ${FARM_CLIP.bitrateKbps} kbit/s; ${machine()}\n`,
  );
  process.stdout.write(fmt(header) + '\n' + lines.map(fmt).join('\n') + '\n');
  process.stdout.write('CPU % is of one core, this process only (the camera farm runs in another).\n');
}
