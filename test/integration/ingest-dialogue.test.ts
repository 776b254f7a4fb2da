/**
 * The RTSP dialogue on real sockets: keepalives before the session timeout (GET_PARAMETER, or OPTIONS
 * where GET_PARAMETER is not offered), RTCP receiver reports on both transports, redirects (and a loop
 * of them), Digest with qop=auth, and rtsps:// over TLS.
 */
import { after, before, describe, test } from 'node:test';
import { createServer, type Socket } from 'node:net';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { probe } from '../../src-main/cli/probe-command.js';
import { RtpReceiver } from '../../src-main/rtp/rtp-receiver.js';
import { openRtspSession } from '../../src-main/rtsp/rtsp-session.js';
import { startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { StreamSupervisor } from '../../src-main/streams/stream-supervisor.js';
import { makeClip } from '../support/clips.js';
import { startGstCamera, type GstCamera } from '../support/gst-camera.js';
import { startFaultRelay, type FaultPlan } from '../support/rtsp-fault-relay.js';
import { startTlsRelay } from '../support/tls-relay.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** At least `count` requests of `method` after PLAY, each with the session PLAY had. */
function assertKeepalives(requests: Array<{ method: string; session?: string }>, method: string, count = 3): void {
  const play = requests.findIndex((r) => r.method === 'PLAY');
  assert.ok(play >= 0, 'PLAY was sent');
  const keepalives = requests.slice(play + 1).filter((r) => r.method === method);
  assert.ok(keepalives.length >= count, `${keepalives.length} ${method} after PLAY`);
  for (const k of keepalives) assert.equal(k.session, requests[play]!.session, `${method} carries the session`);
}

describe('keepalives and receiver reports against the project camera', () => {
  let camera: RtspServer;
  before(async () => {
    const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, seconds: 2 });
    camera = await startRtspServer({
      // timeout=2 s: without keepalives every session would be ended within the test.
      sessionTimeoutMs: 2000,
      mounts: [
        { path: '/plain', source: clip.path },
        { path: '/no-get-parameter', source: clip.path, quirks: ['no-get-parameter'] },
        { path: '/digest', source: clip.path, auth: { scheme: 'digest', user: 'admin', password: 'pa:ss w"rd' } },
      ],
    });
  });
  after(() => camera.close());

  for (const [path, method] of [
    ['/plain', 'GET_PARAMETER'],
    ['/no-get-parameter', 'OPTIONS'],
  ] as const) {
    test(`${path}: ${method} keeps a 2 s session alive for 5 s with one session, no reconnect`, async () => {
      const relay = await startFaultRelay({ host: '127.0.0.1', port: camera.port });
      const timedOutBefore = camera.stats().sessionsTimedOut;
      const supervisor = new StreamSupervisor({
        streamId: 'keepalive/1',
        url: relay.url(path),
        transport: 'tcp',
        assumeConnDroppedAfterMs: 1500,
        connectTimeoutMs: 3000,
        reorderQueueSize: 0,
      });
      supervisor.start();
      try {
        await sleep(5000);
        const status = supervisor.status();
        assert.equal(status.state, 'live');
        assert.equal(status.counters.reconnects, 0);
        assert.equal(camera.stats().sessionsTimedOut, timedOutBefore);
        assertKeepalives(relay.stats.requests, method);
        if (method === 'OPTIONS') assert.ok(status.quirks.includes('no-get-parameter'));
      } finally {
        await supervisor.close();
        await relay.close();
      }
    });
  }

  test('a camera without GET_PARAMETER gets OPTIONS keepalives carrying the session, every second for timeout=2', async () => {
    const relay = await startFaultRelay({ host: '127.0.0.1', port: camera.port });
    const session = await openRtspSession({
      url: relay.url('/no-get-parameter'),
      label: 'keepalive/2',
      transport: 'tcp',
      connectTimeoutMs: 3000,
      createSink: (track) =>
        new RtpReceiver({
          streamLabel: 'keepalive/2',
          clockRate: track.clockRate,
          payloadType: track.payloadType,
          reorderQueueSize: 0,
          onAccessUnit: () => undefined,
          onFormat: () => undefined,
        }),
      onQuirk: () => undefined,
      onEnded: () => undefined,
    });
    try {
      await sleep(1800);
      assert.equal(session.sessionTimeoutSec, 2);
      assertKeepalives(relay.stats.requests, 'OPTIONS', 1);
    } finally {
      await session.close();
      await relay.close();
    }
  });

  for (const transport of ['tcp', 'udp'] as const) {
    test(`${transport}: RTCP receiver reports reach the camera`, async () => {
      const relay = await startFaultRelay({ host: '127.0.0.1', port: camera.port });
      const session = await openRtspSession({
        url: relay.url('/plain'),
        label: 'rr/1',
        transport,
        connectTimeoutMs: 3000,
        receiverReportIntervalMs: 300,
        createSink: (track, t) =>
          new RtpReceiver({
            streamLabel: 'rr/1',
            clockRate: track.clockRate,
            payloadType: track.payloadType,
            reorderQueueSize: t === 'tcp' ? 0 : 16,
            onAccessUnit: () => undefined,
            onFormat: () => undefined,
          }),
        onQuirk: () => undefined,
        onEnded: () => undefined,
      });
      try {
        await sleep(1500);
        assert.equal(session.transport, transport);
        assert.ok(relay.stats.receiverReports >= 3, `${relay.stats.receiverReports} receiver reports`);
      } finally {
        await session.close();
        await relay.close();
      }
    });
  }

  test('Digest with qop=auth (nc and cnonce checked by the camera), a password with a colon and a quote', async () => {
    for (const transport of ['tcp', 'udp'] as const) {
      const r = await probe({
        url: camera.url('/digest'),
        user: 'admin',
        password: 'pa:ss w"rd',
        transport,
        seconds: 1,
        json: true,
        timeoutMs: 3000,
      });
      assert.equal(r.width, 320);
      assert.equal(r.transport, transport);
    }
    await assert.rejects(
      probe({
        url: camera.url('/digest'),
        user: 'admin',
        password: 'nope',
        transport: 'tcp',
        seconds: 1,
        json: true,
        timeoutMs: 3000,
      }),
      (e) => e instanceof ThinStreamError && e.code === 'RTSP_AUTH_REFUSED',
    );
  });
});

