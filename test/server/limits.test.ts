/** The original's limits on real sockets: connections per port and overall, idle time, bandwidth out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { ApiErrorBody } from '../../src-shared/api.js';
import { readAccessUnitMessage } from '../../src-shared/live-wire.js';
import { emptyCounters } from '../../src-shared/stream-status.js';
import { clipUnit, makeClip } from './support/clip-units.js';
import { socketEvent } from './support/http-client.js';
import { startTestServer } from './support/test-server.js';

function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends one GET on a raw socket and returns the status line's code. */
function rawGet(socket: Socket, path: string): Promise<number> {
  return new Promise((resolve) => {
    socket.once('data', (d: Buffer) => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(d.toString())?.[1] ?? 0)));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
  });
}

test('connections over the port limit and over the overall limit are answered 503 and closed', async () => {
  const server = await startTestServer({ tls: false, port: { maxConnections: 2 }, maxConnectionsOverall: 0 });
  try {
    const a = await rawConnection(server.server.port);
    const b = await rawConnection(server.server.port);
    assert.equal(await rawGet(a, '/api/v1/setup'), 200);
    assert.equal(await rawGet(b, '/api/v1/setup'), 200);
    const c = await rawConnection(server.server.port);
    const closed = new Promise((r) => c.once('close', r));
    assert.equal(await rawGet(c, '/api/v1/setup'), 503);
    await closed;
    const r = await server.client().fetch('GET', '/api/v1/setup');
    assert.equal(r.status, 503, 'still full while two connections are open');
    assert.equal((r.json() as ApiErrorBody).error.code, 'TOO_MANY_CONNECTIONS');
    a.destroy();
    b.destroy();
    // The server sees the closes a moment later: room again within a bounded wait.
    let status = 0;
    for (let i = 0; i < 60 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await server.client().fetch('GET', '/api/v1/setup')).status;
    }
    assert.equal(status, 200, 'room again');
  } finally {
    await server.close();
  }
  const overall = await startTestServer({ tls: false, maxConnectionsOverall: 1 });
  try {
    const a = await rawConnection(overall.server.port);
    assert.equal(await rawGet(a, '/api/v1/setup'), 200);
    assert.equal((await overall.client().fetch('GET', '/api/v1/setup')).status, 503);
    a.destroy();
  } finally {
    await overall.close();
  }
});

test('an idle connection is closed after secsIdle', async () => {
  const server = await startTestServer({
    tls: false,
    port: { limits: { secsIdle: 1, secsOverqueueing: 15, bpsIn: 0, bpsOut: 0, sendQueueBytes: 1 << 20 } },
  });
  try {
    const idle = await rawConnection(server.server.port);
    const t0 = Date.now();
    await new Promise((r) => idle.once('close', r));
    const ms = Date.now() - t0;
    assert.ok(ms >= 900 && ms < 4000, `closed after ${ms} ms`);
  } finally {
    await server.close();
  }
});

test('a viewer over its bandwidth cap is skipped to keyframes: it receives no more than the cap', async () => {
  const clip = makeClip({ width: 640, height: 360, gop: 25, seconds: 4, bitrateKbps: 2000 });
  const capBps = 400_000; // a fifth of the stream's rate
  const server = await startTestServer({
    tls: false,
    port: { limits: { secsIdle: 30, secsOverqueueing: 15, bpsIn: 0, bpsOut: capBps, sendQueueBytes: 4 << 20 } },
  });
  try {
    const id = 'cam-a/1-high';
    server.hub.setStatus(id, { ...server.hub.status(id)!, state: 'live', counters: emptyCounters() });
    server.hub.setFormat(id, clip.format);
    const admin = await server.admin();
    const ws = admin.websocket(`/api/v1/live/${id}`);
    let bytes = 0;
    let keyframesFirst = true;
    let lastWasSkip = false;
    ws.on('message', (d: Buffer, binary) => {
      if (!binary) {
        lastWasSkip = d.toString().includes('"skipped"');
        return;
      }
      const unit = readAccessUnitMessage(d)!;
      if (lastWasSkip && !unit.header.keyframe) keyframesFirst = false;
      lastWasSkip = false;
      bytes += d.byteLength;
    });
    await socketEvent(ws, 'open');
    let i = 0;
    const feeder = setInterval(() => server.hub.publish(id, clipUnit(clip, i++, Date.now())), 40);
    await new Promise((r) => setTimeout(r, 4000));
    clearInterval(feeder);
    ws.close();
    const receivedBps = (bytes * 8) / 4;
    assert.ok(receivedBps < capBps * 1.6, `received ${Math.round(receivedBps)} bit/s under a ${capBps} bit/s cap`);
    assert.ok(bytes > 0, 'the viewer still gets video');
    assert.ok(keyframesFirst, 'after each skip comes a keyframe');
  } finally {
    await server.close();
  }
});
