/**
 * The camera farm of bench:scale, as its own process: our RTSP server (the one `thinstream camera --cameras N`
 * runs) with /cam1 … /camN serving one clip, plus a line protocol on stdin/stdout so the benchmark can read
 * the server's counters (frames and bytes sent) and stop it at a chosen moment:
 *
 *   node out/bench/scale-farm-process.js <clip.h264> <cameras>
 *   → READY <port>, then one `URL rtsp://…` line per camera
 *   ← `stats`  → STATS {"framesSent":…,"framesDropped":…,"bytesSent":…,"playing":…,…}
 *   ← `close`  → the server stops sending and closes every connection, then CLOSED {…final counters…}, exit 0
 *
 * Stopping the farm (not the client) ends the measurement, so "frames sent" is final and exact: a client
 * that read everything sent before the close has every frame, and only then is told to stop.
 */
import { createInterface } from 'node:readline';
import { startRtspServer } from '../src-main/rtsp/server/index.js';

const [clipPath, camerasText] = process.argv.slice(2);
const cameras = Number(camerasText);
if (!clipPath || !(Number.isInteger(cameras) && cameras > 0)) {
  process.stderr.write('usage: scale-farm-process <clip.h264> <cameras>\n');
  process.exit(2);
}

const paths = Array.from({ length: cameras }, (_, i) => `/cam${i + 1}`);
const server = await startRtspServer({
  port: 0,
  mounts: paths.map((path) => ({ path, source: clipPath })),
  sessionTimeoutMs: 60_000,
});
process.stdout.write(`READY ${server.port}\n`);
for (const path of paths) process.stdout.write(`URL ${server.url(path)}\n`);

let closing = false;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = line.trim();
  if (command === 'stats') {
    process.stdout.write(`STATS ${JSON.stringify(server.stats())}\n`);
  } else if (command === 'close' && !closing) {
    closing = true;
    void server.close().then(() => {
      process.stdout.write(`CLOSED ${JSON.stringify(server.stats())}\n`);
      lines.close();
      process.exitCode = 0;
    });
  }
});
// The benchmark going away (stdin closed) stops the farm too.
lines.on('close', () => {
  if (!closing) void server.close();
});