test('a camera that accepts the connection and never answers times out the request, naming it', async () => {
  const held: Socket[] = [];
  const mute = createServer((socket) => {
    held.push(socket);
    socket.resume();
  });
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  const address = mute.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  try {
    const started = Date.now();
    await assert.rejects(
      probe({ url: `rtsp://127.0.0.1:${port}/s`, transport: 'tcp', seconds: 1, json: true, timeoutMs: 500 }),
      (e) =>
        e instanceof ThinStreamError &&
        e.code === 'RTSP_TIMEOUT' &&
        /OPTIONS .*no answer within 500 ms/.test(e.message),
    );
    assert.ok(Date.now() - started < 2000);
  } finally {
    for (const s of held) s.destroy();
    await new Promise<void>((r) => mute.close(() => r()));
  }
});

describe('redirects and TLS in front of a GStreamer camera', () => {
  let gst: GstCamera;
  before(async () => {
    gst = await startGstCamera({ width: 320, height: 240, auth: 'digest' });
  });
  after(() => gst.stop());

  test('a 302 with Location is followed, credentials kept; a redirect loop fails with RTSP_REDIRECT_LOOP', async () => {
    const relay = await startFaultRelay({ host: '127.0.0.1', port: gst.port }, { redirectTo: gst.url });
    // Two relays sending the client to each other.
    const planA: FaultPlan = {};
    const planB: FaultPlan = {};
    const a = await startFaultRelay({ host: '127.0.0.1', port: gst.port }, planA);
    const b = await startFaultRelay({ host: '127.0.0.1', port: gst.port }, planB);
    planA.redirectTo = b.url('/loop');
    planB.redirectTo = a.url('/loop');
    try {
      const r = await probe({
        url: relay.url('/old-path', { user: 'admin', password: 'secret' }),
        transport: 'auto',
        seconds: 1,
        json: true,
        timeoutMs: 3000,
      });
      assert.equal(r.width, 320);
      assert.deepEqual(relay.stats.methods, ['OPTIONS'], 'the first answer redirected; the rest went to the camera');
      await assert.rejects(
        probe({ url: a.url('/loop'), transport: 'tcp', seconds: 1, json: true, timeoutMs: 3000 }),
        (e) => e instanceof ThinStreamError && e.code === 'RTSP_REDIRECT_LOOP' && /loop/.test(e.message),
      );
      assert.ok(a.stats.connections + b.stats.connections <= 6, 'bounded');
    } finally {
      await relay.close();
      await a.close();
      await b.close();
    }
  });

  test('rtsps:// over TLS plays over TCP and UDP; TLS to a plain RTSP port fails with TLS_FAILED', async () => {
    const tls = await startTlsRelay({ host: '127.0.0.1', port: gst.port });
    try {
      for (const transport of ['tcp', 'udp'] as const) {
        const r = await probe({
          url: `rtsps://admin:secret@127.0.0.1:${tls.port}/stream`,
          transport,
          seconds: 1,
          json: true,
          timeoutMs: 3000,
        });
        assert.equal(r.width, 320);
        assert.equal(r.transport, transport);
        assert.ok(r.frames >= 20);
      }
      await assert.rejects(
        probe({
          url: `rtsps://127.0.0.1:${gst.port}/stream`,
          transport: 'tcp',
          seconds: 1,
          json: true,
          timeoutMs: 3000,
        }),
        (e) => e instanceof ThinStreamError && e.code === 'TLS_FAILED' && /over TLS/.test(e.message),
      );
    } finally {
      await tls.close();
    }
  });

  test('auto: UDP blocked by a firewall falls back to TCP when no packet arrives in time', async () => {
    const relay = await startFaultRelay({ host: '127.0.0.1', port: gst.port }, { blockUdp: true });
    try {
      const r = await probe({
        url: relay.url('/stream', { user: 'admin', password: 'secret' }),
        transport: 'auto',
        seconds: 1,
        json: true,
        timeoutMs: 3000,
      });
      assert.equal(r.transport, 'tcp');
      assert.ok(r.quirks.includes('udp-no-data'), r.quirks.join(','));
      assert.ok(r.frames >= 20);
      // The silent UDP session was torn down before TCP was set up.
      const methods = relay.stats.methods;
      assert.ok(methods.indexOf('TEARDOWN') < methods.lastIndexOf('SETUP'), methods.join(' '));
    } finally {
      await relay.close();
    }
  });

  test('TCP: frames on channels SETUP did not name are skipped; requests from the camera are answered', async () => {
    for (const [method, status] of [
      ['OPTIONS', 200],
      ['ANNOUNCE', 501],
    ] as const) {
      const relay = await startFaultRelay(
        { host: '127.0.0.1', port: gst.port },
        { strayChannel: 6, serverRequest: method },
      );
      try {
        const r = await probe({
          url: relay.url('/stream', { user: 'admin', password: 'secret' }),
          transport: 'tcp',
          seconds: 1,
          json: true,
          timeoutMs: 3000,
        });
        assert.ok(relay.stats.strayFrames >= 3);
        assert.ok(r.quirks.includes('unexpected-interleaved-channel'), r.quirks.join(','));
        assert.ok(r.quirks.includes('server-request'), r.quirks.join(','));
        assert.deepEqual(relay.stats.clientResponses, [status]);
        assert.equal(r.lostPackets, 0);
        assert.ok(Math.abs((r.fps ?? 0) - 25) < 0.3 && r.frames >= 20, JSON.stringify(r));
      } finally {
        await relay.close();
      }
    }
  });
});
