/**
 * StreamSupervisor against real GStreamer cameras: live, a camera killed and restarted on its port,
 * a camera gone silent, a refused password, the shared UDP port pair with two cameras, and close()
 * sending TEARDOWN and leaving no handle open; and camera quirks named, logged once and counted in the status.
 */
import { describe, test } from 'node:test';
import { createServer, type Socket } from 'node:net';
import assert from 'node:assert/strict';
import type { StreamStatus } from '../../src-shared/stream-status.js';
import type { VideoFormat } from '../../src-shared/access-unit.js';
import { StreamSupervisor, type StreamSupervisorOptions } from '../../src-main/streams/stream-supervisor.js';
import { UdpRtpPortPair } from '../../src-main/rtsp/udp-rtp-port-pair.js';
import { startGstCamera } from '../support/gst-camera.js';
import { startFaultRelay } from '../support/rtsp-fault-relay.js';
import { startRtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip } from '../support/clips.js';

/** Polls until `predicate` holds; fails naming `what` after `timeoutMs`. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Watched {
  supervisor: StreamSupervisor;
  states: StreamStatus[];
  log: string[];
  formats: VideoFormat[];
}

function supervise(options: Partial<StreamSupervisorOptions> & { url: string }): Watched {
  const log: string[] = [];
  const supervisor = new StreamSupervisor({
    streamId: 'cam-door/1-high',
    transport: 'tcp',
    assumeConnDroppedAfterMs: 2000,
    connectTimeoutMs: 2000,
    reorderQueueSize: 16,
    reconnectMinMs: 100,
    reconnectMaxMs: 1000,
    log: (line) => log.push(line),
    ...options,
  });
  const states: StreamStatus[] = [];
  const formats: VideoFormat[] = [];
  supervisor.addListener({ onStatus: (s) => states.push(s), onFormat: (f) => formats.push(f) });
  supervisor.start();
  return { supervisor, states, log, formats };
}

const state = (w: Watched) => w.supervisor.status().state;
const frames = (w: Watched) => w.supervisor.status().counters.frames;

/** Kinds of handle that stay open until closed (requests in flight, such as CloseReq, come and go). */
const LASTING = new Set([
  'TCPSocketWrap',
  'TCPServerWrap',
  'UDPWrap',
  'Timeout',
  'Immediate',
  'PipeWrap',
  'ProcessWrap',
]);

/** True when no kind of handle is more numerous than in `baseline` (others' handles may close meanwhile). */
function noMoreThan(baseline: Record<string, number>): boolean {
  return Object.entries(handles()).every(([type, n]) => n <= (baseline[type] ?? 0));
}

/** Live handles by type (sockets, timers), to compare before start and after close. */
function handles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of process.getActiveResourcesInfo()) if (LASTING.has(type)) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}

