import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NalType, nalType, toAnnexB } from '../../src-main/codec/h264/annexb.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import type { RecordedUnit, RecordingReader } from '../../src-main/storage/recording-reader.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { makeClip, retime, type Clip } from '../recorder/clip-fixture.js';
import { probeFile } from '../recorder/ffprobe.js';
import { looped, record, tempRoot } from './record-fixture.js';

const A = 'cam-door/1-high';
let clip: Clip;
let root: string;
let catalog: RecordingCatalog;
let t0: number;

before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
  root = await tempRoot();
  // 8 s in four 2 s files, then a 10 s hole, then 4 s more.
  const units = [...looped(clip.units, 2), ...retime(clip.units, 18 * 90_000, 18_000)];
  await record(root, A, clip, units, { dividerMs: 2000 });
  catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  await catalog.load();
  t0 = clip.units[0]!.wallMs;
});
after(async () => {
  await catalog.close();
  await clip.remove();
  await rm(root, { recursive: true, force: true });
});

async function drain(reader: RecordingReader, max = 10_000): Promise<RecordedUnit[]> {
  const out: RecordedUnit[] = [];
  for (let i = 0; i < max; i++) {
    const u = await reader.next();
    if (u === null) break;
    out.push(u);
  }
  reader.close();
  return out;
}

test('reads every recorded unit back, in order, across files, with the camera bytes and times', async () => {
  const units = await drain(catalog.openReader(A, t0));
  assert.equal(units.length, clip.units.length * 3);
  const source = [...looped(clip.units, 2), ...retime(clip.units, 18 * 90_000, 18_000)];
  for (let i = 0; i < units.length; i++) {
    const got = units[i]!;
    const want = source[i]!;
    assert.ok(Math.abs(got.timeMs - want.wallMs) < 0.01, `unit ${i} at ${got.timeMs}, wanted ${want.wallMs}`);
    assert.equal(got.au.keyframe, want.keyframe);
    // Samples keep the slices and SEI; AUD is dropped; SPS+PPS come first on keyframes.
    const wantNalus = want.nalus.filter(
      (n) => nalType(n) !== NalType.AUD && nalType(n) !== NalType.SPS && nalType(n) !== NalType.PPS,
    );
    const gotNalus = got.au.nalus.filter((n) => nalType(n) !== NalType.SPS && nalType(n) !== NalType.PPS);
    assert.deepEqual(
      gotNalus.map((n) => Buffer.from(n).toString('hex')),
      wantNalus.map((n) => Buffer.from(n).toString('hex')),
    );
    if (got.au.keyframe) assert.deepEqual(got.au.nalus.slice(0, 2).map(nalType), [NalType.SPS, NalType.PPS]);
  }
  assert.equal(units[0]!.formatChanged, true);
  assert.equal(units.filter((u) => u.formatChanged).length, 1);
  assert.equal(units[0]!.au.discontinuity, true);
  assert.equal(units[200]!.au.discontinuity, true, 'the 10 s hole is a discontinuity');
  assert.equal(units.filter((u) => u.au.discontinuity).length, 2);
  // The Annex B a viewer gets decodes cleanly.
  const file = join(root, 'readback.h264');
  await writeFile(file, toAnnexB(units.flatMap((u) => u.au.nalus)));
  const probe = await probeFile(file);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.frames.length, units.length);
});

test('starts at the keyframe at or before the requested time, and seeks', async () => {
  const reader = catalog.openReader(A, t0 + 2500);
  const first = await reader.next();
  assert.ok(first);
  assert.equal(first.timeMs, t0 + 2000);
  assert.equal(first.au.keyframe, true);
  reader.seek(t0 + 19_100);
  const afterSeek = await reader.next();
  assert.equal(afterSeek!.timeMs, t0 + 19_000);
  assert.equal(afterSeek!.au.discontinuity, true);
  reader.stepKeyframe('next-keyframe');
  assert.equal((await reader.next())!.timeMs, t0 + 20_000);
  reader.stepKeyframe('previous-keyframe');
  assert.equal((await reader.next())!.timeMs, t0 + 19_000);
  reader.close();
  assert.equal(await reader.next(), null);
  // A time in the hole starts at the last keyframe before it; before everything, at the first keyframe.
  const inHole = catalog.openReader(A, t0 + 12_000);
  assert.equal((await inHole.next())!.timeMs, t0 + 7000);
  inHole.close();
  const early = catalog.openReader(A, t0 - 60_000);
  assert.equal((await early.next())!.timeMs, t0);
  early.close();
});

test('ends before endMs, and pins the segment it reads so retention leaves it alone', async () => {
  const reader = catalog.openReader(A, t0, { endMs: t0 + 1000 });
  const first = await reader.next();
  assert.ok(first);
  const seg = catalog.allSegments(A)[0]!;
  assert.equal(catalog.isPinned(seg), true);
  const rest = await drain(reader);
  assert.equal(rest.length + 1, 25);
  assert.equal(catalog.isPinned(seg), false, 'closing unpins');
});

test('paced at 1x it takes real time; at 4x a quarter; pause holds it', async () => {
  const measure = async (speed: number, frames: number): Promise<number> => {
    const reader = catalog.openReader(A, t0, { speed });
    const started = Date.now();
    for (let i = 0; i < frames; i++) await reader.next();
    reader.close();
    return Date.now() - started;
  };
  const oneX = await measure(1, 13); // 12 frame intervals = 480 ms
  assert.ok(oneX >= 440 && oneX < 1000, `1x took ${oneX} ms`);
  const fourX = await measure(4, 26); // 25 intervals = 1 s of video in 250 ms
  assert.ok(fourX >= 220 && fourX < 700, `4x took ${fourX} ms`);
  const fast = await measure(0, 100);
  assert.ok(fast < 1000, `speed 0 took ${fast} ms`);

  const reader = catalog.openReader(A, t0, { speed: 1 });
  await reader.next();
  reader.pause();
  const started = Date.now();
  setTimeout(() => reader.resume(), 300);
  await reader.next();
  assert.ok(Date.now() - started >= 290, 'next() waited while paused');
  reader.close();
});

test('follow mode waits for the recorder and returns units as they are written', async () => {
  const dir = await tempRoot();
  const live = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  const recorder = new StreamRecorder({
    streamId: A,
    catalog: live,
    dividerMs: 60_000,
    limitBytes: 1 << 30,
    fragmentMaxMs: 200,
  });
  recorder.setFormat(clip.format);
  for (const u of clip.units.slice(0, 30)) recorder.write(u);
  await recorder.flushed();
  const reader = live.openReader(A, t0, { follow: true });
  const got: number[] = [];
  for (let i = 0; i < 25; i++) got.push((await reader.next())!.timeMs);
  const pending = reader.next(); // frame 25 is not on disk yet
  let settled = false;
  void pending.then(() => (settled = true));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(settled, false);
  for (const u of clip.units.slice(30, 60)) recorder.write(u);
  const next = await pending;
  assert.equal(next!.timeMs, clip.units[25]!.wallMs);
  reader.close();
  await recorder.close();
  await live.close();
  await rm(dir, { recursive: true, force: true });
});
