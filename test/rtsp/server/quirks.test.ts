/**
 * Every camera quirk changes the bytes it should, on a real server over loopback, compared with the
 * well-behaved camera. The table of checks is typed `Record<QuirkName, …>`, so a quirk added to
 * quirks.ts without a test here does not compile.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QUIRK_NAMES, startRtspServer, type QuirkName, type RtspServer } from '../../../src-main/rtsp/server/index.js';
import { parseSps } from '../../../src-main/codec/h264/sps.js';
import { UNKNOWN_PAYLOAD_TYPE } from '../../../src-main/rtsp/server/video-sender.js';
import { makeClip } from '../../support/clips.js';
import { playOverTcp, RawRtspClient, UdpReceiver, readRtp, sleep, type RtpPacketView } from './raw-client.js';

const FU_A = 28;
const START = Uint8Array.of(0, 0, 0, 1);

function nalTypeOf(payload: Uint8Array): number {
  return payload[0]! & 0x1f;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.byteLength <= haystack.byteLength; i++) {
    for (let j = 0; j < needle.byteLength; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** Waits for RTP on channel 0 until `frames` distinct timestamps have been seen (plus the packets of the last). */
async function framesOf(client: RawRtspClient, frames: number, timeoutMs = 6000): Promise<RtpPacketView[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const packets = client.interleaved.filter((f) => f.channel === 0).map((f) => readRtp(f.data));
    let distinct = 0;
    let last = -1;
    for (const p of packets) {
      if (p.timestamp !== last) distinct++;
      last = p.timestamp;
    }
    if (distinct > frames) return packets;
    if (Date.now() > deadline) throw new Error(`only ${distinct} frames in ${timeoutMs} ms`);
    await sleep(20);
  }
}

function video(packets: RtpPacketView[]): RtpPacketView[] {
  return packets.filter((p) => p.payloadType === 96);
}

function transportSsrc(transport: string): string | undefined {
  return /;ssrc=([^;]+)/.exec(transport)?.[1];
}

function sdpOf(body: Uint8Array): string {
  return new TextDecoder().decode(body);
}

