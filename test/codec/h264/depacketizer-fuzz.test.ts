/**
 * Fuzz: the RFC 6184 depacketizer on its own, fed payloads built to hit every path (single NAL units,
 * STAP-A with good and bad sizes, FU-A with any S/E/type, start codes, interleaved-mode types) and
 * mutated real payloads, with random loss, markers and timestamps. Nothing escapes; units are well
 * formed; memory stays bounded. Seeded; THINSTREAM_FUZZ_ITERATIONS for more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H264Depacketizer } from '../../../src-main/codec/h264/depacketizer.js';
import { FUZZ_ITERATIONS, heapAfterGc, int, mutate, randomBytes, realRtpCorpus, rng } from '../../rtp/support/fuzz.js';
import { TEST_PPS, TEST_SPS } from '../../rtp/support/packetize.js';

function craftedPayload(random: () => number): Uint8Array {
  const kind = int(random, 8);
  const body = randomBytes(random, 1500);
  const nri = 0x60;
  switch (kind) {
    case 0:
      return Uint8Array.from([nri | (1 + int(random, 23)), ...body.subarray(0, 200)]);
    case 1: {
      // STAP-A with real parameter sets and maybe a lying size.
      const parts = [TEST_SPS, TEST_PPS, body.subarray(0, int(random, 40))];
      const out: number[] = [nri | 24];
      for (const p of parts) {
        const size = random() < 0.2 ? int(random, 65536) : p.byteLength;
        out.push(size >> 8, size & 0xff, ...p);
      }
      return Uint8Array.from(out);
    }
    case 2:
    case 3:
    case 4: {
      const s = random() < 0.4 ? 0x80 : 0;
      const e = random() < 0.4 ? 0x40 : 0;
      const type = random() < 0.8 ? (random() < 0.5 ? 5 : 1) : int(random, 32);
      return Uint8Array.from([nri | 28, s | e | type, ...body]);
    }
    case 5:
      return Uint8Array.from([0, 0, 0, 1, 0x65, ...body.subarray(0, 300), 0, 0, 1, 0x41, 0x88]);
    case 6:
      return Uint8Array.from([nri | (25 + int(random, 7)), ...body.subarray(0, 50)]);
    default:
      return body.subarray(0, int(random, 4));
  }
}

test('depacketizer: nothing escapes crafted and mutated payloads; units are well formed; memory bounded', async () => {
  const { rtp } = await realRtpCorpus();
  const realPayloads = rtp.filter((p) => p.byteLength > 12).map((p) => p.subarray(12));
  const random = rng(21);
  let units = 0;
  let lastDts = -Infinity;
  const d = new H264Depacketizer(
    'fuzz/depacketizer',
    {
      onAccessUnit(au) {
        assert.ok(au.nalus.length > 0 && au.nalus.every((n) => n.byteLength > 0));
        assert.equal(
          au.byteLength,
          au.nalus.reduce((a, n) => a + n.byteLength, 0),
        );
        assert.ok(au.dts90k > lastDts);
        lastDts = au.dts90k;
        units++;
      },
      onFormat(f) {
        assert.ok(f.width > 0 && f.height > 0);
      },
      onQuirk() {},
      onMalformed(err) {
        assert.equal(err.code, 'H264_INVALID');
      },
      wallMsOf: (_ts, arrivalMs) => arrivalMs,
    },
    random() < 2
      ? `${Buffer.from(TEST_SPS).toString('base64')},${Buffer.from(TEST_PPS).toString('base64')}`
      : undefined,
  );
  let pts = 0;
  let heapAtQuarter = 0;
  const total = FUZZ_ITERATIONS * 20;
  for (let i = 0; i < total; i++) {
    if (i === Math.floor(total / 4)) heapAtQuarter = heapAfterGc();
    let payload: Uint8Array;
    const roll = random();
    if (roll < 0.5) payload = realPayloads[i % realPayloads.length]!;
    else if (roll < 0.7) payload = mutate(realPayloads[int(random, realPayloads.length)]!, random);
    else payload = craftedPayload(random);
    if (random() < 0.2) pts += random() < 0.9 ? 3600 : int(random, 2 ** 31) - 2 ** 30;
    const framed = new Uint8Array(payload.byteLength + 3);
    framed.set(payload, 3);
    d.push(framed, 3, payload.byteLength, i & 0xffff, pts, pts >>> 0, random() < 0.2, i, random() < 0.02 ? 1 : 0);
  }
  d.flush();
  const growth = heapAfterGc() - heapAtQuarter;
  assert.ok(growth < 16 * 1024 * 1024, `heap grew ${growth} bytes`);
  assert.ok(units > 0);
  assert.ok(d.stats.malformed > 0 && d.stats.droppedUnits > 0);
});
