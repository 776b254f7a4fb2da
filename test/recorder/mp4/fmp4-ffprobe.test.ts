import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccessUnit } from '../../../src-shared/access-unit.js';
import { buildInitSegment, parseInitSegment } from '../../../src-main/recorder/mp4/init-segment.js';
import { FragmentBuilder } from '../../../src-main/recorder/mp4/fragment.js';
import { Fmp4Muxer } from '../../../src-main/recorder/mp4/fmp4-muxer.js';
import { makeClip, retime, type Clip } from '../clip-fixture.js';
import { probeFile, seekFirstPacket } from '../ffprobe.js';

let clip: Clip;
before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
});
after(async () => {
  await clip.remove();
});

/** Writes units as init + one fragment per `perFragment` units, durations from the next unit's time. */
function mux(units: readonly AccessUnit[], perFragment: number): Uint8Array[] {
  const parts: Uint8Array[] = [buildInitSegment(clip.format, { creationMs: units[0]!.wallMs })];
  const builder = new FragmentBuilder();
  let seq = 1;
  let fragmentStart = units[0]!.dts90k;
  const base = units[0]!.dts90k;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const next = units[i + 1];
    const duration = next ? next.dts90k - u.dts90k : 3600;
    if (builder.sampleCount === 0) fragmentStart = u.dts90k;
    builder.addSample(u.nalus, duration, u.keyframe);
    if (builder.sampleCount >= perFragment || next === undefined || next.keyframe) {
      parts.push(builder.build(seq++, fragmentStart - base));
    }
  }
  return parts;
}

test('a fragmented MP4 of a real x264 clip reads in ffprobe with the right codec, size, frames and keyframes', async () => {
  const path = join(clip.dir, 'gop.mp4');
  await writeFile(path, mux(clip.units, 1000));
  const probe = await probeFile(path);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.codecName, 'h264');
  assert.equal(probe.codecTagString, 'avc1');
  assert.equal(probe.profile, 'High');
  assert.equal(probe.width, 320);
  assert.equal(probe.height, 240);
  assert.equal(probe.frames.length, clip.units.length);
  assert.ok(Math.abs(probe.durationS - clip.units.length / 25) < 0.05, `duration ${probe.durationS}`);
  const keyTimes = probe.frames.filter((f) => f.keyframe).map((f) => f.ptsTime);
  const expected = clip.units.flatMap((u) => (u.keyframe ? [u.pts90k / 90_000] : []));
  assert.deepEqual(keyTimes, expected);
  assert.equal(probe.formatTags.creation_time, '2025-01-02T03:04:05.000000Z');
  // Seeking lands on the keyframe at or before the time (players index the moofs; no sidx/mfra needed).
  assert.deepEqual(await seekFirstPacket(path, 2.5), { ptsTime: 2, keyframe: true });
  assert.deepEqual(await seekFirstPacket(path, 3.96), { ptsTime: 3, keyframe: true });
});

test('fragments shorter than a GOP still decode, and a gap in the camera times stays a gap in the file', async () => {
  // Shift the second half by 3 s: the file's timeline must show the hole, not squash it.
  const gapAt = 50;
  const units = clip.units.map((u, i) =>
    i < gapAt ? u : { ...u, pts90k: u.pts90k + 270_000, dts90k: u.dts90k + 270_000 },
  );
  const parts: Uint8Array[] = [buildInitSegment(clip.format)];
  const builder = new FragmentBuilder();
  let seq = 1;
  let start = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    const next = units[i + 1];
    if (builder.sampleCount === 0) start = u.dts90k;
    // Across the gap the last sample keeps a frame's duration; the next fragment's tfdt jumps.
    const duration = next && i + 1 !== gapAt ? next.dts90k - u.dts90k : 3600;
    builder.addSample(u.nalus, duration, u.keyframe);
    if (builder.sampleCount >= 7 || next === undefined || i + 1 === gapAt) parts.push(builder.build(seq++, start));
  }
  const path = join(clip.dir, 'gap.mp4');
  await writeFile(path, parts);
  const probe = await probeFile(path);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.frames.length, units.length);
  const before = probe.frames[gapAt - 1]!.ptsTime;
  const afterGap = probe.frames[gapAt]!.ptsTime;
  assert.ok(Math.abs(afterGap - before - 3.04) < 0.001, `gap ${afterGap - before}`);
  assert.ok(Math.abs(probe.durationS - (units.length / 25 + 3)) < 0.05, `duration ${probe.durationS}`);
});

test('the init segment parses back into the format it was built from', () => {
  const init = buildInitSegment(clip.format, { creationMs: Date.UTC(2025, 0, 2, 3, 4, 5) });
  const { info, end } = parseInitSegment(init);
  assert.equal(end, init.byteLength);
  assert.equal(info.timescale, 90_000);
  assert.equal(info.trackId, 1);
  assert.equal(info.nalLengthBytes, 4);
  assert.equal(info.creationMs, Date.UTC(2025, 0, 2, 3, 4, 5));
  assert.deepEqual(info.format, { ...clip.format, fps: null });
});

