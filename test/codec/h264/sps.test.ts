import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { H264ParseError, removeEmulationPrevention } from '../../../src-main/codec/h264/bit-reader.js';
import { codecString, levelName, parseSps, profileName } from '../../../src-main/codec/h264/sps.js';
import { parseSpropParameterSets, parsePpsIds } from '../../../src-main/codec/h264/parameter-sets.js';
import { buildSps } from './bit-writer.js';
import { encodeClip, firstNalOfType, probeVideo } from '../../rtp/support/ffmpeg.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

// SPS written by x264 (ffmpeg 5.1, libx264 164) for testsrc2 clips; ffprobe's reading beside each.
const X264_VECTORS = [
  {
    what: 'High 4:2:0 1920x1080 (coded 1088, cropped) at 30000/1001',
    sps: '67640028acd940780227e5c04400000fa40003a9803c60c658',
    profile: 'High',
    level: '4',
    codec: 'avc1.640028',
    width: 1920,
    height: 1080,
    fps: 29.97,
  },
  {
    what: 'High 4:2:2 1278x718 (cropped on both axes) at 25',
    sps: '677a001fbcd9405005beaf011000000300100000030320f1831960',
    profile: 'High 4:2:2',
    level: '3.1',
    codec: 'avc1.7a001f',
    width: 1278,
    height: 718,
    fps: 25,
  },
  {
    what: 'High 4:4:4 Predictive 642x362 at 50',
    sps: '67f4001f919b281485fc7cf808800000030080000032078c18cb',
    profile: 'High 4:4:4 Predictive',
    level: '3.1',
    codec: 'avc1.f4001f',
    width: 642,
    height: 362,
    fps: 50,
  },
  {
    what: 'High 4:2:2 interlaced 720x576 (frame_mbs_only 0) at 25',
    sps: '677a001ebcd940b424d8088000000300800000190f8a14cb',
    profile: 'High 4:2:2',
    level: '3',
    codec: 'avc1.7a001e',
    width: 720,
    height: 576,
    fps: 25,
  },
  {
    what: 'Constrained Baseline 320x240 at 15',
    sps: '6742c00cd90141fb0110000003001000000301e0f142a480',
    profile: 'Constrained Baseline',
    level: '1.2',
    codec: 'avc1.42c00c',
    width: 320,
    height: 240,
    fps: 15,
  },
];

for (const v of X264_VECTORS) {
  test(`parses an x264 SPS: ${v.what}`, () => {
    const nal = hex(v.sps);
    const sps = parseSps(nal);
    assert.equal(profileName(sps.profileIdc, sps.constraintFlags), v.profile);
    assert.equal(levelName(sps.profileIdc, sps.constraintFlags, sps.levelIdc), v.level);
    assert.equal(codecString(nal), v.codec);
    assert.equal(sps.width, v.width);
    assert.equal(sps.height, v.height);
    assert.equal(sps.fps, v.fps);
    assert.equal(sps.vuiError, null);
  });
}

test('removes emulation-prevention bytes and leaves other bytes alone', () => {
  assert.deepEqual([...removeEmulationPrevention(hex('0000030100000302ff000003'))], [0, 0, 1, 0, 0, 2, 0xff, 0, 0]);
  const clean = hex('01020304');
  assert.equal(removeEmulationPrevention(clean), clean);
});

test('reads every field behind seq_scaling_matrix (High 4:4:4 with 12 lists, some using defaults)', () => {
  const lists: Array<number[] | null> = [];
  for (let i = 0; i < 12; i++) {
    const size = i < 6 ? 16 : 64;
    if (i % 3 === 1) lists.push(null);
    else if (i === 3)
      lists.push([-8]); // delta to 0 at j=0: useDefaultScalingMatrixFlag, list ends
    else lists.push(Array.from({ length: size }, (_, j) => (j % 2 === 0 ? 3 : -2)));
  }
  const nal = buildSps({
    profileIdc: 244,
    levelIdc: 40,
    chromaFormatIdc: 3,
    scalingLists: lists,
    widthMbs: 120,
    heightMapUnits: 68,
    crop: [0, 0, 0, 8],
    timing: { numUnitsInTick: 1001, timeScale: 60000 },
  });
  const sps = parseSps(nal);
  assert.equal(sps.chromaFormatIdc, 3);
  assert.equal(sps.width, 1920);
  assert.equal(sps.height, 1080); // 4:4:4 crops in units of 1 row
  assert.equal(sps.fps, 29.97);
});

