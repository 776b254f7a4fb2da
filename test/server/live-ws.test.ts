import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type {} from '@fastify/websocket';
import { readAccessUnitMessage, type ServerTextMessage } from '../../src-shared/live-wire.js';
import { emptyCounters } from '../../src-shared/stream-status.js';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { clipUnit, makeClip, type ClipUnits } from './support/clip-units.js';
import { socketEvent } from './support/http-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { WsFramePool } from '../../src-main/streams/ws-frame-pool.js';

const ID = 'cam-a/1-high';
let server: TestServer;
let clip: ClipUnits;
let feeder: NodeJS.Timeout | null = null;
let index = 0;
/** Frames go out in pooled buffers that are poisoned when given back: one reused under a pending write shows. */
const framePool = new WsFramePool({ poison: true });
/** The SHA-1 of each published unit's wire frame (built on its own), by its presentation time. */
const expected = new Map<number, string>();

function sha1(bytes: Uint8Array): string {
  return createHash('sha1').update(bytes).digest('hex');
}

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
    framePool,
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
  server.hub.subscribe(ID, {
    onUnit: (unit) => {
      expected.set(unit.au.pts90k, sha1(unit.wireFrame()));
      if (expected.size > 20_000) expected.delete(expected.keys().next().value!);
    },
  });
});

after(async () => {
  stopFeeding();
  await server.close();
});

interface Received {
  texts: ServerTextMessage[];
  frames: Array<{ keyframe: boolean; ptsUs: number; atMs: number; bytes: number }>;
  order: string[];
  /** Binary messages that differ from the unit's wire frame. */
  corrupt: number;
}

function collect(ws: WebSocket): Received {
  const got: Received = { texts: [], frames: [], order: [], corrupt: 0 };
  ws.on('message', (data: Buffer, isBinary) => {
    if (!isBinary) {
      const m = JSON.parse(data.toString()) as ServerTextMessage;
      got.texts.push(m);
      got.order.push(m.type);
      return;
    }
    const unit = readAccessUnitMessage(data);
    assert.ok(unit, 'every binary message is an access unit');
    if (expected.get(Math.round((unit.header.ptsUs * 90) / 1000)) !== sha1(data)) got.corrupt++;
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
  assert.equal(got.corrupt, 0, 'every frame is the unit byte for byte');
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
  assert.equal(slowGot.corrupt + fastGot.corrupt, 0, 'every frame, queued or not, is the unit byte for byte');
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

test('every unit reaches each viewer byte for byte, in order with the text messages, in buffers reused and all given back', async () => {
  stopFeeding();
  server.hub.setFormat(ID, clip.format); // empties the GOP cache: the viewers get only what is published below
  const client = await server.admin();
  const viewers = [client.websocket(`/api/v1/live/${ID}`), client.websocket(`/api/v1/live/${ID}`)];
  const got = viewers.map(collect);
  await until('both descriptions', () => got.every((g) => g.texts.length > 0));
  const reusedBefore = framePool.stats.reused;
  const droppedBefore = server.hub.stats().droppedUnits;
  const first = index + (25 - (index % 25)); // the next keyframe of the 25-frame GOP
  index = first;
  const live = server.hub.status(ID)!;
  let published = 0;
  // A few at a time, each batch read before the next, so that no viewer goes over its queue bound and is skipped.
  const publish = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      server.hub.publish(ID, clipUnit(clip, index++, Date.now()));
      published++;
      if (published % 5 === 0) await until('the batch', () => got.every((g) => g.frames.length >= published));
    }
  };

  await publish(50);
  server.hub.setStatus(ID, { ...live, state: 'reconnecting' });
  server.hub.setStatus(ID, { ...live, state: 'live' });
  // A 7-bit and a 64-bit WebSocket length beside the clip's 16-bit ones.
  const slice = (bytes: Uint8Array): AccessUnit => {
    const pts90k = Math.round((index++ * 90000) / 25);
    return {
      pts90k,
      dts90k: pts90k,
      keyframe: false,
      nalus: [bytes],
      byteLength: bytes.byteLength,
      wallMs: Date.now(),
      discontinuity: false,
    };
  };
  const tiny = new Uint8Array([0x01, 0x9a, 0x02, 0x03]);
  const big = new Uint8Array(randomBytes(100_000));
  big[0] = 0x01;
  server.hub.publish(ID, slice(tiny));
  server.hub.publish(ID, slice(big));
  published += 2;
  await publish(48);
  await until('100 units at each viewer', () => got.every((g) => g.frames.length >= 100));
  assert.equal(server.hub.stats().droppedUnits, droppedBefore, 'none skipped');
  for (const g of got) {
    assert.equal(g.corrupt, 0, 'every frame is the unit byte for byte');
    const frames = g.order.filter((o) => o === 'K' || o === 'P');
    assert.equal(frames.length, 100);
    const at = g.order.indexOf('state');
    assert.equal(
      g.order.slice(0, at).filter((o) => o === 'K' || o === 'P').length,
      50,
      'the state changes come after unit 50',
    );
    assert.deepEqual(g.order.slice(at, at + 2), ['state', 'state']);
    assert.deepEqual(
      g.frames.map((f) => f.ptsUs),
      [...g.frames.map((f) => f.ptsUs)].sort((x, y) => x - y),
      'in order',
    );
    const sizes = g.frames.map((f) => f.bytes);
    assert.ok(sizes.some((b) => b < 126) && sizes.some((b) => b >= 126 && b < 65536) && sizes.some((b) => b >= 65536));
  }
  for (const ws of viewers) ws.close();
  await Promise.all(viewers.map((ws) => socketEvent(ws, 'close')));
  await until('every buffer given back', () => framePool.snapshot().inUse === 0);
  assert.ok(
    framePool.stats.reused - reusedBefore >= 90,
    `buffers were reused (${framePool.stats.reused - reusedBefore})`,
  );
  assert.equal(framePool.stats.misuse, 0);
});