test('the live muxer makes one fragment per frame that ffprobe reads, starting at the first keyframe', async () => {
  const muxer = new Fmp4Muxer({ fragmentEvery: 'frame' });
  const parts: Uint8Array[] = [muxer.init(clip.format)];
  // Join mid-GOP, as a live viewer does: units before the keyframe at 1 s are dropped.
  for (const u of clip.units.slice(10)) parts.push(...muxer.push(u));
  parts.push(...muxer.flush());
  assert.equal(parts.length, 1 + clip.units.length - 25);
  const path = join(clip.dir, 'live.mp4');
  await writeFile(path, parts);
  const probe = await probeFile(path);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.frames.length, clip.units.length - 25);
  assert.equal(probe.frames[0]!.ptsTime, 0);
  assert.ok(probe.frames[0]!.keyframe);
});

test('the muxer skips to the next keyframe after lost data and keeps time running forward', async () => {
  const muxer = new Fmp4Muxer({ fragmentEvery: 'gop' });
  const parts: Uint8Array[] = [muxer.init(clip.format)];
  const units = clip.units.map((u, i) => (i === 10 ? { ...u, discontinuity: true } : u));
  for (const u of units.slice(0, 50)) parts.push(...muxer.push(u));
  // A new camera session: times restart far back.
  for (const u of retime(units.slice(50), -5_000_000, 0)) parts.push(...muxer.push(u));
  parts.push(...muxer.flush());
  const path = join(clip.dir, 'muxer-gaps.mp4');
  await writeFile(path, parts);
  const probe = await probeFile(path);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.frames.length, clip.units.length - 15);
  const times = probe.frames.map((f) => f.ptsTime);
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! > times[i - 1]!, `time runs forward at frame ${i}`);
});

/**
 * Units with a lease, as the runtime's ingest makes them (slab-pool.ts): when the muxer releases a unit, its NAL
 * units are overwritten, as a reused slab would be. The fragments must not change, and every hold must end.
 */
function leasedUnits(units: readonly AccessUnit[]): { units: AccessUnit[]; held: () => number; misuse: () => number } {
  let held = 0;
  let misuse = 0;
  const leased = units.map((u): AccessUnit => {
    const nalus = u.nalus.map((n) => n.slice());
    let holds = 0;
    const lease = {
      retain: () => {
        holds++;
        held++;
      },
      release: () => {
        if (holds === 0) misuse++;
        holds--;
        held--;
        if (holds === 0) for (const n of nalus) n.fill(0xee);
      },
      pin: () => undefined,
    };
    return { ...u, nalus, lease };
  });
  return { units: leased, held: () => held, misuse: () => misuse };
}

test('the muxer retains the unit it holds and releases it once copied: fragments are unchanged when released bytes are overwritten', () => {
  for (const fragmentEvery of ['frame', 'gop'] as const) {
    const plain = new Fmp4Muxer({ fragmentEvery });
    const expected: Uint8Array[] = [plain.init(clip.format, 0)];
    for (const u of clip.units.slice(10)) expected.push(...plain.push(u));
    expected.push(...plain.flush());

    const leased = leasedUnits(clip.units.slice(10));
    const muxer = new Fmp4Muxer({ fragmentEvery });
    const got: Uint8Array[] = [muxer.init(clip.format, 0)];
    let started = false;
    for (const u of leased.units) {
      got.push(...muxer.push(u));
      started ||= u.keyframe;
      // Units before the first keyframe are not kept; after it, exactly the one waiting for its duration.
      assert.equal(leased.held(), started ? 1 : 0, fragmentEvery);
    }
    assert.ok(started);
    got.push(...muxer.flush());
    assert.equal(leased.held(), 0, `${fragmentEvery}: every hold ended`);
    assert.equal(leased.misuse(), 0);
    assert.deepEqual(Buffer.concat(got), Buffer.concat(expected), `${fragmentEvery}: the same bytes`);
  }
});

test('a muxer closed, or started again, lets go of the unit it held', () => {
  const leased = leasedUnits(clip.units.slice(0, 3));
  const muxer = new Fmp4Muxer({ fragmentEvery: 'frame' });
  muxer.init(clip.format);
  muxer.push(leased.units[0]!);
  assert.equal(leased.held(), 1);
  muxer.init(clip.format); // a new format: the timeline starts over
  assert.equal(leased.held(), 0);
  muxer.push(leased.units[0]!);
  muxer.push(leased.units[1]!);
  assert.equal(leased.held(), 1);
  muxer.close();
  muxer.close();
  assert.equal(leased.held(), 0);
  assert.equal(leased.misuse(), 0);
});