describe('camera quirks', () => {
  let camera: RtspServer;
  let inBandSps: { width: number; height: number };

  before(async () => {
    // A 1 s clip (one GOP), so a loop comes after 25 frames.
    const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, seconds: 1, bitrateKbps: 200 });
    camera = await startRtspServer({
      sessionTimeoutMs: 10_000,
      mounts: [
        { path: '/well', source: clip.path },
        ...QUIRK_NAMES.map((name) => ({ path: `/q/${name}`, source: clip.path, quirks: [name] })),
      ],
    });
    inBandSps = { width: 320, height: 240 };
  });

  after(async () => {
    await camera?.close();
  });

  async function play(path: string): Promise<Awaited<ReturnType<typeof playOverTcp>>> {
    return playOverTcp(camera.port, camera.url(path));
  }

  it('the well-behaved camera: markers end frames, SSRC and RTP-Info match the wire, CRLF, seq and time continue through a loop', async () => {
    const { client, setup, play: playResponse, describe } = await play('/well');
    try {
      const packets = video(await framesOf(client, 27));
      const ssrc = packets[0]!.ssrc;
      assert.equal(transportSsrc(setup.headers.get('transport')!), ssrc.toString(16).toUpperCase().padStart(8, '0'));
      const info = playResponse.headers.get('rtp-info')!;
      assert.match(info, new RegExp(`seq=${packets[0]!.seq};rtptime=${packets[0]!.timestamp}$`));
      assert.equal(describe.headers.get('content-base'), camera.url('/well') + '/');
      assert.equal(describe.headers.get('content-type'), 'application/sdp');
      assert.ok(!/(^|[^\r])\n/.test(client.raw.split('$')[0]!), 'every line ends with CRLF');
      assert.ok(client.raw.includes('\r\nCSeq: 3\r\n'));
      // The PLAY response comes before the first RTP packet on the wire.
      const firstMedia = client.events.findIndex((e) => e.kind === 'interleaved');
      assert.ok(client.events.slice(0, firstMedia).filter((e) => e.kind === 'response').length === 3);
      for (let i = 1; i < packets.length; i++) {
        const [a, b] = [packets[i - 1]!, packets[i]!];
        assert.equal(b.seq, (a.seq + 1) & 0xffff, `packet ${i}: sequence continues`);
        assert.ok(b.timestamp === a.timestamp || b.timestamp - a.timestamp === 3600, `packet ${i}: one frame step`);
        assert.equal(a.marker, b.timestamp !== a.timestamp, `packet ${i - 1}: marker exactly on a frame's last packet`);
      }
      const sdp = sdpOf(describe.body);
      assert.match(sdp, /a=fmtp:96 packetization-mode=1;profile-level-id=[0-9a-f]{6};sprop-parameter-sets=/);
      assert.match(sdp, /a=control:rtsp:\/\/127\.0\.0\.1:\d+\/well\/trackID=0\r\n/);
      assert.match(sdp, /a=framerate:25\r\n/);
      assert.equal(packets.filter((p) => nalTypeOf(p.payload) === FU_A).length > 0, true, 'large NAL units go as FU-A');
    } finally {
      client.close();
    }
  });

  const checks: Record<QuirkName, (path: string) => Promise<void>> = {
    'no-marker': async (path) => {
      const { client } = await play(path);
      const packets = await framesOf(client, 10);
      client.close();
      assert.equal(packets.filter((p) => p.marker).length, 0);
    },
    'marker-every-packet': async (path) => {
      const { client } = await play(path);
      const packets = await framesOf(client, 10);
      client.close();
      assert.ok(packets.length > 11, 'some frames have several packets');
      assert.ok(packets.every((p) => p.marker));
    },
    'annexb-in-payload': async (path) => {
      const { client } = await play(path);
      const packets = await framesOf(client, 10);
      client.close();
      const single = packets.filter((p) => indexOf(p.payload, START) === 0);
      assert.ok(single.length > 0, 'single-NAL payloads start with a start code');
      const fuA = packets.filter((p) => nalTypeOf(p.payload) === FU_A && indexOf(p.payload, START, 2) !== -1);
      assert.ok(fuA.length > 0, 'FU-A data holds start codes between NAL units');
    },
    'fu-a-start-end': async (path) => {
      const { client } = await play(path);
      const packets = await framesOf(client, 10);
      client.close();
      assert.ok(packets.some((p) => nalTypeOf(p.payload) === FU_A && (p.payload[1]! & 0xc0) === 0xc0));
    },
    'fu-a-restart': async (path) => {
      const { client } = await play(path);
      const packets = video(await framesOf(client, 3));
      client.close();
      const starts = packets.map((p) => nalTypeOf(p.payload) === FU_A && (p.payload[1]! & 0x80) !== 0);
      const twice = starts.findIndex((s, i) => s && starts[i + 1] === true);
      assert.ok(twice !== -1, 'a FU-A start is followed by another start');
      const [a, b] = [packets[twice]!.payload, packets[twice + 1]!.payload];
      assert.deepEqual(a.subarray(0, 64), b.subarray(0, 64), 'the same NAL unit starts again');
    },
    'sps-after-idr': async (path) => {
      const { client } = await play(path);
      const packets = await framesOf(client, 2);
      client.close();
      const first = packets.filter((p) => p.timestamp === packets[0]!.timestamp);
      const types = first.map((p) => (nalTypeOf(p.payload) === FU_A ? p.payload[1]! & 0x1f : nalTypeOf(p.payload)));
      assert.ok(types.lastIndexOf(5) < types.indexOf(7), `IDR before SPS in ${types.join(',')}`);
    },
    'unknown-pt-mixed': async (path) => {
      const { client } = await play(path);
      const packets = await framesOf(client, 5);
      client.close();
      const odd = packets.filter((p) => p.payloadType === UNKNOWN_PAYLOAD_TYPE);
      assert.ok(odd.length >= 4, `${odd.length} packets of payload type ${UNKNOWN_PAYLOAD_TYPE}`);
      assert.equal(new Set(packets.map((p) => p.ssrc)).size, 1, 'in the video stream (same SSRC)');
    },
    'big-interleaved': async (path) => {
      const { client } = await play(path);
      const packets = await framesOf(client, 2);
      client.close();
      const sizes = client.interleaved.filter((f) => f.channel === 0).map((f) => f.data.byteLength);
      assert.ok(Math.max(...sizes) > 1500 && Math.max(...sizes) <= 65535, `largest frame ${Math.max(...sizes)}`);
      assert.equal(packets.filter((p) => nalTypeOf(p.payload) === FU_A).length, 0, 'no fragmentation');
    },
    'seq-restart': async (path) => {
      const { client } = await play(path);
      const packets = video(await framesOf(client, 27));
      client.close();
      const jumps = packets.slice(1).filter((p, i) => p.seq !== ((packets[i]!.seq + 1) & 0xffff));
      assert.equal(jumps.length, 1, 'one restart, at the loop');
    },
    'ts-jump': async (path) => {
      const { client } = await play(path);
      const packets = video(await framesOf(client, 27));
      client.close();
      const steps = packets.slice(1).map((p, i) => (p.timestamp - packets[i]!.timestamp) >>> 0);
      const big = steps.filter((s) => s > 3600);
      assert.equal(big.length, 1, 'one jump, at the loop');
      assert.ok(big[0]! >= 10 * 90_000, `jump of ${big[0]} ticks`);
    },
    'clock-drift-500ppm': async (path) => {
      const { client } = await play(path);
      const packets = video(await framesOf(client, 26));
      client.close();
      const times = [...new Set(packets.map((p) => p.timestamp))];
      assert.equal((times[25]! - times[0]!) >>> 0, 90_045, '25 frames (1 s) span 90045 ticks, not 90000');
    },
    'no-sprop': async (path) => {
      const { describe, client } = await play(path);
      client.close();
      const sdp = sdpOf(describe.body);
      assert.match(sdp, /a=fmtp:96 packetization-mode=1;profile-level-id=[0-9a-f]{6}\r\n/);
      assert.ok(!sdp.includes('sprop-parameter-sets'));
    },
    'stale-sprop': async (path) => {
      const { describe, client } = await play(path);
      client.close();
      const sprop = /sprop-parameter-sets=([^,;\r\n]+)/.exec(sdpOf(describe.body))![1]!;
      const announced = parseSps(Buffer.from(sprop, 'base64'));
      assert.notDeepEqual({ width: announced.width, height: announced.height }, inBandSps);
      assert.deepEqual({ width: announced.width, height: announced.height }, { width: 352, height: 288 });
    },
    'extra-media': async (path) => {
      const client = await RawRtspClient.connect(camera.port);
      const describe = await client.request('DESCRIBE', camera.url(path));
      const sdp = sdpOf(describe.body);
      const order = [...sdp.matchAll(/^m=(\w+)/gm)].map((m) => m[1]);
      assert.deepEqual(order, ['audio', 'video', 'application']);
      assert.match(sdp, /a=rtpmap:107 vnd\.onvif\.metadata\/90000/);
      const setups = [];
      let session: string | undefined;
      for (const [track, channels] of [
        ['trackID=0', '0-1'],
        ['trackID=1', '2-3'],
        ['trackID=2', '4-5'],
      ] as const) {
        const response = await client.request('SETUP', `${camera.url(path)}/${track}`, {
          Transport: `RTP/AVP/TCP;unicast;interleaved=${channels}`,
          ...(session ? { Session: session } : {}),
        });
        session ??= response.headers.get('session')?.split(';')[0];
        setups.push(response.status);
      }
      assert.deepEqual(setups, [200, 200, 200], 'audio and metadata tracks can be set up in the same session');
      const played = await client.request('PLAY', camera.url(path), { Session: session! });
      const info = played.headers.get('rtp-info')!.split(',');
      assert.deepEqual(
        info.map((i) => /trackID=\d/.exec(i)![0]),
        ['trackID=0', 'trackID=1'],
        'RTP-Info for the video and the audio',
      );
      const audio = await client.waitForInterleaved(5, 2);
      client.close();
      assert.ok(
        audio.every((p) => p.payloadType === 0 && p.payload.byteLength === 160),
        'PCMU, 20 ms per packet',
      );
      assert.deepEqual(
        audio.slice(1).map((p, i) => (p.timestamp - audio[i]!.timestamp) >>> 0),
        [160, 160, 160, 160],
      );
      assert.equal(client.interleaved.filter((f) => f.channel === 4).length, 0, 'no metadata is sent');
    },
    'no-content-base': async (path) => {
      const { describe, client } = await play(path);
      client.close();
      assert.equal(describe.headers.get('content-base'), undefined);
      assert.match(sdpOf(describe.body), /m=video[^]*a=control:trackID=0\r\n/);
    },
    'relative-control': async (path) => {
      const { describe, client } = await play(path);
      client.close();
      assert.equal(describe.headers.get('content-base'), camera.url(path));
      assert.match(sdpOf(describe.body), /m=video[^]*a=control:trackID=0\r\n/);
    },
    'no-content-type': async (path) => {
      const { describe, client } = await play(path);
      client.close();
      assert.equal(describe.headers.get('content-type'), undefined);
      assert.match(sdpOf(describe.body), /^v=0/);
    },
    'bare-lf': async (path) => {
      const { client } = await play(path);
      client.close();
      const text = client.raw.split('$')[0]!;
      assert.ok(!text.includes('\r'), 'no CR in responses or SDP');
      assert.match(text, /^RTSP\/1\.0 200 OK\nCSeq: 1\n/);
    },
    'lowercase-headers': async (path) => {
      const { client } = await play(path);
      client.close();
      const text = client.raw.split('$')[0]!;
      assert.match(text, /\r\ncseq: 1\r\n/);
      assert.match(text, /\r\ntransport: RTP\/AVP\/TCP/);
      assert.ok(!/\r\n(CSeq|Session|Transport|Content-Length):/.test(text), 'no canonical header names');
    },
    'ssrc-mismatch': async (path) => {
      const { client, setup } = await play(path);
      const [first] = await client.waitForInterleaved(1);
      client.close();
      const announced = parseInt(transportSsrc(setup.headers.get('transport')!)!, 16);
      assert.notEqual(announced, first!.ssrc);
    },
    'no-ssrc-in-setup': async (path) => {
      const { client, setup, play: playResponse } = await play(path);
      const [first] = await client.waitForInterleaved(1);
      client.close();
      assert.equal(transportSsrc(setup.headers.get('transport')!), undefined);
      assert.match(
        playResponse.headers.get('rtp-info')!,
        new RegExp(`;ssrc=${first!.ssrc.toString(16).toUpperCase().padStart(8, '0')}$`),
      );
    },
    'ssrc-hex-0x': async (path) => {
      const { client, setup } = await play(path);
      const [first] = await client.waitForInterleaved(1);
      client.close();
      assert.equal(
        transportSsrc(setup.headers.get('transport')!),
        `0x${first!.ssrc.toString(16).toUpperCase().padStart(8, '0')}`,
      );
    },
    'ssrc-decimal': async (path) => {
      const { client, setup } = await play(path);
      const [first] = await client.waitForInterleaved(1);
      client.close();
      assert.equal(transportSsrc(setup.headers.get('transport')!), String(first!.ssrc));
    },
    'rtpinfo-mismatch': async (path) => {
      const { client, play: playResponse } = await play(path);
      const [first] = await client.waitForInterleaved(1);
      client.close();
      const info = /seq=(\d+);rtptime=(\d+)/.exec(playResponse.headers.get('rtp-info')!)!;
      assert.notEqual(Number(info[1]), first!.seq);
      assert.notEqual(Number(info[2]), first!.timestamp);
    },
    'no-get-parameter': async (path) => {
      const client = await RawRtspClient.connect(camera.port);
      const options = await client.request('OPTIONS', camera.url(path));
      const get = await client.request('GET_PARAMETER', camera.url(path));
      client.close();
      assert.ok(!options.headers.get('public')!.includes('GET_PARAMETER'));
      assert.equal(get.status, 501);
    },
    'udp-461': async (path) => {
      const client = await RawRtspClient.connect(camera.port);
      const udp = await client.request('SETUP', `${camera.url(path)}/trackID=0`, {
        Transport: 'RTP/AVP;unicast;client_port=50000-50001',
      });
      const tcp = await client.request('SETUP', `${camera.url(path)}/trackID=0`, {
        Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
      });
      client.close();
      assert.equal(udp.status, 461);
      assert.equal(tcp.status, 200);
    },
    'rtp-before-play-response': async (path) => {
      const { client } = await play(path);
      await client.waitForInterleaved(1);
      client.close();
      const playAt = client.events.findIndex(
        (e, i) => e.kind === 'response' && client.events.slice(0, i).filter((x) => x.kind === 'response').length === 2,
      );
      const firstRtp = client.events.findIndex((e) => e.kind === 'interleaved' && e.channel === 0);
      const firstRtcp = client.events.findIndex((e) => e.kind === 'interleaved' && e.channel === 1);
      assert.ok(firstRtp !== -1 && firstRtp < playAt, 'RTP before the PLAY response');
      assert.ok(firstRtcp !== -1 && firstRtcp < playAt, 'RTCP before the PLAY response');
    },
    'early-session-close': async () => {
      // Its own camera: an advertised timeout of 3 s, idle sessions dropped after 1 s.
      const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, seconds: 1, bitrateKbps: 200 });
      const early = await startRtspServer({
        sessionTimeoutMs: 3000,
        mounts: [{ path: '/e', source: clip.path, quirks: ['early-session-close'] }],
      });
      try {
        const start = Date.now();
        const { client, setup } = await playOverTcp(early.port, early.url('/e'));
        assert.match(setup.headers.get('session')!, /;timeout=3$/);
        assert.ok(await client.waitForClose(2800), 'the camera closed the session');
        assert.ok(Date.now() - start < 2800, `closed after ${Date.now() - start} ms, before the 3 s timeout`);
        client.close();
      } finally {
        await early.close();
      }
    },
    'require-user-agent': async (path) => {
      const client = await RawRtspClient.connect(camera.port);
      const without = await client.request('DESCRIBE', camera.url(path), { 'User-Agent': '' });
      const withUa = await client.request('DESCRIBE', camera.url(path));
      client.close();
      assert.equal(without.status, 400);
      assert.equal(withUa.status, 200);
    },
  };

  for (const name of QUIRK_NAMES) {
    it(`${name}: changes what the camera sends`, () => checks[name](`/q/${name}`));
  }
});

