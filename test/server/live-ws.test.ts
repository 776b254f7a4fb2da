import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type WebSocket from 'ws';
import type {} from '@fastify/websocket';
import { readAccessUnitMessage, type ServerTextMessage } from '../../src-shared/live-wire.js';
import { emptyCounters } from '../../src-shared/stream-status.js';
import { clipUnit, makeClip, type ClipUnits } from './support/clip-units.js';
import { socketEvent } from './support/http-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';

const ID = 'cam-a/1-high';
let server: TestServer;
let clip: ClipUnits;
let feeder: NodeJS.Timeout | null = null;
let index = 0;

/** Publishes `perTick` units of the clip every `tickMs` into the hub, as a camera would. */
function startFeeding(tickMs: number, perTick: number): void {
  stopFeeding();
  feeder = setInterval(() => {
    for (let i = 0; i < perTick; i++) server.hub.publish(ID, clipUnit(clip, index++, Date.now()));
  }, tickMs);
}

function stopFeeding(): void {
  if (feeder) clearInterval(feeder);
  feeder = null;
}

before(async () => {
  clip = makeClip({ width: 1280, height: 720, fps: 25, gop: 25, seconds: 4, bitrateKbps: 6000 });
  server = await startTestServer({
    tls: true,
    port: { limits: { secsIdle: 30, secsOverqueueing: 60, bpsIn: 0, bpsOut: 0, sendQueueBytes: 1024 * 1024 } },
  });
  server.hub.setStatus(ID, {
    streamId: ID,
    state: 'live',
    sinceMs: Date.now(),
    error: null,
    transport: 'tcp',
    video: null,
    counters: emptyCounters(),
    quirks: [],
  });
  server.hub.setFormat(ID, clip.format);
});

after(async () => {
  stopFeeding();
  await server.close();
});

interface Received {
  texts: ServerTextMessage[];
  frames: Array<{ keyframe: boolean; ptsUs: number; atMs: number; bytes: number }>;
  order: string[];
}

function collect(ws: WebSocket): Received {
  const got: Received = { texts: [], frames: [], order: [] };
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) {
      const m = JSON.parse(data.toString()) as ServerTextMessage;
      got.texts.push(m);
      got.order.push(m.type);
      return;
    }
    const unit = readAccessUnitMessage(data);
    assert.ok(unit, 'every binary message is an access unit');
    got.frames.push({
      keyframe: unit.header.keyframe,
      ptsUs: unit.header.ptsUs,
      atMs: Date.now(),
      bytes: data.byteLength,
    });
    got.order.push(unit.header.keyframe ? 'K' : 'P');
  });
  return got;
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a live viewer gets the description, then a keyframe first, within 1 s', async () => {
  startFeeding(40, 1);
  await new Promise((r) => setTimeout(r, 300));
  const client = await server.admin();
  const startMs = Date.now();
  const ws = client.websocket(`/api/v1/live/${ID}`);
  const got = collect(ws);
  await until('the first frame', () => got.frames.length > 0, 1000);
  assert.ok(Date.now() - startMs < 1000);
  assert.equal(got.order[0], 'description');
  assert.equal(got.order[1], 'K', 'the first access unit is a keyframe');
  const description = got.texts[0];
  assert.ok(description?.type === 'description');
  assert.equal(description.width, 1280);
  assert.equal(description.codecString, clip.format.codecString);
  await until('a second of video', () => got.frames.length >= 25);
  for (let i = 1; i < got.frames.length; i++) assert.ok(got.frames[i]!.ptsUs > got.frames[i - 1]!.ptsUs, 'in order');
  ws.close();
  stopFeeding();
});

test('a viewer that stops reading is skipped to the next keyframe while the server holds a bounded queue', async () => {
  const client = await server.admin();
  const slow = client.websocket(`/api/v1/live/${ID}`);
  const fast = client.websocket(`/api/v1/live/${ID}`);
  const slowGot = collect(slow);
  const fastGot = collect(fast);
  await Promise.all([slow, fast].map((ws) => socketEvent(ws, 'open')));
  startFeeding(5, 4); // ~800 units/s of 720p: far more than a paused reader's buffers hold
  await until('the slow viewer starts', () => slowGot.frames.length > 0);
  slow.pause(); // stops reading its socket: the kernel buffers fill, then the server's queue
  let maxQueued = 0;
  const sampleEnd = Date.now() + 4000;
  while (Date.now() < sampleEnd) {
    const viewers = server.hub.stats();
    maxQueued = Math.max(maxQueued, ...[...server.server.app.websocketServer.clients].map((c) => c.bufferedAmount));
    assert.equal(viewers.viewers, 2);
    await new Promise((r) => setTimeout(r, 20));
  }
  const dropped = server.hub.stats().droppedUnits;
  assert.ok(dropped > 100, `units were skipped for the slow viewer (${dropped})`);
  const biggest = Math.max(...clip.pictures.map((p) => p.reduce((s, n) => s + n.byteLength, 0)));
  assert.ok(
    maxQueued <= 1024 * 1024 + biggest + 64 * 1024,
    `the server's queue for the slow viewer stayed bounded (${maxQueued} bytes)`,
  );
  stopFeeding();
  const beforeResume = slowGot.frames.length;
  slow.resume();
  startFeeding(40, 1);
  await until('a skipped notice', () => slowGot.texts.some((t) => t.type === 'skipped'), 10_000);
  await until('frames after the skip', () => {
    const at = slowGot.order.indexOf('skipped');
    return at >= 0 && slowGot.order.length > at + 1;
  });
  const at = slowGot.order.indexOf('skipped');
  assert.equal(slowGot.order[at + 1], 'K', 'after the skip comes a keyframe');
  assert.ok(slowGot.frames.length > beforeResume);
  assert.ok(fastGot.frames.length > slowGot.frames.length, 'the fast viewer got more');
  slow.close();
  fast.close();
  stopFeeding();
});

test('removing a stream ends its viewers with an `end` message', async () => {
  server.hub.addStream('cam-b/1-high');
  server.hub.setFormat('cam-b/1-high', clip.format);
  const client = await server.admin();
  const ws = client.websocket('/api/v1/live/cam-b/1-high');
  const got = collect(ws);
  let closeCode = 0;
  ws.once('close', (code) => (closeCode = code));
  const closed = socketEvent(ws, 'close');
  await until('the description', () => got.texts.length > 0);
  server.hub.removeStream('cam-b/1-high', 'camera removed from the config');
  await closed;
  assert.equal(closeCode, 1001);
  assert.deepEqual(got.texts.at(-1), { type: 'end', reason: 'camera removed from the config' });
});