describe('StreamSupervisor with a GStreamer camera', () => {
  test('goes live, reports format and counters, and a camera killed and restarted on its port is reconnected', async () => {
    let camera = await startGstCamera({ auth: 'digest' });
    const w = supervise({ url: camera.urlWithCredentials });
    try {
      await waitFor('live', () => state(w) === 'live', 10_000);
      await waitFor('a second of frames', () => frames(w) >= 25, 5000);
      const live = w.supervisor.status();
      assert.equal(live.transport, 'tcp');
      assert.deepEqual([live.video?.width, live.video?.height], [1280, 720]);
      assert.equal(w.supervisor.format?.width, 1280);
      assert.ok(live.counters.keyframes >= 1 && live.counters.bytes > 0 && live.counters.packets > 0);
      assert.equal(live.counters.lostPackets, 0);
      assert.equal(live.error, null);

      const before = frames(w);
      await camera.stop(); // SIGKILL: a camera losing power
      await waitFor('reconnecting after the kill', () => state(w) === 'reconnecting', 5000);
      assert.ok(w.supervisor.status().error, 'the error is kept while reconnecting');
      camera = await startGstCamera({ auth: 'digest', port: camera.port });
      await waitFor('live again', () => state(w) === 'live', 15_000);
      await waitFor('frames after the restart', () => frames(w) >= before + 25, 5000);
      const after = w.supervisor.status();
      assert.ok(after.counters.reconnects >= 1, `reconnects ${after.counters.reconnects}`);
      assert.equal(after.error, null);
      // Status also goes out when the format arrives: collapse repeats to see the transitions.
      const seen = w.states.map((s) => s.state).filter((st, i, all) => i === 0 || all[i - 1] !== st);
      assert.deepEqual(seen.slice(0, 2), ['connecting', 'live']);
      assert.ok(seen.includes('reconnecting'));
      assert.equal(seen.at(-1), 'live');
    } finally {
      await w.supervisor.close();
      await camera.stop();
    }
    assert.equal(state(w), 'stopped');
  });

  test('a refused password is failed with the user named, and retried slowly, not hammered', async () => {
    const camera = await startGstCamera({ auth: 'digest' });
    const relay = await startFaultRelay({ host: '127.0.0.1', port: camera.port });
    const w = supervise({ url: relay.url('/stream'), user: 'admin', password: 'wrong', reconnectMaxMs: 1500 });
    try {
      await waitFor('failed', () => state(w) === 'failed', 5000);
      const failed = w.supervisor.status();
      assert.equal(failed.error?.code, 'RTSP_AUTH_REFUSED');
      assert.match(failed.error?.message ?? '', /refused user "admin"'s credentials/);
      assert.ok(!JSON.stringify(failed).includes('wrong'), 'the password never appears in the status');
      await new Promise((r) => setTimeout(r, 3500));
      // One attempt at once, then one per 1.5 s: at most 4 connections in about 4 s.
      assert.ok(relay.stats.connections >= 2 && relay.stats.connections <= 4, `${relay.stats.connections} connections`);
      assert.equal(state(w), 'failed');
      // Retries do not make the status flicker: once failed, it stays failed until it goes live.
      const seen = w.states.map((st) => st.state);
      assert.deepEqual(
        seen.slice(seen.indexOf('failed')).filter((st) => st !== 'failed'),
        [],
      );
    } finally {
      await w.supervisor.close();
      await relay.close();
      await camera.stop();
    }
  });

  test('a camera gone silent is not left live: no packet for assumeConnDroppedAfterMs reconnects', async () => {
    const camera = await startGstCamera({});
    let silent = false;
    const relay = await startFaultRelay({ host: '127.0.0.1', port: camera.port }, { silent: () => silent });
    const w = supervise({ url: relay.url('/stream'), assumeConnDroppedAfterMs: 1000 });
    try {
      await waitFor('live', () => state(w) === 'live', 10_000);
      silent = true;
      await waitFor('reconnecting after silence', () => state(w) === 'reconnecting', 4000);
      assert.equal(w.supervisor.status().error?.code, 'RTP_NO_DATA');
      silent = false;
      await waitFor('live after the silence', () => state(w) === 'live', 10_000);
      assert.ok(relay.stats.methods.includes('TEARDOWN'), 'the silent session was torn down');
    } finally {
      await w.supervisor.close();
      await relay.close();
      await camera.stop();
    }
  });

  test('close() sends TEARDOWN and leaves no socket or timer open', async () => {
    const camera = await startGstCamera({});
    const relay = await startFaultRelay({ host: '127.0.0.1', port: camera.port });
    const pair = await UdpRtpPortPair.open({ host: '127.0.0.1', rtpPort: 0, rtcpPort: 0 });
    try {
      for (const transport of ['tcp', 'udp', 'auto'] as const) {
        const baseline = handles();
        const w = supervise({ url: relay.url('/stream'), transport, udpPorts: pair });
        await waitFor(`live over ${transport}`, () => state(w) === 'live', 10_000);
        const teardownsBefore = relay.stats.methods.filter((m) => m === 'TEARDOWN').length;
        await w.supervisor.close();
        assert.equal(relay.stats.methods.filter((m) => m === 'TEARDOWN').length, teardownsBefore + 1, transport);
        assert.equal(pair.routeCount, 0, 'the UDP route is gone');
        await waitFor(
          `handles back to the baseline after ${transport} (${JSON.stringify(handles())} vs ${JSON.stringify(baseline)})`,
          () => noMoreThan(baseline),
          2000,
        );
      }
    } finally {
      await pair.close();
      await relay.close();
      await camera.stop();
    }
  });

  test('close() during a connection attempt is prompt and leaves nothing open', async () => {
    const baseline = handles();
    // A listening port that never answers RTSP: the attempt hangs in OPTIONS until its timeout.
    const held: Socket[] = [];
    const mute = createServer((s) => held.push(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    try {
      const address = mute.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const w = supervise({ url: `rtsp://127.0.0.1:${port}/x`, connectTimeoutMs: 20_000 });
      await waitFor('the camera connection', () => held.length === 1, 5000);
      const peerClosed = new Promise<void>((r) => held[0]!.once('close', () => r()));
      held[0]!.resume();
      const started = Date.now();
      await w.supervisor.close();
      assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
      let timer: NodeJS.Timeout | undefined;
      const leftOpen = new Promise(
        (_, reject) => (timer = setTimeout(() => reject(new Error('socket left open')), 2000)),
      );
      await Promise.race([peerClosed, leftOpen]).finally(() => clearTimeout(timer));
      assert.equal(state(w), 'stopped');
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    }
    await waitFor('handles at the baseline', () => noMoreThan(baseline), 2000);
  });

  test('a listener that throws is logged and the stream goes on; a bad URL is failed at once', async () => {
    const camera = await startGstCamera({});
    const w = supervise({ url: camera.url });
    w.supervisor.addListener({
      onAccessUnit: () => {
        throw new Error('viewer bug');
      },
    });
    try {
      await waitFor('frames despite the listener', () => frames(w) >= 30, 10_000);
      assert.ok(w.log.some((l) => l.includes('a stream listener threw: viewer bug')));
      assert.equal(state(w), 'live');
    } finally {
      await w.supervisor.close();
      await camera.stop();
    }
    const bad = supervise({ url: 'rtsp//no-scheme' });
    await waitFor('failed', () => state(bad) === 'failed', 2000);
    assert.equal(bad.supervisor.status().error?.code, 'URL_INVALID');
    await bad.supervisor.close();
  });
});

describe('the shared UDP port pair', () => {
  test('two cameras on one RTP/RTCP socket pair are told apart: each stream gets its own video', async () => {
    const big = await startGstCamera({ width: 640, height: 360, fps: 25 });
    const small = await startGstCamera({ width: 320, height: 240, fps: 15, pattern: 'ball' });
    const pair = await UdpRtpPortPair.open({ host: '127.0.0.1', rtpPort: 0, rtcpPort: 0 });
    const a = supervise({ streamId: 'cam-a/1', url: big.url, transport: 'udp', udpPorts: pair });
    const b = supervise({ streamId: 'cam-b/1', url: small.url, transport: 'udp', udpPorts: pair });
    try {
      await waitFor('both live', () => state(a) === 'live' && state(b) === 'live', 10_000);
      await new Promise((r) => setTimeout(r, 2000));
      const sa = a.supervisor.status();
      const sb = b.supervisor.status();
      assert.deepEqual([sa.video?.width, sa.video?.height], [640, 360]);
      assert.deepEqual([sb.video?.width, sb.video?.height], [320, 240]);
      assert.equal(sa.transport, 'udp');
      assert.equal(sa.counters.lostPackets + sb.counters.lostPackets, 0);
      // Rates over the last seconds match each camera's own frame rate, so no packet went to the wrong stream.
      assert.ok(Math.abs(sa.counters.fps - 25) < 3, `a ${sa.counters.fps} fps`);
      assert.ok(Math.abs(sb.counters.fps - 15) < 3, `b ${sb.counters.fps} fps`);
      assert.equal(pair.stats.unrouted, 0);
      assert.equal(pair.routeCount, 2);
    } finally {
      await a.supervisor.close();
      await b.supervisor.close();
      await pair.close();
      await big.stop();
      await small.stop();
    }
  });
});

describe('camera quirks in the stream status (issue 9: named, logged once, counted)', () => {
  test('each tolerance is listed once, logged once and counted: per session for the dialogue, per packet for RTP', async () => {
    const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, seconds: 1 });
    const camera = await startRtspServer({
      mounts: [{ path: '/quirky', source: clip.path, quirks: ['unknown-pt-mixed', 'no-get-parameter'] }],
    });
    const w = supervise({ url: camera.url('/quirky') });
    try {
      await waitFor('40 frames', () => w.supervisor.status().counters.frames >= 40, 10_000);
      const live = w.supervisor.status();
      assert.ok(
        live.quirks.includes('unknown-payload-type') && live.quirks.includes('no-get-parameter'),
        live.quirks.join(),
      );
      // The camera mixes one packet of another payload type into every frame: one count each.
      assert.ok((live.quirkCounts?.['unknown-payload-type'] ?? 0) >= 40, JSON.stringify(live.quirkCounts));
      assert.equal(live.quirkCounts?.['no-get-parameter'], 1);
      for (const name of ['unknown-payload-type', 'no-get-parameter']) {
        assert.equal(
          w.log.filter((l) => l.includes(`tolerating camera quirk ${name}:`)).length,
          1,
          `${name} logged once`,
        );
      }
      await w.supervisor.close();
      // The session's receiver is folded in when it ends: nothing counted is lost.
      const ended = w.supervisor.status();
      assert.ok(
        (ended.quirkCounts?.['unknown-payload-type'] ?? 0) >= (live.quirkCounts?.['unknown-payload-type'] ?? 0),
      );
      assert.equal(ended.quirkCounts?.['no-get-parameter'], 1);
    } finally {
      await w.supervisor.close();
      await camera.close();
    }
  });
});
