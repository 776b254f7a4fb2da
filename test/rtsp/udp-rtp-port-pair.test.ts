/** The shared UDP port pair on real loopback sockets: demultiplexing by address, port and SSRC. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { UdpRtpPortPair, normalizeAddress } from '../../src-main/rtsp/udp-rtp-port-pair.js';

function rtp(ssrc: number, seq: number): Buffer {
  const b = Buffer.alloc(16);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

function sender(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

const settle = () => new Promise((r) => setTimeout(r, 100));

test('packets reach the stream whose camera port and SSRC they carry; strangers are counted', async () => {
  const pair = await UdpRtpPortPair.open({ host: '127.0.0.1', rtpPort: 0, rtcpPort: 0 });
  const [camA, camB, stranger] = await Promise.all([sender(), sender(), sender()]);
  const got: Record<string, number[]> = { a: [], b: [], c: [] };
  const route = (name: string, port: number) =>
    pair.route({
      label: name,
      sourceAddress: '127.0.0.1',
      serverRtpPort: port,
      serverRtcpPort: port + 1,
      onRtp: (p) => {
        // A plain Uint8Array, not the Buffer dgram gives: the ingest sees one kind of byte array (plain-bytes.ts).
        assert.equal(Object.getPrototypeOf(p), Uint8Array.prototype);
        got[name]!.push((p[2]! << 8) | p[3]!);
      },
      onRtcp: () => undefined,
    });
  const a = route('a', camA.address().port);
  route('b', camB.address().port);
  // c shares camera B's port (two streams of one camera on one port pair) and is told apart by SSRC.
  const c = route('c', camB.address().port);
  a.setSsrc(1);
  c.setSsrc(3);
  try {
    camA.send(rtp(1, 10), pair.rtpPort, '127.0.0.1');
    camB.send(rtp(2, 20), pair.rtpPort, '127.0.0.1');
    camB.send(rtp(3, 30), pair.rtpPort, '127.0.0.1');
    camA.send(Buffer.alloc(5), pair.rtpPort, '127.0.0.1');
    await settle();
    // b's SSRC is not known yet: it takes what c (SSRC 3) does not claim.
    assert.deepEqual(got, { a: [10], b: [20], c: [30] });
    assert.equal(pair.stats.runts, 1);

    a.close();
    camA.send(rtp(1, 11), pair.rtpPort, '127.0.0.1');
    const s = stranger;
    s.send(rtp(9, 99), pair.rtpPort, '127.0.0.1');
    await settle();
    // With a gone, b and c share the address but neither port nor SSRC claims these: not guessed at.
    assert.deepEqual(got, { a: [10], b: [20], c: [30] });
    assert.equal(pair.stats.unrouted, 2);
    assert.equal(pair.routeCount, 2);
  } finally {
    for (const s of [camA, camB, stranger]) s.close();
    await pair.close();
  }
});

test('a stream whose camera sends from another port than it announced still gets its packets', async () => {
  const pair = await UdpRtpPortPair.open({ host: '127.0.0.1', rtpPort: 0, rtcpPort: 0 });
  const cam = await sender();
  const got: number[] = [];
  pair.route({
    label: 'x',
    sourceAddress: '::ffff:127.0.0.1',
    serverRtpPort: 1,
    onRtp: (p) => got.push(p[3]!),
    onRtcp: () => undefined,
  });
  try {
    cam.send(rtp(5, 7), pair.rtpPort, '127.0.0.1');
    await settle();
    assert.deepEqual(got, [7]);
    assert.equal(pair.stats.unrouted, 0);
  } finally {
    cam.close();
    await pair.close();
  }
  assert.equal(normalizeAddress('::FFFF:10.0.0.1'), '10.0.0.1');
  assert.equal(normalizeAddress('fe80::1'), 'fe80::1');
});

test('a taken port is a clear error naming it', async () => {
  const pair = await UdpRtpPortPair.open({ host: '127.0.0.1', rtpPort: 0, rtcpPort: 0 });
  try {
    await assert.rejects(
      UdpRtpPortPair.open({ host: '127.0.0.1', rtpPort: pair.rtpPort, rtcpPort: 0 }),
      (e: Error & { code?: string }) => e.code === 'RTSP_CONNECT_FAILED' && e.message.includes(`:${pair.rtpPort}`),
    );
  } finally {
    await pair.close();
  }
});
