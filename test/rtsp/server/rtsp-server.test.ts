/**
 * The camera's RTSP dialogue and session life on real sockets: status codes for what it cannot do,
 * Digest on the wire, sessions ended after their timeout unless kept alive (by GET_PARAMETER, or by
 * RTCP on the interleaved channel), and a TCP client that stops reading dropped to the next keyframe.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ClipSource, startRtspServer, type RtspServer } from '../../../src-main/rtsp/server/index.js';
import { interleavedHeader } from '../../../src-main/rtsp/message.js';
import { makeClip, type Clip } from '../../support/clips.js';
import { RawRtspClient, UdpReceiver, playOverTcp, readRtp, sleep } from './raw-client.js';

describe('camera RTSP dialogue', () => {
  let clip: Clip;
  let camera: RtspServer;
  const logs: string[] = [];

  before(async () => {
    clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, seconds: 1, bitrateKbps: 200 });
    camera = await startRtspServer({
      mounts: [
        { path: '/open', source: clip.path },
        { path: '/locked', source: clip.path, auth: { scheme: 'digest', user: 'admin', password: 'secret' } },
      ],
      log: (line) => logs.push(line),
    });
  });

  after(async () => {
    await camera?.close();
  });

  it('answers OPTIONS with its methods and 501 to a method it does not implement', async () => {
    const client = await RawRtspClient.connect(camera.port);
    const options = await client.request('OPTIONS', '*');
    const record = await client.request('RECORD', camera.url('/open'));
    client.close();
    assert.equal(options.status, 200);
    assert.equal(options.headers.get('public'), 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER');
    assert.equal(options.headers.get('cseq'), '1');
    assert.equal(record.status, 501);
  });

  it('answers 404 to an unknown path, 454 to an unknown session, 461 to multicast, 455 to PLAY with nothing set up', async () => {
    const client = await RawRtspClient.connect(camera.port);
    const unknownPath = await client.request('DESCRIBE', camera.url('/nope'));
    const unknownTrack = await client.request('SETUP', `${camera.url('/open')}/trackID=7`, {
      Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
    });
    const unknownSession = await client.request('PLAY', camera.url('/open'), { Session: 'DEADBEEF' });
    const noSession = await client.request('PLAY', camera.url('/open'));
    const multicast = await client.request('SETUP', `${camera.url('/open')}/trackID=0`, {
      Transport: 'RTP/AVP;multicast;port=5000-5001',
    });
    client.close();
    assert.deepEqual(
      [unknownPath, unknownTrack, unknownSession, noSession, multicast].map((r) => r.status),
      [404, 404, 454, 454, 461],
    );
  });

  it('takes the first transport it supports from a list and answers the interleaved channels asked for', async () => {
    const client = await RawRtspClient.connect(camera.port);
    const setup = await client.request('SETUP', `${camera.url('/open')}/trackID=0`, {
      Transport: 'RTP/AVP;multicast, RTP/AVP/TCP;unicast;interleaved=4-5',
    });
    client.close();
    assert.equal(setup.status, 200);
    assert.match(
      setup.headers.get('transport')!,
      /^RTP\/AVP\/TCP;unicast;interleaved=4-5;ssrc=[0-9A-F]{8};mode="PLAY"$/,
    );
    assert.match(setup.headers.get('session')!, /^[0-9A-F]{16};timeout=60$/);
  });

  it('asks for Digest on a locked mount and lets the right credentials in', async () => {
    const client = await RawRtspClient.connect(camera.port);
    const first = await client.request('DESCRIBE', camera.url('/locked'));
    client.close();
    assert.equal(first.status, 401);
    assert.match(
      first.headers.get('www-authenticate')!,
      /^Digest realm="ThinStream", nonce="[0-9a-f]+", algorithm=MD5, qop="auth"$/,
    );
    // OPTIONS needs no credentials, as on most cameras.
    const again = await RawRtspClient.connect(camera.port);
    assert.equal((await again.request('OPTIONS', camera.url('/locked'))).status, 200);
    again.close();
  });

  it('closes a connection that sends bytes that are not RTSP, after a 400', async () => {
    const client = await RawRtspClient.connect(camera.port);
    client.write(new TextEncoder().encode('HELLO WORLD\r\n\r\n'));
    assert.ok(await client.waitForClose(2000));
    assert.match(client.raw, /^RTSP\/1\.0 400 Bad Request\r\n/);
    assert.ok(logs.some((l) => l.includes('not RTSP')));
  });
});

describe('camera sessions', () => {
  let clip: Clip;
  before(async () => {
    clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, seconds: 1, bitrateKbps: 200 });
  });

  it('ends a UDP session without keepalive after its timeout, and keeps one alive with GET_PARAMETER', async () => {
    const camera = await startRtspServer({ sessionTimeoutMs: 1000, mounts: [{ path: '/s', source: clip.path }] });
    const receivers = [await UdpReceiver.open(), await UdpReceiver.open()];
    const client = await RawRtspClient.connect(camera.port);
    try {
      const sessions: string[] = [];
      for (const receiver of receivers) {
        const setup = await client.request('SETUP', `${camera.url('/s')}/trackID=0`, {
          Transport: `RTP/AVP;unicast;client_port=${receiver.ports[0]}-${receiver.ports[1]}`,
        });
        assert.match(setup.headers.get('session')!, /;timeout=1$/);
        const id = setup.headers.get('session')!.split(';')[0]!;
        sessions.push(id);
        await client.request('PLAY', camera.url('/s'), { Session: id });
      }
      const start = Date.now();
      while (Date.now() - start < 2200) {
        await client.request('GET_PARAMETER', camera.url('/s'), { Session: sessions[1]! });
        await sleep(300);
      }
      const stats = camera.stats();
      assert.equal(stats.sessionsTimedOut, 1, 'the silent session timed out');
      assert.equal(stats.sessions, 1, 'the kept-alive session lives');
      const silentCount = receivers[0]!.rtp.length;
      await sleep(200);
      assert.equal(receivers[0]!.rtp.length, silentCount, 'nothing more is sent to the ended session');
      assert.ok(receivers[1]!.rtp.length > silentCount, 'the live one keeps receiving');
      const ended = await client.request('PLAY', camera.url('/s'), { Session: sessions[0]! });
      assert.equal(ended.status, 454);
    } finally {
      client.close();
      for (const r of receivers) r.close();
      await camera.close();
    }
  });

  it('counts RTCP from the client on the interleaved channel as keepalive', async () => {
    const camera = await startRtspServer({ sessionTimeoutMs: 1000, mounts: [{ path: '/s', source: clip.path }] });
    try {
      const { client } = await playOverTcp(camera.port, camera.url('/s'));
      // An RTCP receiver report (RFC 3550 §6.4.2) with no report blocks, every 300 ms.
      const rr = Uint8Array.of(0x80, 201, 0, 1, 0, 0, 0, 1);
      const start = Date.now();
      while (Date.now() - start < 2000) {
        client.write(interleavedHeader(1, rr.byteLength));
        client.write(rr);
        await sleep(300);
      }
      assert.equal(camera.stats().sessions, 1);
      assert.equal(client.closed, false);
      // Silence: the camera times the session out and closes the connection.
      assert.ok(await client.waitForClose(2500));
      assert.equal(camera.stats().sessionsTimedOut, 1);
    } finally {
      await camera.close();
    }
  });

  it('drops a TCP client that stops reading to the next keyframe instead of queueing without bound', async () => {
    // 720p at 4 Mbit/s sent 8 times faster than real time (200 fps) fills the loopback buffers in a few seconds.
    const big = await makeClip({ width: 1280, height: 720, fps: 25, gopFrames: 25, seconds: 2, bitrateKbps: 4000 });
    const source = ClipSource.fromAnnexB(await readFile(big.path), { fps: 200 });
    const camera = await startRtspServer({ mounts: [{ path: '/s', source }], tcpBufferLimitBytes: 256 * 1024 });
    try {
      const { client } = await playOverTcp(camera.port, camera.url('/s'));
      client.socket.pause();
      const deadline = Date.now() + 15_000;
      while (camera.stats().framesDropped < 20 && Date.now() < deadline) await sleep(100);
      assert.ok(camera.stats().framesDropped >= 20, `dropped ${camera.stats().framesDropped} frames`);
      client.socket.resume();
      await sleep(1000);
      client.close();
      const packets = client.interleaved.filter((f) => f.channel === 0).map((f) => readRtp(f.data));
      const gap = packets.findIndex((p, i) => i > 0 && p.seq !== ((packets[i - 1]!.seq + 1) & 0xffff));
      assert.ok(gap > 0, 'the client sees the loss as a sequence gap');
      const resumed = packets[gap]!;
      const type = resumed.payload[0]! & 0x1f;
      assert.ok(type === 7 || type === 5, `the stream resumes at a keyframe (NAL type ${type})`);
      assert.ok(resumed.timestamp !== packets[gap - 1]!.timestamp, 'at a frame boundary');
    } finally {
      await camera.close();
    }
  });
});
