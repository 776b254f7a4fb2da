/**
 * Fuzz: the RTP and RTCP parsers and the whole RtpReceiver take random bytes and mutated real packets
 * (ffmpeg's RTP muxer, made at test time). Only our parse errors escape the parsers; nothing escapes the
 * receiver; what it yields is well formed; memory stays bounded. Seeded; THINSTREAM_FUZZ_ITERATIONS for more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { RtpPacketView, RtpParseError, parseRtpPacket } from '../../src-main/rtp/rtp-packet.js';
import { RtcpParseError, buildReceiverReport, parseRtcpCompound } from '../../src-main/rtp/rtcp.js';
import { RtpReceiver } from '../../src-main/rtp/rtp-receiver.js';
import { FUZZ_ITERATIONS, heapAfterGc, int, mutate, randomBytes, realRtpCorpus, rng } from './support/fuzz.js';

test('RTP parser: only RtpParseError escapes, and the payload always lies inside the packet', async () => {
  const { rtp } = await realRtpCorpus();
  const random = rng(1);
  const view = new RtpPacketView();
  let parsed = 0;
  for (let i = 0; i < FUZZ_ITERATIONS * 4; i++) {
    const packet = i % 2 === 0 ? randomBytes(random, 64) : mutate(rtp[int(random, rtp.length)]!, random);
    if (i % 4 === 1) packet[0] = (packet[0]! & 0x3f) | 0x80; // keep version 2 often, to reach deeper checks
    try {
      parseRtpPacket(packet, view);
      parsed++;
      assert.ok(view.payloadOffset >= 12 && view.payloadLength >= 0);
      assert.ok(view.payloadOffset + view.payloadLength + view.paddingLength === packet.byteLength);
    } catch (err) {
      if (!(err instanceof RtpParseError)) throw err;
      assert.ok(err.offset >= 0 && err.offset <= packet.byteLength);
    }
  }
  assert.ok(parsed > FUZZ_ITERATIONS / 2, `only ${parsed} parsed: the fuzz does not reach past the header checks`);
});

test('RTCP parser: only RtcpParseError escapes, on random bytes and mutated sender and receiver reports', async () => {
  const { rtcp } = await realRtpCorpus();
  const seeds = [
    ...rtcp,
    buildReceiverReport(
      1,
      { ssrc: 2, fractionLost: 3, cumulativeLost: 4, extendedHighestSeq: 5, jitter: 6, lastSr: 7, delaySinceLastSr: 8 },
      'x',
    ),
    Uint8Array.from(Buffer.from('81cb0003111111110562 6f6f74210000'.replace(/ /g, ''), 'hex')),
  ];
  const random = rng(2);
  let parsed = 0;
  for (let i = 0; i < FUZZ_ITERATIONS * 4; i++) {
    const data = i % 3 === 0 ? randomBytes(random, 80) : mutate(seeds[int(random, seeds.length)]!, random);
    try {
      parseRtcpCompound(data);
      parsed++;
    } catch (err) {
      if (!(err instanceof RtcpParseError)) throw err;
    }
  }
  assert.ok(parsed > FUZZ_ITERATIONS / 4, `only ${parsed} parsed`);
});

/**
 * A damaged copy of a run of real packets: loss, duplicates, reordering, bit rot, rewritten headers,
 * garbage. Some runs are clean, so pictures get through and the paths after the damage are reached too.
 */
function damagedRun(rtp: Uint8Array[], random: () => number): Uint8Array[] {
  const start = random() < 0.5 ? 0 : int(random, rtp.length);
  const run = rtp.slice(start, start + 20 + int(random, rtp.length)).map((p) => p.slice());
  const level = random() < 0.3 ? 0 : random() * random();
  const out: Uint8Array[] = [];
  const seqShift = random() < 0.1 * level ? int(random, 65536) : 0;
  const tsShift = random() < 0.1 * level ? int(random, 2 ** 32) : 0;
  for (const p of run) {
    if (seqShift || tsShift) {
      const v = new DataView(p.buffer, p.byteOffset);
      v.setUint16(2, (v.getUint16(2) + seqShift) & 0xffff);
      v.setUint32(4, (v.getUint32(4) + tsShift) >>> 0);
    }
    const roll = random() / Math.max(level, 1e-9);
    if (roll < 0.05) continue; // lost
    if (roll < 0.1) out.push(mutate(p, random));
    else if (roll < 0.13) out.push(randomBytes(random, 40), p);
    else {
      if (roll < 0.16 && p.byteLength > 12)
        p[12] = (p[12]! & 0xe0) | int(random, 32); // another NAL/packetization type
      else if (roll < 0.18)
        p[1] = (p[1]! & 0x80) | int(random, 128); // another payload type
      else if (roll < 0.2)
        p[1] = p[1]! ^ 0x80; // marker flipped
      else if (roll < 0.22) p.set([0xde, 0xad, 0xbe, 0xef], 8); // another SSRC
      out.push(p);
    }
    if (roll < 0.25 && random() < 0.2) out.push(p); // duplicate
  }
  for (let k = 0; k < (out.length / 10) * level; k++) {
    const a = int(random, out.length);
    const b = Math.min(out.length - 1, a + 1 + int(random, 20));
    [out[a], out[b]] = [out[b]!, out[a]!];
  }
  return out;
}

