/**
 * `npm run bench:fanout`: one 1080p 4 Mbit/s stream (x264 clip, GOP 2 s, fed into the hub at 25 fps as a
 * camera would) to 1, 10 and 50 live WebSocket viewers over TLS on loopback. The viewers run in a child
 * process; this process is the server. Prints, per viewer count: the server's CPU, its RSS, and the delay
 * from the hub taking an access unit in to a viewer having received it (median, p99).
 *
 *   npm run bench:fanout [-- --seconds 10 --viewers 1,10,50]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { emptyCounters } from '../src-shared/stream-status.js';
import { clipUnit, makeClip } from '../test/server/support/clip-units.js';
import { startTestServer } from '../test/server/support/test-server.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const seconds = Number(arg('seconds', '10'));
const viewerCounts = arg('viewers', '1,10,50').split(',').map(Number);
const ID = 'bench/1-high';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Row {
  viewers: number;
  unitsOut: number;
  mbitOut: number;
  cpuPercent: number;
  rssMb: number;
  medianMs: number;
  p99Ms: number;
  skipped: number;
}

async function main(): Promise<void> {
  process.stderr.write('bench:fanout: making the 1080p clip…\n');
  const clip = makeClip({ width: 1920, height: 1080, fps: 25, gop: 50, seconds: 8, bitrateKbps: 4000 });
  const clipBytes = clip.pictures.reduce((s, p) => s + p.reduce((t, n) => t + n.byteLength, 0), 0);
  const clipKbps = Math.round((clipBytes * 8) / clip.options.seconds / 1000);
  const server = await startTestServer({
    tls: true,
    streams: [ID],
    port: { limits: { secsIdle: 60, secsOverqueueing: 30, bpsIn: 0, bpsOut: 0, sendQueueBytes: 4 * 1024 * 1024 } },
  });
  const caFile = join(server.dir, 'ca.pem');
  writeFileSync(caFile, server.cert!.cert);
  const client = await server.admin();
  server.hub.setStatus(ID, { ...server.hub.status(ID)!, state: 'live', counters: emptyCounters() });
  server.hub.setFormat(ID, clip.format);
  let index = 0;
  const feeder = setInterval(() => {
    server.hub.publish(ID, clipUnit(clip, index++, performance.timeOrigin + performance.now()));
  }, 1000 / clip.options.fps);
  const viewersScript = fileURLToPath(new URL('./fanout-viewers.js', import.meta.url));
  const rows: Row[] = [];
  try {
    for (const viewers of viewerCounts) {
      const child = spawn(
        process.execPath,
        [
          viewersScript,
          `${server.url.replace('https', 'wss')}/api/v1/live/${ID}`,
          client.cookie!,
          caFile,
          String(viewers),
        ],
        {
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const lines = createInterface({ input: child.stdout! });
      const nextLine = (): Promise<string> => new Promise((resolve) => lines.once('line', resolve));
      if ((await nextLine()) !== 'OPEN') throw new Error('viewers did not open');
      await new Promise((r) => setTimeout(r, 2000)); // warm up
      const droppedBefore = server.hub.stats().droppedUnits;
      child.stdin!.write('START\n');
      const cpuBefore = process.cpuUsage();
      const t0 = performance.now();
      let rssMax = 0;
      const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 100);
      await new Promise((r) => setTimeout(r, seconds * 1000));
      clearInterval(sampler);
      const cpu = process.cpuUsage(cpuBefore);
      const wallS = (performance.now() - t0) / 1000;
      const resultLine = nextLine();
      child.stdin!.write('STOP\n');
      const result = JSON.parse(await resultLine) as { units: number; bytes: number; delaysMs: number[] };
      await new Promise((r) => child.once('exit', r));
      const sorted = result.delaysMs.sort((a, b) => a - b);
      rows.push({
        viewers,
        unitsOut: Math.round(result.units / wallS),
        mbitOut: (result.bytes * 8) / wallS / 1e6,
        cpuPercent: ((cpu.user + cpu.system) / 1e6 / wallS) * 100,
        rssMb: rssMax / 1024 / 1024,
        medianMs: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        skipped: server.hub.stats().droppedUnits - droppedBefore,
      });
      process.stderr.write(`bench:fanout: ${viewers} viewers done\n`);
    }
  } finally {
    clearInterval(feeder);
    await server.close();
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `bench:fanout — 1 stream ${clip.options.width}x${clip.options.height} ${clip.options.fps} fps, ${clipKbps} kbit/s, GOP ${clip.options.gop}; WebSocket over TLS on loopback; ${seconds} s per row`,
  );
  console.log(`machine: ${cpus().length} × ${cpu}, Node ${process.version}`);
  console.log('');
  console.log(
    '| viewers | units out/s | Mbit/s out | server CPU % (of one core) | server RSS MB | delay median ms | delay p99 ms | units skipped |',
  );
  console.log(
    '|--------:|------------:|-----------:|---------------------------:|--------------:|----------------:|-------------:|--------------:|',
  );
  for (const r of rows) {
    console.log(
      `| ${r.viewers} | ${r.unitsOut} | ${r.mbitOut.toFixed(1)} | ${r.cpuPercent.toFixed(1)} | ${r.rssMb.toFixed(0)} | ${r.medianMs.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.skipped} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
