/**
 * The viewer side of bench:fanout, in its own process so the server's CPU is measured alone: opens N live
 * WebSockets, and for each access unit received records the delay since the hub took it in (the header's
 * wallMs, which the bench sets to the hub's intake time). Prints one JSON line with the delays when told to stop.
 *
 *   node out/bench/fanout-viewers.js <wss-url> <cookie> <ca-file> <viewers>
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { readAccessUnitMessage } from '../src-shared/live-wire.js';

const [url, cookie, caFile, countText] = process.argv.slice(2);
if (!url || !cookie || !caFile || !countText) {
  process.stderr.write('usage: fanout-viewers <wss-url> <cookie> <ca-file> <viewers>\n');
  process.exit(2);
}
const ca = readFileSync(caFile);
const count = Number(countText);
const delaysMs: number[] = [];
let units = 0;
let bytes = 0;
let recording = false;
const sockets: WebSocket[] = [];
let open = 0;

for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url, { ca, headers: { cookie }, perMessageDeflate: false });
  ws.on('open', () => {
    if (++open === count) process.stdout.write('OPEN\n');
  });
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) return;
    const unit = readAccessUnitMessage(data);
    if (unit === null) return;
    if (!recording) return;
    units++;
    bytes += data.byteLength;
    delaysMs.push(performance.timeOrigin + performance.now() - unit.header.wallMs);
  });
  ws.on('error', (err) => process.stderr.write(`viewer ${i}: ${err.message}\n`));
  sockets.push(ws);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (line: string) => {
  if (line.includes('START')) recording = true;
  if (line.includes('STOP')) {
    recording = false;
    process.stdout.write(JSON.stringify({ units, bytes, delaysMs }) + '\n');
    for (const ws of sockets) ws.close();
    setTimeout(() => process.exit(0), 200);
  }
});
