/**
 * Fuzzing the camera's request side: seeded random and mutated requests (real dialogues with flipped,
 * cut and replaced bytes, odd header values) against the pure parts (auth-params, the authenticator,
 * mount resolution, quirk parsing) and against a live server. Only our own errors may escape, memory
 * stays bounded, and afterwards the server still serves a normal client. More iterations with
 * THINSTREAM_FUZZ_ITERATIONS.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { ClipSource, startRtspServer } from '../../../src-main/rtsp/server/index.js';
import { resolveMount, type ResolvedMount } from '../../../src-main/rtsp/server/mount.js';
import { parseQuirks } from '../../../src-main/rtsp/server/quirks.js';
import { CameraAuthenticator, parseAuthParams } from '../../../src-main/rtsp/server/server-auth.js';
import { makeClip } from '../../support/clips.js';
import { RawRtspClient, UdpReceiver, playOverTcp, sleep } from './raw-client.js';

const ITERATIONS = Number(process.env.THINSTREAM_FUZZ_ITERATIONS ?? 2000);

/** mulberry32: a small seeded PRNG, so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TRICKY = [
  '',
  ' ',
  '"',
  '=',
  ',',
  ';',
  '\\',
  '%',
  '%zz',
  '%00',
  '0x',
  '-1',
  '99999999999999999999',
  'interleaved=300-301',
  'client_port=0-0',
  'client_port=65535',
  'RTP/AVP/TCP',
  'RTP/SAVP;unicast',
  'Digest ',
  'Basic ',
  'Basic !!!',
  'Digest username="admin", nonce="zz", uri="x", response="y", qop=auth',
  'Digest username="admin", realm="ThinStream", nonce="',
  'trackID=0',
  '/trackID=0/../../etc',
  '\u00ff\u00fe',
];

function mutate(text: string, rand: () => number): string {
  const chars = [...text];
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const pos = Math.floor(rand() * (chars.length + 1));
    switch (Math.floor(rand() * 5)) {
      case 0:
        chars[pos] = String.fromCharCode(Math.floor(rand() * 256));
        break;
      case 1:
        chars.splice(pos, Math.floor(rand() * 8));
        break;
      case 2:
        chars.splice(pos, 0, ...TRICKY[Math.floor(rand() * TRICKY.length)]!);
        break;
      case 3:
        chars.length = Math.min(chars.length, pos);
        break;
      default:
        chars.splice(pos, 0, chars[Math.floor(rand() * chars.length)] ?? 'x');
    }
  }
  return chars.join('');
}

function onlyOurErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof ThinStreamError)) throw err;
  }
}

describe('camera request fuzzing', () => {
  it(`pure parts survive ${ITERATIONS} random and mutated inputs with bounded memory`, async () => {
    const rand = prng(0xc0ffee);
    const digest = new CameraAuthenticator({ scheme: 'digest', user: 'admin', password: 'secret' });
    const basic = new CameraAuthenticator({ scheme: 'basic', user: 'admin', password: 'secret' });
    const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, seconds: 1, bitrateKbps: 200 });
    const source = await ClipSource.fromFile(clip.path);
    const mounts: ResolvedMount[] = ['/', '/stream', '/a/b', '/cam1'].map((path) => ({
      path,
      source,
      auth: null,
      quirks: new Set(),
    }));
    const seeds = [
      'Digest username="admin", realm="ThinStream", nonce="18c0a0b0c0d0e0f0a1b2c3d4e5f6a7b8c9d0e1f2", uri="rtsp://127.0.0.1/stream", response="0123456789abcdef0123456789abcdef", qop=auth, nc=00000001, cnonce="abc"',
      'Basic YWRtaW46c2VjcmV0',
      'rtsp://user:pw@127.0.0.1:554/stream/trackID=0?x=1',
      '/a/b/trackID=0',
      'no-marker,udp-461',
    ];
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < ITERATIONS; i++) {
      const input =
        rand() < 0.2
          ? String.fromCharCode(...Array.from({ length: rand() * 200 }, () => rand() * 256))
          : mutate(seeds[i % seeds.length]!, rand);
      parseAuthParams(input);
      assert.equal(typeof digest.check('DESCRIBE', input).ok, 'boolean');
      assert.equal(typeof basic.check('SETUP', input).ok, 'boolean');
      resolveMount(input, mounts);
      onlyOurErrors(() => parseQuirks(input));
    }
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    assert.ok(growthMb < 64, `heap grew ${growthMb.toFixed(1)} MB`);
  });

  it('a live camera answers or closes on every mutated dialogue, and still serves a normal client after', async () => {
    const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, seconds: 1, bitrateKbps: 200 });
    const camera = await startRtspServer({
      sessionTimeoutMs: 2000,
      mounts: [
        { path: '/stream', source: clip.path },
        { path: '/locked', source: clip.path, auth: { scheme: 'digest', user: 'admin', password: 'secret' } },
      ],
    });
    // UDP sessions may only ever point at this receiver: nothing is sent to other programs' ports.
    const sink = await UdpReceiver.open();
    const rand = prng(0xbadcafe);
    const dialogues = Math.max(20, Math.floor(ITERATIONS / 80));
    try {
      for (let d = 0; d < dialogues; d++) {
        const client = await RawRtspClient.connect(camera.port);
        const base = camera.url(rand() < 0.5 ? '/stream' : '/locked');
        const transport =
          rand() < 0.5
            ? 'RTP/AVP/TCP;unicast;interleaved=0-1'
            : `RTP/AVP;unicast;client_port=${sink.ports[0]}-${sink.ports[1]}`;
        const requests = [
          `OPTIONS ${base} RTSP/1.0\r\nCSeq: 1\r\n\r\n`,
          `DESCRIBE ${base} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n`,
          `SETUP ${base}/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nTransport: ${transport}\r\n\r\n`,
          `PLAY ${base} RTSP/1.0\r\nCSeq: 4\r\nSession: SESSION\r\nRange: npt=0.000-\r\n\r\n`,
          `GET_PARAMETER ${base} RTSP/1.0\r\nCSeq: 5\r\nSession: SESSION\r\n\r\n`,
          `TEARDOWN ${base} RTSP/1.0\r\nCSeq: 6\r\nSession: SESSION\r\n\r\n`,
        ];
        let session = 'none';
        for (const request of requests) {
          const text = rand() < 0.5 ? mutate(request, rand) : request;
          // Keep any UDP destination on our sink, whatever the mutation did to the numbers.
          const safe = text
            .replace(/client_port=[^;\r\n]*/gi, `client_port=${sink.ports[0]}-${sink.ports[1]}`)
            .replaceAll('SESSION', session);
          const responsesBefore = client.events.filter((e) => e.kind === 'response').length;
          client.write(new Uint8Array(Buffer.from(safe, 'latin1')));
          const deadline = Date.now() + 150;
          while (
            client.events.filter((e) => e.kind === 'response').length === responsesBefore &&
            !client.closed &&
            Date.now() < deadline
          ) {
            await sleep(5);
          }
          const match = /\r\nSession: ([0-9A-F]+)/.exec(client.raw);
          if (match) session = match[1]!;
          if (client.closed) break;
        }
        client.close();
      }
      // Whatever happened, a well-behaved client is still served.
      const { client, play } = await playOverTcp(camera.port, camera.url('/stream'));
      assert.equal(play.status, 200);
      await client.waitForInterleaved(10);
      client.close();
    } finally {
      sink.close();
      await camera.close();
    }
  });
});
