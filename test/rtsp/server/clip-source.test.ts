/**
 * Clips as a camera source: the SPS read for size, frame rate and profile-level-id on clips of several
 * sizes and profiles made by ffmpeg (checked against ffprobe's own reading), and clips made loop-safe.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { accessUnitsOfAnnexB, nalType, toAnnexB } from '../../../src-main/codec/h264/annexb.js';
import { ClipSource } from '../../../src-main/rtsp/server/clip-source.js';
import { parseSps } from '../../../src-main/codec/h264/sps.js';
import { STALE_SPROP } from '../../../src-main/rtsp/server/session-description.js';
import { makeClip } from '../../support/clips.js';

const run = promisify(execFile);

describe('clip source', () => {
  const variants = [
    { width: 640, height: 360, fps: 25, profile: 'main' as const },
    { width: 1920, height: 1080, fps: 30, profile: 'high' as const },
    { width: 352, height: 288, fps: 15, profile: 'baseline' as const },
  ];
  for (const v of variants) {
    it(`reads ${v.width}x${v.height} ${v.profile} at ${v.fps} fps from the SPS as ffprobe does`, async () => {
      const clip = await makeClip({ ...v, gopFrames: v.fps, seconds: 1, bitrateKbps: 300 });
      const source = await ClipSource.fromFile(clip.path);
      const { stdout } = await run('ffprobe', [
        ...['-v', 'error', '-show_entries', 'stream=width,height,profile,level,r_frame_rate', '-of', 'json', clip.path],
      ]);
      const probe = (JSON.parse(stdout) as { streams: Array<{ width: number; height: number; level: number }> })
        .streams[0]!;
      assert.equal(source.width, probe.width);
      assert.equal(source.height, probe.height);
      assert.equal(source.fps, v.fps);
      assert.equal(source.spsInfo.levelIdc, probe.level);
      assert.equal(source.profileLevelId.slice(0, 2), { baseline: '42', main: '4d', high: '64' }[v.profile]);
      assert.equal(source.frames, v.fps);
      const [sps, pps] = source.spropParameterSets.split(',').map((b) => Buffer.from(b, 'base64'));
      assert.deepEqual(sps, Buffer.from(source.sps));
      assert.deepEqual(pps, Buffer.from(source.pps));
    });
  }

  it('reads the stale-sprop parameter sets as 352x288 and 176x144', () => {
    for (const s of [STALE_SPROP.cif, STALE_SPROP.qcif]) {
      const sps = parseSps(Buffer.from(s.sprop.split(',')[0]!, 'base64'));
      assert.deepEqual(
        { width: sps.width, height: sps.height, fps: sps.fps },
        { width: s.width, height: s.height, fps: 25 },
      );
    }
  });

  it('starts at the first keyframe, puts SPS/PPS before every IDR and drops end-of-stream NAL units', async () => {
    const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 10, seconds: 1, bitrateKbps: 200 });
    const units = accessUnitsOfAnnexB(await readFile(clip.path));
    // Two P-frames before the first keyframe; only the second keyframe (frame 10) keeps its SPS/PPS;
    // an end-of-stream NAL unit at the end.
    const isParam = (n: Uint8Array): boolean => nalType(n) === 7 || nalType(n) === 8;
    const stripped = units.map((u, i) => (i === 10 ? u : u.filter((n) => !isParam(n))));
    const source = ClipSource.fromAnnexB(
      toAnnexB([...units[1]!, ...units[2]!, ...stripped.flat(), Uint8Array.of(0x0b)]),
    );
    assert.equal(source.frames, units.length, 'the leading P-frames are left out');
    assert.ok(
      source.units[0]!.some((n) => nalType(n) === 5),
      'the first frame is a keyframe',
    );
    for (const unit of source.units) {
      const types = unit.map(nalType);
      assert.ok(!types.includes(11), 'no end of stream');
      if (types.includes(5))
        assert.ok(
          types.indexOf(7) < types.indexOf(5) && types.indexOf(8) < types.indexOf(5),
          `SPS/PPS before IDR in ${types}`,
        );
    }
  });

  it('refuses a clip without a keyframe, naming the clip', () => {
    assert.throws(
      () => ClipSource.fromAnnexB(toAnnexB([Uint8Array.of(0x41, 0x9a, 0x00)]), { label: 'bad.h264' }),
      (err: unknown) =>
        err instanceof ThinStreamError && err.code === 'H264_INVALID' && /bad\.h264: no IDR/.test(err.message),
    );
  });

  it('refuses a clip with B-frames, whose decode order is not its presentation order', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bframes-'));
    try {
      const file = join(dir, 'b.h264');
      await run('ffmpeg', [
        ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', '25'],
        ...['-c:v', 'libx264', '-profile:v', 'main', '-bf', '2', '-g', '25', '-f', 'h264', file],
      ]);
      await assert.rejects(
        ClipSource.fromFile(file),
        /frame \d+ is a B-frame; the camera needs clips without B-frames/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a missing file with its path', async () => {
    await assert.rejects(ClipSource.fromFile('/nonexistent/clip.h264'), /\/nonexistent\/clip\.h264/);
  });
});