function checkUnit(au: AccessUnit, lastDts: number): void {
  assert.ok(au.nalus.length > 0);
  assert.equal(
    au.byteLength,
    au.nalus.reduce((a, n) => a + n.byteLength, 0),
  );
  assert.ok(au.nalus.every((n) => n.byteLength > 0));
  assert.ok(Number.isFinite(au.pts90k) && Number.isFinite(au.dts90k) && Number.isFinite(au.wallMs));
  assert.ok(au.dts90k > lastDts, `dts ${au.dts90k} after ${lastDts}`);
  if (au.keyframe) assert.ok(au.nalus.some((n) => (n[0]! & 0x1f) === 5));
}

test('RtpReceiver: never throws on damaged real streams, yields well-formed units, memory stays bounded', async () => {
  const { rtp, rtcp, payloadType } = await realRtpCorpus();
  const random = rng(3);
  let lastDts = -Infinity;
  let units = 0;
  let formats = 0;
  const receiver = new RtpReceiver({
    streamLabel: 'fuzz/1',
    clockRate: 90000,
    payloadType,
    reorderQueueSize: 16,
    onAccessUnit: (au) => {
      checkUnit(au, lastDts);
      lastDts = au.dts90k;
      units++;
    },
    onFormat: (f) => {
      assert.ok(f.width > 0 && f.height > 0);
      formats++;
    },
    onQuirk: () => {},
    onMalformed: (e) => assert.ok(e.code === 'RTP_INVALID' || e.code === 'H264_INVALID', e.message),
  });
  let nowMs = 1_000_000;
  const rounds = Math.max(20, Math.floor(FUZZ_ITERATIONS / 10));
  let heapAtQuarter = 0;
  for (let round = 0; round < rounds; round++) {
    if (round === Math.floor(rounds / 4)) heapAtQuarter = heapAfterGc();
    for (const p of damagedRun(rtp, random)) {
      nowMs += random() < 0.01 ? 5000 : random() * 3;
      receiver.pushRtp(p, nowMs);
      if (random() < 0.01) receiver.pushRtcp(mutate(rtcp[int(random, rtcp.length)]!, random), nowMs);
      if (random() < 0.002) receiver.buildReceiverReport(7, nowMs);
    }
  }
  receiver.flush();
  const growth = heapAfterGc() - heapAtQuarter;
  assert.ok(growth < 16 * 1024 * 1024, `heap grew ${growth} bytes`);
  const s = receiver.stats;
  assert.ok(s.packets > rounds * 20);
  assert.ok(units > 0 && formats > 0, `units ${units}, formats ${formats}: the fuzz never got a picture through`);
  assert.ok(s.malformed > 0 && s.lostPackets > 0 && s.duplicates > 0);
});

test('RtpReceiver: never throws on random bytes, as RTP or RTCP, on UDP and TCP settings', () => {
  const random = rng(4);
  for (const reorderQueueSize of [0, 1, 16]) {
    const receiver = new RtpReceiver({
      streamLabel: 'fuzz/2',
      clockRate: 90000,
      payloadType: null,
      reorderQueueSize,
      onAccessUnit: (au) => checkUnit(au, -Infinity),
      onFormat: () => {},
    });
    let rtcpMuxed = 0;
    for (let i = 0; i < FUZZ_ITERATIONS; i++) {
      const bytes = randomBytes(random, 200);
      if (bytes.byteLength > 0 && random() < 0.7) bytes[0] = 0x80;
      if (bytes.byteLength >= 2 && bytes[1]! >= 200 && bytes[1]! <= 204) rtcpMuxed++;
      receiver.pushRtp(bytes, i);
      if (i % 7 === 0) receiver.pushRtcp(bytes, i);
    }
    receiver.flush();
    // Every datagram is counted: as an RTP packet, or as RTCP multiplexed onto the RTP channel (RFC 5761).
    assert.equal(receiver.stats.packets + rtcpMuxed, FUZZ_ITERATIONS);
    assert.ok(receiver.stats.malformed > 0);
  }
});