test('reads 8 scaling lists in High 4:2:2 10-bit and crops by chroma units', () => {
  const nal = buildSps({
    profileIdc: 122,
    levelIdc: 41,
    chromaFormatIdc: 2,
    bitDepthLuma: 10,
    scalingLists: Array.from({ length: 8 }, (_, i) => Array.from({ length: i < 6 ? 16 : 64 }, () => 1)),
    widthMbs: 80,
    heightMapUnits: 45,
    crop: [1, 1, 2, 2],
  });
  const sps = parseSps(nal);
  assert.equal(sps.bitDepthLuma, 10);
  assert.equal(sps.width, 1280 - 2 * 2); // SubWidthC 2 for 4:2:2
  assert.equal(sps.height, 720 - 1 * 4); // SubHeightC 1 for 4:2:2
  assert.equal(sps.fps, null);
});

test('handles field coding, monochrome and separate colour planes when cropping', () => {
  const field = parseSps(
    buildSps({
      profileIdc: 77,
      levelIdc: 30,
      widthMbs: 45,
      heightMapUnits: 18,
      frameMbsOnly: false,
      crop: [0, 0, 0, 2],
    }),
  );
  assert.equal(field.height, 2 * 18 * 16 - 4 * 2); // CropUnitY = SubHeightC · 2
  const mono = parseSps(
    buildSps({
      profileIdc: 100,
      levelIdc: 30,
      chromaFormatIdc: 0,
      widthMbs: 20,
      heightMapUnits: 15,
      crop: [1, 2, 3, 4],
    }),
  );
  assert.equal(mono.width, 320 - 3);
  assert.equal(mono.height, 240 - 7);
  const planes = parseSps(
    buildSps({
      profileIdc: 244,
      levelIdc: 30,
      chromaFormatIdc: 3,
      separateColourPlane: true,
      widthMbs: 20,
      heightMapUnits: 15,
      crop: [1, 0, 0, 1],
    }),
  );
  assert.equal(planes.width, 319);
  assert.equal(planes.height, 239);
});

test('reads picture order count type 1, extended SAR, HRD and the bitstream restriction', () => {
  const sps = parseSps(
    buildSps({
      profileIdc: 100,
      levelIdc: 31,
      pocType: 1,
      widthMbs: 80,
      heightMapUnits: 45,
      sar: [4, 3],
      nalHrd: true,
      timing: { numUnitsInTick: 1, timeScale: 50 },
      maxNumReorderFrames: 2,
    }),
  );
  assert.equal(sps.picOrderCntType, 1);
  assert.deepEqual([sps.sarWidth, sps.sarHeight], [4, 3]);
  assert.equal(sps.fps, 25);
  assert.equal(sps.maxNumReorderFrames, 2);
});

test('keeps the picture size when the VUI is cut short, and says so', () => {
  const whole = buildSps({
    profileIdc: 66,
    levelIdc: 30,
    widthMbs: 40,
    heightMapUnits: 30,
    timing: { numUnitsInTick: 1, timeScale: 50 },
    maxNumReorderFrames: 0,
  });
  const cut = whole.subarray(0, whole.byteLength - 6);
  const sps = parseSps(cut);
  assert.equal(sps.width, 640);
  assert.equal(sps.height, 480);
  assert.match(sps.vuiError ?? '', /past the end/);
});

