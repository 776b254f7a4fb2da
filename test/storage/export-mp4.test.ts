import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { exportMp4 } from '../../src-main/storage/export-mp4.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
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
  // 8 s in 2 s files, a 10 s hole, 4 s more.
  await record(root, A, clip, [...looped(clip.units, 2), ...retime(clip.units, 18 * 90_000, 18_000)], {
    dividerMs: 2000,
  });
  catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  await catalog.load();
  t0 = clip.units[0]!.wallMs;
});
after(async () => {
  await catalog.close();
  await clip.remove();
  await rm(root, { recursive: true, force: true });
});

test('exports a range across files as one MP4 that ffprobe reads, from the keyframe before the start', async () => {
  const out = join(root, 'export-a.mp4');
  await pipeline(exportMp4(catalog, A, t0 + 1500, t0 + 5500), createWriteStream(out));
  const probe = await probeFile(out);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.codecTagString, 'avc1');
  assert.equal(probe.width, 320);
  // From the keyframe at 1 s to the last frame before 5.5 s (5.48 s): 113 frames, 4.52 s.
  assert.equal(probe.frames.length, 113);
  assert.ok(Math.abs(probe.durationS - 4.52) < 0.02, `duration ${probe.durationS}`);
  assert.equal(probe.frames[0]!.ptsTime, 0);
  assert.ok(probe.frames[0]!.keyframe);
  assert.deepEqual(
    probe.frames.filter((f) => f.keyframe).map((f) => f.ptsTime),
    [0, 1, 2, 3, 4],
  );
});

test('an export across a hole in the recordings keeps the hole', async () => {
  const out = join(root, 'export-b.mp4');
  await pipeline(exportMp4(catalog, A, t0 + 7000, t0 + 20_000), createWriteStream(out));
  const probe = await probeFile(out);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.frames.length, 25 + 50);
  assert.ok(Math.abs(probe.frames[25]!.ptsTime - 11) < 0.001, `after the hole: ${probe.frames[25]!.ptsTime}`);
});

test('a bad range or a range with nothing recorded is refused before any byte is made', () => {
  assert.throws(() => exportMp4(catalog, A, t0 + 5000, t0 + 1000), { code: 'TIME_RANGE_INVALID' });
  assert.throws(() => exportMp4(catalog, A, Number.NaN, t0), { code: 'TIME_RANGE_INVALID' });
  assert.throws(() => exportMp4(catalog, A, t0 + 9000, t0 + 17_000), { code: 'RECORDING_NOT_FOUND' });
  assert.throws(() => exportMp4(catalog, 'cam-x/1', t0, t0 + 1000), { code: 'RECORDING_NOT_FOUND' });
});

test('an export stream destroyed early releases its reader (no pinned segment left)', async () => {
  const stream = exportMp4(catalog, A, t0, t0 + 8000);
  await new Promise<void>((resolve) => stream.once('readable', () => resolve()));
  stream.read();
  stream.destroy();
  await new Promise((r) => setImmediate(r));
  for (const s of catalog.allSegments(A)) assert.equal(catalog.isPinned(s), false);
});

test('an export across a format change carries the new SPS/PPS in-band and decodes cleanly', async () => {
  const small = await makeClip({ width: 160, height: 128, fps: 25, seconds: 2, gop: 25, profile: 'main' });
  const dir = await tempRoot();
  await record(dir, A, clip, clip.units, { dividerMs: 60_000 });
  await record(dir, A, small, retime(small.units, 360_000, 4000), { dividerMs: 60_000 });
  const c = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  await c.load();
  const out = join(dir, 'export-c.mp4');
  await pipeline(exportMp4(c, A, t0, t0 + 6000), createWriteStream(out));
  const probe = await probeFile(out);
  assert.deepEqual(probe.errors, []);
  assert.equal(probe.frames.length, 150);
  assert.deepEqual([probe.frames[99]!.width, probe.frames[100]!.width], [320, 160]);
  await c.close();
  await small.remove();
  await rm(dir, { recursive: true, force: true });
});