describe('the well-behaved camera over UDP', () => {
  it('sends RTP from its server_port to the client_port pair, and RTCP sender reports to the RTCP port', async () => {
    const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, seconds: 1, bitrateKbps: 200 });
    const camera = await startRtspServer({ mounts: [{ path: '/u', source: clip.path }] });
    const receiver = await UdpReceiver.open();
    const client = await RawRtspClient.connect(camera.port);
    try {
      const setup = await client.request('SETUP', `${camera.url('/u')}/trackID=0`, {
        Transport: `RTP/AVP;unicast;client_port=${receiver.ports[0]}-${receiver.ports[1]}`,
      });
      assert.equal(setup.status, 200);
      const transport = setup.headers.get('transport')!;
      const serverPorts = /server_port=(\d+)-(\d+)/.exec(transport)!.slice(1).map(Number);
      assert.equal(serverPorts[0]! % 2, 0, 'RTP on an even port');
      assert.equal(serverPorts[1], serverPorts[0]! + 1, 'RTCP on the next port');
      const session = setup.headers.get('session')!.split(';')[0]!;
      const playResponse = await client.request('PLAY', camera.url('/u'), { Session: session });
      assert.equal(playResponse.status, 200);
      const packets = await receiver.waitForRtp(20);
      assert.deepEqual([...receiver.rtpFromPorts], [serverPorts[0]]);
      assert.equal(packets[0]!.ssrc, parseInt(transportSsrc(transport)!, 16));
      const deadline = Date.now() + 2000;
      while (receiver.rtcp.length === 0 && Date.now() < deadline) await sleep(20);
      const sr = receiver.rtcp[0]!;
      assert.equal(sr.from, serverPorts[1]);
      assert.equal(sr.data[1], 200, 'a sender report');
      assert.equal(new DataView(sr.data.buffer).getUint32(4), packets[0]!.ssrc);
      const teardown = await client.request('TEARDOWN', camera.url('/u'), { Session: session });
      assert.equal(teardown.status, 200);
      assert.equal(camera.stats().sessions, 0);
    } finally {
      client.close();
      receiver.close();
      await camera.close();
    }
  });
});