test('refuses what is not an SPS with an H264_INVALID error carrying the offset', () => {
  assert.throws(
    () => parseSps(hex('6801')),
    (e: unknown) => e instanceof H264ParseError && e.offset === 0,
  );
  assert.throws(
    () => parseSps(hex('6764001f')),
    (e: unknown) => e instanceof H264ParseError && /past the end/.test(e.message),
  );
  // seq_parameter_set_id 32 is out of range.
  const badId = buildSps({ profileIdc: 66, levelIdc: 30, spsId: 32, widthMbs: 1, heightMapUnits: 1 });
  assert.throws(
    () => parseSps(badId),
    (e: unknown) =>
      e instanceof H264ParseError && e.code === 'H264_INVALID' && /seq_parameter_set_id is 32/.test(e.message),
  );
  // Cropping away the whole picture.
  const tooCropped = buildSps({ profileIdc: 66, levelIdc: 30, widthMbs: 1, heightMapUnits: 1, crop: [4, 4, 0, 0] });
  assert.throws(() => parseSps(tooCropped), /leaves no picture/);
});

test('names profiles and levels as Annex A does, level 1b included', () => {
  assert.equal(profileName(66, 0x40), 'Constrained Baseline');
  assert.equal(profileName(100, 0x0c), 'Constrained High');
  assert.equal(profileName(110, 0x10), 'High 10 Intra');
  assert.equal(levelName(66, 0x10, 11), '1b');
  assert.equal(levelName(100, 0x10, 11), '1.1');
  assert.equal(levelName(100, 0, 9), '1b');
  assert.equal(levelName(100, 0, 51), '5.1');
  assert.equal(levelName(100, 0, 40), '4');
});

test('decodes sprop-parameter-sets as cameras write them', () => {
  const sets = parseSpropParameterSets('Z0IAKeKQFAe2AtwEBAaQeJEV,aM48gA==');
  assert.equal(sets.length, 2);
  assert.equal(sets[0]![0]! & 0x1f, 7);
  assert.deepEqual(parsePpsIds(sets[1]!), { ppsId: 0, spsId: 0 });
  // URL-safe alphabet, spaces, missing padding, empty entries.
  const lenient = parseSpropParameterSets(' Z0IAKeKQFAe2AtwEBAaQeJEV , aM48gA ,');
  assert.deepEqual(lenient, sets);
  assert.throws(
    () => parseSpropParameterSets('Z0IA*%,aM48gA=='),
    (e: unknown) => e instanceof H264ParseError && /entry 1/.test(e.message),
  );
});

test('agrees with ffprobe on SPS of clips x264 writes now (profiles, odd sizes, frame rates)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-sps-'));
  try {
    const cases = [
      { width: 1278, height: 718, fps: '25', profile: 'high' as const, pixFmt: 'yuv420p' },
      { width: 350, height: 202, fps: '30000/1001', profile: 'main' as const, pixFmt: 'yuv420p' },
      { width: 400, height: 300, fps: '12', profile: 'baseline' as const, pixFmt: 'yuv420p' },
      { width: 322, height: 242, fps: '60', profile: 'high422' as const, pixFmt: 'yuv422p10le' },
      { width: 330, height: 190, fps: '24000/1001', profile: 'high444' as const, pixFmt: 'yuv444p' },
    ];
    for (const [i, c] of cases.entries()) {
      const out = await encodeClip({ ...c, frames: 2, gop: 2, out: join(dir, `clip${i}.h264`) });
      const probed = await probeVideo(out);
      const spsNal = firstNalOfType(readFileSync(out), 7);
      assert.ok(spsNal, `no SPS in ${out}`);
      const sps = parseSps(spsNal);
      const what = `${c.profile} ${c.width}x${c.height}@${c.fps}`;
      assert.equal(sps.width, probed.width, what);
      assert.equal(sps.height, probed.height, what);
      assert.equal(profileName(sps.profileIdc, sps.constraintFlags), probed.profile, what);
      assert.equal(sps.levelIdc, probed.level, what);
      assert.ok(sps.fps !== null && Math.abs(sps.fps - probed.fps) < 0.001, `${what}: fps ${sps.fps} vs ${probed.fps}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
