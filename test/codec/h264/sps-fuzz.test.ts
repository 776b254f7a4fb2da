/**
 * Fuzz: the SPS parser takes random bytes and mutated real SPS (x264's and hand-built ones with scaling
 * lists, HRD and cropping). Only H264ParseError escapes; what parses has a sane size. Seeded;
 * THINSTREAM_FUZZ_ITERATIONS for more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { H264ParseError } from '../../../src-main/codec/h264/bit-reader.js';
import { parseSps } from '../../../src-main/codec/h264/sps.js';
import { parsePpsIds, parseSpropParameterSets } from '../../../src-main/codec/h264/parameter-sets.js';
import { FUZZ_ITERATIONS, int, mutate, randomBytes, rng } from '../../rtp/support/fuzz.js';
import { buildSps } from './bit-writer.js';

const REAL = [
  '67640028acd940780227e5c04400000fa40003a9803c60c658',
  '677a001fbcd9405005beaf011000000300100000030320f1831960',
  '67f4001f919b281485fc7cf808800000030080000032078c18cb',
  '677a001ebcd940b424d8088000000300800000190f8a14cb',
  '6742c00cd90141fb0110000003001000000301e0f142a480',
].map((h) => Uint8Array.from(Buffer.from(h, 'hex')));
const BUILT = [
  buildSps({
    profileIdc: 244,
    levelIdc: 51,
    chromaFormatIdc: 3,
    scalingLists: Array.from({ length: 12 }, (_, i) =>
      i % 2 ? null : Array.from({ length: i < 6 ? 16 : 64 }, () => 2),
    ),
    widthMbs: 240,
    heightMapUnits: 135,
    crop: [0, 0, 0, 8],
    nalHrd: true,
    timing: { numUnitsInTick: 1, timeScale: 120 },
    maxNumReorderFrames: 2,
  }),
  buildSps({
    profileIdc: 77,
    levelIdc: 30,
    pocType: 1,
    widthMbs: 45,
    heightMapUnits: 18,
    frameMbsOnly: false,
    sar: [64, 45],
  }),
];

test('SPS parser: only H264ParseError escapes, and a parsed SPS has a sane picture size', () => {
  const random = rng(11);
  const seeds = [...REAL, ...BUILT];
  let parsed = 0;
  for (let i = 0; i < FUZZ_ITERATIONS * 4; i++) {
    let nal: Uint8Array;
    if (i % 3 === 0) {
      nal = randomBytes(random, 48);
      if (nal.byteLength > 0) nal[0] = 0x67;
    } else {
      nal = mutate(seeds[int(random, seeds.length)]!, random);
    }
    try {
      const sps = parseSps(nal);
      parsed++;
      assert.ok(sps.width > 0 && sps.width <= 16384 && sps.height > 0 && sps.height <= 2 * 16384);
      assert.ok(sps.fps === null || (sps.fps > 0 && sps.fps <= 1000));
    } catch (err) {
      if (!(err instanceof H264ParseError)) throw err;
    }
  }
  assert.ok(parsed > FUZZ_ITERATIONS / 4, `only ${parsed} parsed`);
});

test('PPS ids and sprop-parameter-sets: only H264ParseError escapes', () => {
  const random = rng(12);
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const pps = mutate(Uint8Array.of(0x68, 0xcb, 0x83, 0xcb, 0x20), random);
    try {
      parsePpsIds(pps);
    } catch (err) {
      if (!(err instanceof H264ParseError)) throw err;
    }
    const text = Buffer.from(mutate(Buffer.from('Z0IAKeKQFAe2AtwEBAaQeJEV,aM48gA=='), random)).toString('latin1');
    try {
      parseSpropParameterSets(text);
    } catch (err) {
      if (!(err instanceof H264ParseError)) throw err;
    }
  }
});
