import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRtcpCompound } from '../../src-main/rtp/rtcp.js';
import { buildSps } from '../codec/h264/bit-writer.js';
import {
  TEST_PPS,
  TEST_SPS,
  packetize,
  recordingReceiver,
  rtpPacket,
  seqOf,
  setMarker,
  slice,
  testStream,
  type TestUnit,
} from './support/packetize.js';

const SPROP = `${Buffer.from(TEST_SPS).toString('base64')},${Buffer.from(TEST_PPS).toString('base64')}`;

function feed(r: ReturnType<typeof recordingReceiver>, packets: Uint8Array[], startMs = 1_000, stepMs = 1): void {
  packets.forEach((p, i) => r.receiver.pushRtp(p, startMs + i * stepMs));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

test('turns a clean stream into its access units: single NAL, STAP-A and FU-A, bytes unchanged', () => {
  const units = testStream(30, { gop: 10, frameBytes: 5000 });
  const r = recordingReceiver();
  feed(r, packetize(units));
  r.receiver.flush();
  assert.equal(r.units.length, 30);
  assert.equal(r.units.filter((u) => u.keyframe).length, 3);
  r.units.forEach((au, i) => {
    const want = units[i]!;
    assert.equal(au.pts90k, want.pts90k);
    assert.equal(au.dts90k, want.pts90k);
    assert.equal(au.discontinuity, false);
    assert.equal(au.nalus.length, want.nalus.length);
    au.nalus.forEach((n, k) => assert.ok(sameBytes(n, want.nalus[k]!), `unit ${i} NAL ${k} differs`));
    assert.equal(
      au.byteLength,
      want.nalus.reduce((a, n) => a + n.byteLength, 0),
    );
  });
  assert.equal(r.formats.length, 1);
  const f = r.formats[0]!;
  assert.deepEqual(
    { codecString: f.codecString, width: f.width, height: f.height, fps: f.fps, profile: f.profile, level: f.level },
    { codecString: 'avc1.42c01e', width: 640, height: 480, fps: 25, profile: 'Constrained Baseline', level: '3' },
  );
  const s = r.receiver.stats;
  assert.deepEqual(
    [s.frames, s.keyframes, s.lostPackets, s.reordered, s.duplicates, s.malformed, s.droppedUnits],
    [30, 3, 0, 0, 0, 0, 0],
  );
  assert.equal(s.ssrc, 0x11223344);
  assert.deepEqual(r.errors, []);
});

test('passes units as soon as their marker arrives once markers have proven right', () => {
  const r = recordingReceiver();
  const packets = packetize(testStream(5, { frameBytes: 3000 }));
  feed(r, packets);
  // No flush: the last unit ended at its marker and was passed on at once.
  assert.equal(r.units.length, 5);
});

test('reports the format from sprop-parameter-sets, then again when the in-band SPS differs (in-band wins)', () => {
  const otherSps = Uint8Array.from(Buffer.from('6742c00cd90141fb0110000003001000000301e0f142a480', 'hex')); // 320x240 @ 15
  const units = testStream(20, { gop: 10 });
  units[10]!.nalus[0] = otherSps;
  const r = recordingReceiver({ spropParameterSets: SPROP });
  // The first keyframe carries no in-band parameter sets: sprop is all there is.
  units[0]!.nalus = [units[0]!.nalus[2]!];
  feed(r, packetize(units));
  r.receiver.flush();
  assert.equal(r.units.length, 20);
  assert.deepEqual(
    r.formats.map((f) => [f.width, f.height, f.fps]),
    [
      [640, 480, 25],
      [320, 240, 15],
    ],
  );
  assert.ok(r.quirks.has('sprop-parameter-sets-differ'));
  assert.ok(!r.quirks.has('sprop-parameter-sets-missing'));
});

test('waits for SPS/PPS that arrive only after the first IDR, then starts at the next keyframe', () => {
  const units = testStream(25, { gop: 10 });
  units[0]!.nalus = [units[0]!.nalus[2]!]; // IDR without parameter sets, and none in SDP
  const r = recordingReceiver();
  feed(r, packetize(units));
  r.receiver.flush();
  assert.equal(r.units.length, 15);
  assert.equal(r.units[0]!.pts90k, units[10]!.pts90k);
  assert.equal(r.units[0]!.keyframe, true);
  assert.ok(r.quirks.has('parameter-sets-late'));
  assert.ok(r.quirks.has('sprop-parameter-sets-missing'));
});

test('restores order within the queue and counts reordered packets, losing nothing', () => {
  const packets = packetize(testStream(20, { frameBytes: 4000 }));
  for (let i = 5; i + 1 < packets.length; i += 7) [packets[i], packets[i + 1]] = [packets[i + 1]!, packets[i]!];
  const r = recordingReceiver();
  feed(r, packets);
  r.receiver.flush();
  assert.equal(r.units.length, 20);
  assert.equal(r.receiver.stats.lostPackets, 0);
  assert.ok(r.receiver.stats.reordered >= 5);
  assert.ok(r.units.every((u) => !u.discontinuity));
});

test('drops a picture that lost an FU-A fragment, and everything up to the next keyframe, which is flagged', () => {
  const units = testStream(30, { gop: 10, frameBytes: 5000 });
  const packets = packetize(units);
  // Frame 13 (a P frame): drop its second fragment.
  const ts13 = units[13]!.pts90k;
  const frame13 = packets.filter((p) => new DataView(p.buffer, p.byteOffset).getUint32(4) === ts13);
  const victim = frame13[1]!;
  const r = recordingReceiver();
  feed(
    r,
    packets.filter((p) => p !== victim),
  );
  r.receiver.flush();
  const pts = r.units.map((u) => u.pts90k / 3600);
  assert.deepEqual(pts, [...Array(13).keys(), ...Array.from({ length: 10 }, (_, i) => 20 + i)]);
  assert.equal(r.units.find((u) => u.pts90k === 20 * 3600)!.discontinuity, true);
  assert.equal(r.units.filter((u) => u.discontinuity).length, 1);
  const s = r.receiver.stats;
  assert.equal(s.lostPackets, 1);
  assert.equal(s.droppedUnits, 7); // frame 13 (damaged) and 14..19 (waiting for a keyframe)
});

test('keeps a keyframe whose loss came just before it, flagging it as a discontinuity', () => {
  const units = testStream(20, { gop: 10, frameBytes: 2000 });
  const packets = packetize(units);
  // Lose the last packet of frame 9 (the P frame before the IDR at 10).
  const ts9 = units[9]!.pts90k;
  const lastOf9 = packets.filter((p) => new DataView(p.buffer, p.byteOffset).getUint32(4) === ts9).at(-1)!;
  const r = recordingReceiver();
  feed(
    r,
    packets.filter((p) => p !== lastOf9),
  );
  r.receiver.flush();
  assert.equal(r.units.length, 19);
  const idr = r.units.find((u) => u.pts90k === 10 * 3600)!;
  assert.equal(idr.keyframe, true);
  assert.equal(idr.discontinuity, true);
});

test('counts duplicates once and delivers each packet once', () => {
  const packets = packetize(testStream(10, { frameBytes: 3000 }));
  const withDups: Uint8Array[] = [];
  packets.forEach((p, i) => {
    withDups.push(p);
    if (i % 4 === 0) withDups.push(p.slice());
  });
  const r = recordingReceiver();
  feed(r, withDups);
  r.receiver.flush();
  assert.equal(r.units.length, 10);
  assert.equal(r.receiver.stats.duplicates, Math.ceil(packets.length / 4));
  assert.equal(r.receiver.stats.lostPackets, 0);
});

test('runs across the 16-bit sequence wrap and the 32-bit timestamp wrap with growing pts', () => {
  const units = testStream(40, { gop: 10, frameBytes: 3000 });
  const packets = packetize(units, { firstSeq: 65_500, timestampOffset: 4294967296 - 50 * 3600 + 17 });
  const r = recordingReceiver();
  feed(r, packets);
  r.receiver.flush();
  assert.equal(r.units.length, 40);
  for (let i = 1; i < r.units.length; i++) assert.equal(r.units[i]!.pts90k - r.units[i - 1]!.pts90k, 3600);
  assert.equal(r.receiver.stats.lostPackets, 0);
});

test('follows a camera that restarts its sequence numbers and timestamps, keeping pts increasing', () => {
  const before = packetize(testStream(15, { gop: 10 }), { firstSeq: 40_000, timestampOffset: 1_000_000 });
  const after = packetize(testStream(15, { gop: 10 }), { firstSeq: 7, timestampOffset: 123 });
  const r = recordingReceiver();
  feed(r, [...before, ...after], 1_000, 2);
  r.receiver.flush();
  assert.ok(r.quirks.has('sequence-restart'));
  assert.ok(r.quirks.has('timestamp-jump'));
  assert.equal(r.receiver.stats.sequenceRestarts, 1);
  // Frames 0..14 of the first run, then the second run from its first keyframe.
  assert.equal(r.units.length, 30);
  for (let i = 1; i < r.units.length; i++) assert.ok(r.units[i]!.pts90k > r.units[i - 1]!.pts90k);
  assert.equal(r.units[15]!.discontinuity, true);
});

test('ends pictures at timestamp changes when the camera sets no marker bit', () => {
  const packets = packetize(testStream(12, { frameBytes: 4000 })).map((p) => setMarker(p, false));
  const r = recordingReceiver();
  feed(r, packets);
  assert.equal(r.units.length, 11); // the last one waits for a timestamp change…
  r.receiver.flush();
  assert.equal(r.units.length, 12); // …or the end of the session
  assert.ok(r.quirks.has('marker-missing'));
});

test('ends pictures at timestamp changes when the camera sets the marker on every packet', () => {
  const units = testStream(12, { frameBytes: 4000 });
  // Two slices per picture, so a picture spans several packets even without FU-A.
  for (const u of units) {
    const last = u.nalus.pop()!;
    u.nalus.push(last.subarray(0, 1000), Uint8Array.from([last[0]!, 0x2a, ...last.subarray(2, 900)]));
  }
  const packets = packetize(units, { mtu: 1200 }).map((p) => setMarker(p, true));
  const r = recordingReceiver();
  feed(r, packets);
  r.receiver.flush();
  assert.equal(r.units.length, 12);
  r.units.forEach((au, i) => assert.equal(au.nalus.length, units[i]!.nalus.length));
  assert.ok(r.quirks.has('marker-every-packet'));
});

test('tolerates FU-A with start and end in one fragment, and a new start before an end', () => {
  const units = testStream(6, { frameBytes: 3000 });
  const packets = packetize(units, { mtu: 1000 });
  const fuHeaders = packets.map((p) => (p[12]! & 0x1f) === 28);
  // Clear the E bit of every last fragment (the next S or the marker ends the NAL unit).
  packets.forEach((p, i) => {
    if (fuHeaders[i] && p[13]! & 0x40) p[13] = p[13]! & ~0x40;
  });
  // And one extra picture whose NAL is a single fragment with S and E.
  const small = slice(1, 500, 99);
  const fu = new Uint8Array(2 + 499);
  fu[0] = (small[0]! & 0xe0) | 28;
  fu[1] = 0xc0 | 1;
  fu.set(small.subarray(1), 2);
  const extra = rtpPacket(fu, { marker: true, sequenceNumber: seqOf(packets.at(-1)!) + 1, timestamp: 6 * 3600 });
  const r = recordingReceiver();
  feed(r, [...packets, extra]);
  r.receiver.flush();
  assert.equal(r.units.length, 7);
  r.units.slice(0, 6).forEach((au, i) => assert.ok(sameBytes(au.nalus.at(-1)!, units[i]!.nalus.at(-1)!)));
  assert.ok(sameBytes(r.units[6]!.nalus[0]!, small));
  assert.ok(r.quirks.has('fu-a-missing-end'));
  assert.ok(r.quirks.has('fu-a-start-and-end'));
});

test('a stream that stops inside a fragmented NAL unit: the cut picture is dropped, no fu-a-missing-end', () => {
  const units = testStream(4, { gop: 10, frameBytes: 5000 });
  const packets = packetize(units, { mtu: 1000 });
  // The session ends after the first fragments of the last picture (a probe's time is up).
  const cut = packets.findLastIndex((p) => (p[12]! & 0x1f) === 28 && (p[13]! & 0x80) !== 0);
  assert.equal((packets[cut + 1]![13]! & 0x40) === 0, true, 'the cut falls inside the NAL unit');
  const r = recordingReceiver();
  feed(r, packets.slice(0, cut + 2));
  r.receiver.flush();
  assert.equal(r.units.length, 3);
  assert.equal(r.quirks.has('fu-a-missing-end'), false);
  assert.equal(r.receiver.stats.droppedUnits, 1);
});

test('splits Annex B start codes found inside single-NAL and FU-A payloads', () => {
  const sc = Uint8Array.of(0, 0, 0, 1);
  const idr = slice(5, 3000, 1);
  const p = slice(1, 600, 2);
  // Single NAL payload that is really SPS + PPS in Annex B.
  const annexParams = Uint8Array.from([...sc, ...TEST_SPS, ...sc, ...TEST_PPS]);
  const packets = [
    rtpPacket(annexParams, { marker: false, sequenceNumber: 1, timestamp: 0 }),
    // An IDR sent as FU-A whose data starts with a start code and the NAL header again.
    ...[0, 1, 2].map((k) => {
      const body =
        k === 0 ? Uint8Array.from([...sc, ...idr.subarray(0, 1000)]) : idr.subarray(k * 1000, (k + 1) * 1000);
      const fu = new Uint8Array(2 + body.byteLength);
      fu[0] = (idr[0]! & 0xe0) | 28;
      fu[1] = (k === 0 ? 0x80 : 0) | (k === 2 ? 0x40 : 0) | 5;
      fu.set(body, 2);
      return rtpPacket(fu, { marker: k === 2, sequenceNumber: 2 + k, timestamp: 0 });
    }),
    rtpPacket(Uint8Array.from([...sc, ...p]), { marker: true, sequenceNumber: 5, timestamp: 3600 }),
  ];
  const r = recordingReceiver();
  feed(r, packets);
  r.receiver.flush();
  assert.equal(r.units.length, 2);
  assert.deepEqual(
    r.units[0]!.nalus.map((n) => n[0]! & 0x1f),
    [7, 8, 5],
  );
  assert.ok(sameBytes(r.units[0]!.nalus[2]!, idr));
  assert.ok(sameBytes(r.units[1]!.nalus[0]!, p));
  assert.ok(r.quirks.has('annexb-in-payload'));
  assert.equal(r.formats[0]!.width, 640);
});

test('drops packets of other payload types and other SSRCs mixed into the stream, naming the quirk', () => {
  const packets = packetize(testStream(10, { frameBytes: 2000 }));
  const mixed: Uint8Array[] = [];
  packets.forEach((p, i) => {
    mixed.push(p);
    if (i % 3 === 0)
      mixed.push(
        rtpPacket(Uint8Array.of(1, 2, 3), { marker: false, payloadType: 97, sequenceNumber: 9, timestamp: 5 }),
      );
    if (i % 5 === 0)
      mixed.push(rtpPacket(Uint8Array.of(0x41, 0x80), { marker: true, sequenceNumber: 3, timestamp: 7, ssrc: 0xdead }));
  });
  const r = recordingReceiver();
  r.receiver.setExpectedSsrc(0x55);
  feed(r, mixed);
  r.receiver.flush();
  assert.equal(r.units.length, 10);
  assert.equal(r.receiver.stats.lostPackets, 0);
  assert.equal(r.receiver.stats.ssrc, 0x11223344);
  assert.ok(r.receiver.stats.ignored >= Math.ceil(packets.length / 3));
  assert.ok(r.quirks.has('unknown-payload-type'));
  assert.ok(r.quirks.has('ssrc-mismatch'));
  assert.ok(!r.quirks.has('ssrc-changed'));
});

test('follows an SSRC change that persists (a camera restarting its RTP state)', () => {
  const a = packetize(testStream(10), { ssrc: 1 });
  const b = packetize(testStream(10), { ssrc: 2, firstSeq: 5000, timestampOffset: 10 * 3600 });
  const r = recordingReceiver();
  feed(r, a, 1_000);
  // The camera was silent for half a second while it restarted.
  feed(r, b, 1_000 + a.length + 500);
  r.receiver.flush();
  assert.ok(r.quirks.has('ssrc-changed'));
  assert.equal(r.receiver.stats.ssrc, 2);
  // The second stream's first packet (SPS/PPS) is dropped while the change is confirmed; its IDR
  // starts cleanly and is flagged as a discontinuity.
  assert.equal(r.units.length, 20);
  assert.equal(r.units[10]!.discontinuity, true);
  assert.equal(r.units[10]!.keyframe, true);
});

test('counts malformed packets, reports them with the stream and sequence number at most once per 10 s, and goes on', () => {
  const packets = packetize(testStream(10, { frameBytes: 2000 }));
  const bad = [
    Uint8Array.of(0x80, 96, 0, 1),
    Uint8Array.of(0x40, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    Uint8Array.of(0xa0, 96, 0x12, 0x34, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 9, 9, 200),
    Uint8Array.of(0x90, 96, 0, 1, 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 9),
  ];
  const r = recordingReceiver();
  feed(r, [...packets.slice(0, 10), ...bad, ...packets.slice(10)]);
  r.receiver.flush();
  assert.equal(r.units.length, 10);
  assert.equal(r.receiver.stats.malformed, 4);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.code, 'RTP_INVALID');
  assert.match(
    r.errors[0]!.message,
    /^RTP seq 1 on cam-test\/1-high: packet of 4 bytes is shorter than the RTP header/,
  );
  // Ten seconds later, the next one is reported, with the count of those not reported.
  r.receiver.pushRtp(bad[2]!, 1_000 + packets.length + 20_000);
  assert.equal(r.errors.length, 2);
  assert.match(
    r.errors[1]!.message,
    /RTP seq 4660 on cam-test\/1-high: padding count 200 .*\(3 more since the last report\)/,
  );
});

test('reports a broken payload by sequence number and drops only its picture', () => {
  const units = testStream(20, { gop: 10, frameBytes: 1000 });
  const packets = packetize(units);
  // Frame 12 is one single-NAL packet; make it a STAP-A with a size running past the end.
  const i12 = packets.findIndex((p) => new DataView(p.buffer, p.byteOffset).getUint32(4) === 12 * 3600);
  const broken = packets[i12]!.slice();
  broken[12] = 24;
  broken[13] = 0xff;
  packets[i12] = broken;
  const r = recordingReceiver();
  feed(r, packets);
  r.receiver.flush();
  assert.equal(r.units.length, 12);
  assert.equal(r.receiver.stats.malformed, 1);
  assert.equal(r.errors[0]!.code, 'H264_INVALID');
  assert.match(r.errors[0]!.message, new RegExp(`RTP seq ${seqOf(broken)} on cam-test/1-high: STAP-A NAL unit of`));
});

test('never throws, whatever bytes arrive', () => {
  const r = recordingReceiver();
  for (const p of [new Uint8Array(0), Uint8Array.of(0x80), new Uint8Array(70000).fill(0x80)]) {
    r.receiver.pushRtp(p, 1);
    r.receiver.pushRtcp(p, 1);
  }
  r.receiver.flush();
  // Two RTP packets too short for a header, three RTCP compounds that are not RTCP; the long one is
  // a well-formed RTP header of payload type 0, which is not ours.
  assert.equal(r.receiver.stats.malformed, 5);
  assert.equal(r.receiver.stats.ignored, 1);
  assert.equal(r.units.length, 0);
  assert.equal(r.receiver.buildReceiverReport(1, 1), null);
});

test('wall time follows our clock continuously; a sender report does not move it', () => {
  const units = testStream(20, { gop: 10 });
  const packets = packetize(units, { timestampOffset: 500_000 });
  const r = recordingReceiver();
  feed(r, packets.slice(0, 15), 1_700_000_000_000, 10);
  assert.equal(r.units[0]!.wallMs, 1_700_000_000_000);
  // SR from a camera whose clock is 4 s ahead of ours: NTP T corresponds to RTP 500000 + 5·3600 (frame 5).
  const ntpMs = 1_700_000_004_123.5;
  const sr = new Uint8Array(28);
  const v = new DataView(sr.buffer);
  v.setUint8(0, 0x80);
  v.setUint8(1, 200);
  v.setUint16(2, 6);
  v.setUint32(4, 0x11223344);
  const sec = Math.floor(ntpMs / 1000) + 2208988800;
  v.setUint32(8, sec);
  v.setUint32(12, Math.round(((ntpMs % 1000) / 1000) * 2 ** 32));
  v.setUint32(16, 500_000 + 5 * 3600);
  r.receiver.pushRtcp(sr, 1_700_000_000_200);
  feed(r, packets.slice(15), 1_700_000_000_300, 10);
  r.receiver.flush();
  // One timeline, 40 ms a frame, across the report: a recording never sees the camera's clock step in.
  for (let i = 1; i < r.units.length; i++) {
    const step = r.units[i]!.wallMs - r.units[i - 1]!.wallMs;
    assert.ok(step > 39.9 && step < 40.1, `step ${step} ms at unit ${i}`);
  }
  const offset = r.receiver.stats.cameraClockOffsetMs;
  assert.ok(offset !== null && Math.abs(offset - 3923.5) < 1, `camera clock offset ${offset}`);

  // The receiver report names the source, the highest sequence number and the SR it heard.
  const rr = r.receiver.buildReceiverReport(0xabcdef01, 1_700_000_000_700)!;
  const [report, sdes] = parseRtcpCompound(rr);
  if (report?.type !== 'rr' || sdes?.type !== 'sdes') throw new Error('expected RR then SDES');
  assert.equal(report.ssrc, 0xabcdef01);
  const block = report.reports[0]!;
  assert.equal(block.ssrc, 0x11223344);
  assert.equal(block.extendedHighestSeq, seqOf(packets.at(-1)!));
  assert.equal(block.cumulativeLost, 0);
  assert.equal(block.lastSr, ((sec & 0xffff) << 16) | (v.getUint32(12) >>> 16));
  assert.equal(block.delaySinceLastSr, Math.round(0.5 * 65536));
  assert.match(sdes.chunks[0]!.items[0]!.text, /^thinstream-/);
});

test('does not trust a camera clock far from ours for wall time, only its rate', () => {
  const packets = packetize(testStream(10), { timestampOffset: 0 });
  const r = recordingReceiver();
  const sr = new Uint8Array(28);
  const v = new DataView(sr.buffer);
  v.setUint8(0, 0x80);
  v.setUint8(1, 200);
  v.setUint16(2, 6);
  v.setUint32(4, 0x11223344);
  v.setUint32(8, 2208988800 + 1000); // the camera thinks it is 1970
  v.setUint32(16, 0);
  feed(r, packets.slice(0, 1), 1_700_000_000_000);
  r.receiver.pushRtcp(sr, 1_700_000_000_000);
  feed(r, packets.slice(1), 1_700_000_000_040, 40);
  r.receiver.flush();
  assert.ok(r.quirks.has('rtcp-clock-off'));
  assert.ok(Math.abs(r.units.at(-1)!.wallMs - (1_700_000_000_000 + 9 * 40)) < 1);
});

test('on TCP (no reordering queue) counts a gap as loss at once', () => {
  const packets = packetize(testStream(20, { gop: 10, frameBytes: 3000 }));
  packets.splice(12, 2);
  const r = recordingReceiver({ reorderQueueSize: 0 });
  feed(r, packets);
  r.receiver.flush();
  assert.equal(r.receiver.stats.lostPackets, 2);
  assert.ok(r.units.length < 20 && r.units.length >= 11);
});

test('declares a gap lost after the hold time even when the queue is not full', () => {
  const packets = packetize(testStream(10, { frameBytes: 3000 }));
  const missing = packets.splice(6, 1)[0]!;
  const r = recordingReceiver({ reorderQueueSize: 64, reorderHoldMs: 50 });
  packets.slice(0, 9).forEach((p, i) => r.receiver.pushRtp(p, 1000 + i));
  const held = r.units.length;
  // 60 ms later another packet arrives: the gap is given up, its picture dropped.
  r.receiver.pushRtp(packets[9]!, 1070);
  assert.equal(r.receiver.stats.lostPackets, 1);
  assert.ok(r.units.length >= held);
  // The missing packet arriving now is late and ignored.
  r.receiver.pushRtp(missing, 1071);
  assert.equal(r.receiver.stats.lostPackets, 1);
  assert.ok(r.receiver.stats.ignored >= 1);
});

test('gives B-frame streams strictly increasing decode times at or below presentation times', () => {
  // Decode order I0 P3 B1 B2 P6 B4 B5 …, presentation times as x264 sends them.
  const units: TestUnit[] = [];
  const order = [0, 3, 1, 2, 6, 4, 5, 9, 7, 8, 12, 10, 11];
  const sps = buildSps({
    profileIdc: 100,
    levelIdc: 30,
    widthMbs: 40,
    heightMapUnits: 30,
    timing: { numUnitsInTick: 1, timeScale: 50 },
    maxNumReorderFrames: 1,
  });
  order.forEach((f, i) => {
    const key = i === 0;
    units.push({ nalus: key ? [sps, TEST_PPS, slice(5, 1500, f)] : [slice(1, 1500, f)], pts90k: 900_000 + f * 3600 });
  });
  const r = recordingReceiver();
  feed(r, packetize(units));
  r.receiver.flush();
  assert.equal(r.units.length, order.length);
  for (let i = 0; i < r.units.length; i++) {
    const au = r.units[i]!;
    assert.equal(au.pts90k, units[i]!.pts90k);
    if (i > 0) assert.ok(au.dts90k > r.units[i - 1]!.dts90k, `dts at ${i}`);
  }
  assert.ok(r.units.every((au) => au.dts90k <= au.pts90k));
  assert.deepEqual(
    r.units.map((au) => (au.dts90k - 900_000) / 3600),
    [-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
  );
});

test('reports RTP-Info that does not match the first packet, and carries on', () => {
  const packets = packetize(testStream(5), { firstSeq: 100, timestampOffset: 5000 });
  const r = recordingReceiver();
  r.receiver.setRtpInfo({ seq: 30000, rtptime: 5000 });
  feed(r, packets);
  r.receiver.flush();
  assert.ok(r.quirks.has('rtp-info-mismatch'));
  assert.equal(r.units.length, 5);
  const ok = recordingReceiver();
  ok.receiver.setRtpInfo({ seq: 100, rtptime: 5000 });
  feed(ok, packets);
  assert.ok(!ok.quirks.has('rtp-info-mismatch'));
});

test('still finds start codes at the head of FU-A payloads after a long clean stretch (only the head is searched then)', () => {
  const units = testStream(320, { gop: 50, frameBytes: 3000 });
  const packets = packetize(units, { mtu: 1000 });
  // From frame 300 on, every FU-A start fragment carries a start code and the NAL header again.
  const late = packets.map((p) => {
    const ts = new DataView(p.buffer, p.byteOffset).getUint32(4);
    if (ts < 300 * 3600 || (p[12]! & 0x1f) !== 28 || (p[13]! & 0x80) === 0) return p;
    const header = (p[12]! & 0xe0) | (p[13]! & 0x1f);
    return Uint8Array.from([...p.subarray(0, 14), 0, 0, 0, 1, header, ...p.subarray(14)]);
  });
  const r = recordingReceiver();
  feed(r, late);
  r.receiver.flush();
  assert.equal(r.units.length, 320);
  assert.ok(r.quirks.has('annexb-in-payload'));
  r.units.forEach((au, i) => assert.ok(sameBytes(au.nalus.at(-1)!, units[i]!.nalus.at(-1)!), `unit ${i}`));
});

test('takes a camera clock running 500 ppm fast without a jump or a lost frame', () => {
  const units = testStream(500, { gop: 50, frameBytes: 1500 }).map((u) => ({
    ...u,
    pts90k: Math.round(u.pts90k * 1.0005),
  }));
  const r = recordingReceiver();
  // Packets arrive at our clock's pace: 40 ms per frame, a few packets per frame.
  const packets = packetize(units);
  packets.forEach((p) =>
    r.receiver.pushRtp(p, 1000 + (new DataView(p.buffer, p.byteOffset).getUint32(4) / 90) * (1 / 1.0005)),
  );
  r.receiver.flush();
  assert.equal(r.units.length, 500);
  assert.equal(r.receiver.stats.timestampJumps, 0);
  assert.equal(r.formats.length, 1);
});

test('does not follow a second SSRC that is mixed into a live stream for a few packets', () => {
  const a = packetize(testStream(20, { frameBytes: 3000 }), { ssrc: 1 });
  const mixed: Uint8Array[] = [];
  a.forEach((p, i) => {
    mixed.push(p);
    if (i % 10 === 0) {
      for (let k = 0; k < 3; k++) {
        mixed.push(
          rtpPacket(Uint8Array.of(0x41, 0x80, 1), { marker: true, sequenceNumber: 500 + i + k, timestamp: 9, ssrc: 2 }),
        );
      }
    }
  });
  const r = recordingReceiver();
  feed(r, mixed);
  r.receiver.flush();
  assert.equal(r.receiver.stats.ssrc, 1);
  assert.ok(!r.quirks.has('ssrc-changed'));
  assert.equal(r.units.length, 20);
});

test('passes another payload type that shares the sequence numbers without counting a loss', () => {
  const packets = packetize(testStream(20, { frameBytes: 2500 }));
  // Renumber: after every 4th packet, one packet of payload type 100 takes the next sequence number.
  const out: Uint8Array[] = [];
  let seq = 7000;
  packets.forEach((p, i) => {
    p[2] = (seq >> 8) & 0xff;
    p[3] = seq++ & 0xff;
    out.push(p);
    if (i % 4 === 3) {
      out.push(
        rtpPacket(Uint8Array.of(9, 9, 9), { marker: false, payloadType: 100, sequenceNumber: seq++, timestamp: 0 }),
      );
    }
  });
  const r = recordingReceiver();
  feed(r, out);
  r.receiver.flush();
  assert.equal(r.units.length, 20);
  assert.equal(r.receiver.stats.lostPackets, 0);
  assert.ok(r.quirks.has('unknown-payload-type'));
});

test('measures the frame rate from timestamps when the SPS has no VUI timing, and reports the format again', () => {
  const noTiming = buildSps({ profileIdc: 77, levelIdc: 30, widthMbs: 40, heightMapUnits: 30 });
  const units = testStream(30, { gop: 10 }).map((u) => ({
    ...u,
    pts90k: (u.pts90k / 3600) * 3003, // 29.97 fps
    nalus: u.nalus.map((n) => (n === TEST_SPS ? noTiming : n)),
  }));
  const r = recordingReceiver();
  feed(r, packetize(units));
  r.receiver.flush();
  assert.equal(r.units.length, 30);
  assert.deepEqual(
    r.formats.map((f) => f.fps),
    [null, 29.97],
  );
  assert.equal(r.formats[1]!.profile, 'Main');
});

test('reports loss in its receiver report the way it counted it', () => {
  const packets = packetize(testStream(40, { gop: 10, frameBytes: 3000 }));
  const kept = packets.filter((_, i) => i % 17 !== 5);
  const r = recordingReceiver({ reorderQueueSize: 8 });
  feed(r, kept);
  r.receiver.flush();
  const lost = packets.length - kept.length;
  assert.equal(r.receiver.stats.lostPackets, lost);
  const [rr] = parseRtcpCompound(r.receiver.buildReceiverReport(5, 2_000)!);
  if (rr?.type !== 'rr') throw new Error('expected an RR');
  assert.equal(rr.reports[0]!.cumulativeLost, lost);
  assert.equal(rr.reports[0]!.fractionLost, Math.floor((lost * 256) / packets.length));
  assert.equal(rr.reports[0]!.lastSr, 0);
});
