import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RtcpParseError,
  buildReceiverReport,
  ntpMiddle32,
  ntpToUnixMs,
  parseRtcpCompound,
} from '../../src-main/rtp/rtcp.js';
import { ReceptionStats } from '../../src-main/rtp/reception-stats.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// SR + SDES CNAME, as GStreamer's rtpbin sends them (one report block about its own receiving, none here).
const SR_SDES = hex(`
  80c8 0006 1122 3344  e9b8 3f3a 8000 0000  0001 5f90 0000 0010  0000 3e80
  81ca 0004 1122 3344  0108 6761 6d65 7261 2d31 0000
`);

test('parses a sender report and SDES compound', () => {
  const [sr, sdes] = parseRtcpCompound(SR_SDES);
  if (sr?.type !== 'sr' || sdes?.type !== 'sdes') throw new Error('expected SR then SDES');
  assert.equal(sr.ssrc, 0x11223344);
  assert.equal(sr.ntpSeconds, 0xe9b83f3a);
  assert.equal(sr.ntpFraction, 0x80000000);
  assert.equal(sr.ntpMs, ntpToUnixMs(0xe9b83f3a, 0x80000000));
  assert.equal(sr.ntpMs % 1000, 500);
  assert.equal(sr.rtpTimestamp, 90000);
  assert.equal(sr.packetCount, 16);
  assert.equal(sr.octetCount, 16000);
  assert.deepEqual(sdes.chunks, [{ ssrc: 0x11223344, items: [{ itemType: 1, text: 'gamera-1' }] }]);
});

test('parses RR report blocks with negative cumulative loss, BYE with reason, and skips APP', () => {
  const data = hex(`
    81c9 0007 aaaa aaaa  1111 1111 20ff fffe  0001 0010 0000 0020  1234 5678 0000 8000
    81cb 0003 1111 1111  0562 6f6f 7421 0000
    80cc 0002 0000 0001  6e61 6d65
  `);
  const [rr, bye, app] = parseRtcpCompound(data);
  if (rr?.type !== 'rr' || bye?.type !== 'bye' || app?.type !== 'other') throw new Error('expected RR, BYE, APP');
  assert.deepEqual(rr.reports[0], {
    ssrc: 0x11111111,
    fractionLost: 0x20,
    cumulativeLost: -2,
    extendedHighestSeq: 0x10010,
    jitter: 0x20,
    lastSr: 0x12345678,
    delaySinceLastSr: 0x8000,
  });
  assert.deepEqual(bye.ssrcs, [0x11111111]);
  assert.equal(bye.reason, 'boot!');
  assert.equal(app.packetType, 204);
});

for (const [what, data, offset] of [
  ['a compound shorter than a header', hex('80c8'), 0],
  ['version 1', hex('40c8 0000'), 0],
  ['a length past the end', hex('80c8 0006 1122 3344'), 0],
  [
    'an SR too short for its report count',
    hex('81c8 0006 1122 3344 0000 0000 0000 0000 0000 0000 0000 0000 0000 0000'),
    0,
  ],
  ['an SDES item past its packet', hex('81ca 0002 1122 3344 0109 6761'), 8],
  ['trailing bytes after the last packet', hex('80c9 0001 1122 3344 80'), 8],
] as const) {
  test(`refuses ${what} with an RTCP parse error and the offset`, () => {
    assert.throws(
      () => parseRtcpCompound(data),
      (e: unknown) => e instanceof RtcpParseError && e.code === 'RTP_INVALID' && e.offset === offset,
    );
  });
}

test('builds an RR with one block and an SDES CNAME that parse back (and are 32-bit aligned)', () => {
  const out = buildReceiverReport(
    0x01020304,
    {
      ssrc: 0x11223344,
      fractionLost: 64,
      cumulativeLost: -5,
      extendedHighestSeq: 0x2ffff,
      jitter: 77,
      lastSr: 0xabcd0123,
      delaySinceLastSr: 65536,
    },
    'thinstream-test',
  );
  assert.equal(out.byteLength % 4, 0);
  const [rr, sdes] = parseRtcpCompound(out);
  if (rr?.type !== 'rr' || sdes?.type !== 'sdes') throw new Error('expected RR then SDES');
  assert.equal(rr.ssrc, 0x01020304);
  assert.deepEqual(rr.reports[0], {
    ssrc: 0x11223344,
    fractionLost: 64,
    cumulativeLost: -5,
    extendedHighestSeq: 0x2ffff,
    jitter: 77,
    lastSr: 0xabcd0123,
    delaySinceLastSr: 65536,
  });
  assert.equal(sdes.chunks[0]!.items[0]!.text, 'thinstream-test');
  assert.equal(ntpMiddle32(0x0001abcd, 0x0123ffff), 0xabcd0123);
});

test('counts loss, fraction lost per interval and the extended sequence number as RFC 3550 A.3 does', () => {
  const s = new ReceptionStats(90000);
  // 65530..65535, 0..9 (a wrap), with 65533 and 4, 5 missing.
  const seqs = [65530, 65531, 65532, 65534, 65535, 0, 1, 2, 3, 6, 7, 8, 9];
  seqs.forEach((q, i) => s.update(q, i * 3000, i * (1000 / 30)));
  const r1 = s.report();
  assert.equal(r1.extendedHighestSeq, 65536 + 9);
  assert.equal(r1.cumulativeLost, 3);
  assert.equal(r1.fractionLost, Math.floor((3 * 256) / 16));
  for (let q = 10; q < 20; q++) s.update(q, q * 3000, q * 40);
  const r2 = s.report();
  assert.equal(r2.fractionLost, 0);
  assert.equal(r2.cumulativeLost, 3);
});

test('computes interarrival jitter (A.8): zero for perfect pacing, the mean deviation otherwise', () => {
  const steady = new ReceptionStats(90000);
  for (let i = 0; i < 100; i++) steady.update(i, (i * 3600) >>> 0, 1000 + i * 40);
  assert.equal(steady.report().jitter, 0);
  const jittery = new ReceptionStats(90000);
  // Every other packet arrives 10 ms late: |D| = 900 ticks each time; J converges to 900.
  for (let i = 0; i < 400; i++) jittery.update(i, (i * 3600) >>> 0, 1000 + i * 40 + (i % 2) * 10);
  assert.ok(Math.abs(jittery.report().jitter - 900) <= 1);
});
