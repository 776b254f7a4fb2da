import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, readdir, rm, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { makeClip, type Clip } from '../recorder/clip-fixture.js';
import { probeFile } from '../recorder/ffprobe.js';
import { looped, record, tempRoot } from './record-fixture.js';

const A = 'cam-door/1-high';
const B = 'cam-door/2-mid';
let clip: Clip;
let root: string;
/** The index as the recorder built it, to compare scans against. */
let recorded: Array<{
  id: string;
  startMs: number;
  endMs: number;
  bytes: number;
  frames: number;
  keyframes: number;
  fragments: number;
}>;

before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
  root = await tempRoot();
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  const recorder = new StreamRecorder({
    streamId: A,
    catalog,
    dividerMs: 2000,
    limitBytes: 1 << 30,
    fragmentMaxMs: 500,
  });
  recorder.setFormat(clip.format);
  for (const u of looped(clip.units, 2)) recorder.write(u);
  await recorder.close();
  recorded = catalog.allSegments(A).map((s) => ({
    id: s.id,
    startMs: s.startMs,
    endMs: s.endMs,
    bytes: s.bytes,
    frames: s.frames,
    keyframes: s.keyframes,
    fragments: s.fragments.count,
  }));
  await catalog.close();
});
after(async () => {
  await clip.remove();
  await rm(root, { recursive: true, force: true });
});

async function copyOf(): Promise<string> {
  const dir = await tempRoot();
  const src = join(root, 'cam-door', '1-high');
  const dst = join(dir, 'cam-door', '1-high');
  await mkdir(dst, { recursive: true });
  for (const name of await readdir(src)) await copyFile(join(src, name), join(dst, name));
  return dir;
}

function summary(catalog: RecordingCatalog, streamId: string): typeof recorded {
  return catalog.allSegments(streamId).map((s) => ({
    id: s.id,
    startMs: s.startMs,
    endMs: s.endMs,
    bytes: s.bytes,
    frames: s.frames,
    keyframes: s.keyframes,
    fragments: s.fragments.count,
  }));
}

test('a start-up scan rebuilds the index the recorder made, with 1 or 8 files at once', async () => {
  for (const threads of [1, 8]) {
    const catalog = new RecordingCatalog({ rootPath: root, initialLoadThreads: threads, rescanIntervalMs: 0 });
    const report = await catalog.load();
    assert.deepEqual(summary(catalog, A), recorded);
    assert.equal(report.segments, 4);
    assert.equal(report.streams, 1);
    assert.deepEqual(report.repaired, []);
    assert.deepEqual(report.removed, []);
    assert.equal(catalog.loaded, true);
    const [first] = catalog.allSegments(A);
    assert.equal(first!.format.codecString, clip.format.codecString);
    assert.equal(first!.format.fps, 25);
    await catalog.close();
  }
});

test('queries: segments between two times and keyframes around a time', async () => {
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  await catalog.load();
  const t0 = clip.units[0]!.wallMs;
  assert.deepEqual(
    catalog.segments(A, t0 + 1500, t0 + 4500).map((s) => s.id),
    recorded.slice(0, 3).map((s) => s.id),
  );
  assert.deepEqual(catalog.segments(A, t0 - 10_000, t0 - 1), []);
  assert.deepEqual(catalog.segments(B, 0, Infinity), []);
  const k = catalog.keyframeAtOrBefore(A, t0 + 3700);
  assert.ok(k);
  assert.equal(k.timeMs, t0 + 3000);
  assert.equal(k.segment.id, recorded[1]!.id);
  assert.equal(k.byteOffset, k.segment.fragments.get(k.fragment).offset);
  assert.equal(catalog.keyframeAtOrBefore(A, t0 - 1), null);
  assert.equal(catalog.keyframeAtOrAfter(A, t0 + 3001)!.timeMs, t0 + 4000);
  assert.equal(catalog.keyframeAtOrAfter(A, t0 + 8000), null);
  assert.deepEqual(
    catalog.keyframeTimes(A, t0 + 1000, t0 + 4000).map((t) => t - t0),
    [1000, 2000, 3000],
  );
  const usage = catalog.usage();
  assert.equal(
    usage.totalBytes,
    recorded.reduce((n, s) => n + s.bytes, 0),
  );
  assert.equal(usage.streams.get(A)!.oldestMs, t0);
  // The O(1) figures the retention check reads after every fragment agree with the full walk.
  assert.equal(catalog.bytesUsed, usage.totalBytes);
  assert.equal(catalog.streamBytes(A), usage.streams.get(A)!.bytes);
  assert.equal(catalog.streamBytes(B), 0);
  assert.equal(usage.streams.get(A)!.newestMs, Math.max(...recorded.map((s) => s.endMs)));
  await catalog.close();
});

test('usage() and the byte totals hold for a stream with 150,000 files (months of short segments)', async () => {
  const dir = await tempRoot();
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  try {
    await catalog.load();
    const n = 150_000; // past the ~125,000 arguments a spread like Math.max(...list) can take
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < n; i++) {
      const id = `seg${i}.mp4`;
      const segment = catalog.beginSegment({
        streamId: B,
        id,
        path: join(dir, id),
        sequence: i + 1,
        startMs: t0 + i * 1000,
        format: clip.format,
        initBytes: 100,
      });
      catalog.appendFragment(segment, {
        offset: 100,
        size: 900,
        startTime90k: 0,
        duration90k: 90_000,
        samples: 25,
        keyframeSample: 0,
        keyframeTime90k: 0,
      });
      catalog.endSegment(segment);
    }
    const usage = catalog.usage();
    assert.equal(usage.streams.get(B)!.segments, n);
    assert.equal(usage.streams.get(B)!.newestMs, t0 + n * 1000);
    assert.equal(usage.totalBytes, n * 1000);
    assert.equal(catalog.bytesUsed, n * 1000);
    assert.equal(catalog.streamBytes(B), n * 1000);
  } finally {
    await catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged tail (a fragment cut short, or garbage) is cut back to the last complete fragment', async () => {
  const dir = await copyOf();
  const folder = join(dir, 'cam-door', '1-high');
  const [f1, f2, f3, f4] = recorded;
  // f1: cut in the middle of its last mdat; f2: cut inside its last moof; f3: zeros appended (power cut).
  await truncate(join(folder, f1!.id), f1!.bytes - 1000);
  const lastMoof2 = await lastFragmentOffset(dir, f2!.id);
  await truncate(join(folder, f2!.id), lastMoof2 + 20);
  await appendFile(join(folder, f3!.id), new Uint8Array(4096));
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  const report = await catalog.load();
  assert.equal(report.repaired.length, 3);
  const after = summary(catalog, A);
  assert.equal(after.length, 4);
  assert.equal(after[0]!.fragments, f1!.fragments - 1);
  assert.equal(after[1]!.fragments, f2!.fragments - 1);
  assert.deepEqual(after[2], f3);
  assert.deepEqual(after[3], f4);
  for (const s of catalog.allSegments(A)) {
    assert.equal((await stat(s.path)).size, s.bytes, `${s.id} was truncated to its index`);
    const probe = await probeFile(s.path);
    assert.deepEqual(probe.errors, []);
    assert.equal(probe.frames.length, s.frames);
  }
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

test('a file with no complete fragment is removed; unknown files are deleted or kept per keepUnknownFiles', async () => {
  for (const keep of [false, true]) {
    const dir = await copyOf();
    const folder = join(dir, 'cam-door', '1-high');
    const [f1] = recorded;
    const headerOnly = join(folder, '000099-20250102T040000.000Z.mp4');
    await copyFile(join(folder, f1!.id), headerOnly);
    await truncate(headerOnly, 900); // init (about 700 bytes) and a scrap of the first moof
    await writeFile(join(folder, 'notes.txt'), 'not video');
    await writeFile(join(folder, '000100-20250102T050000.000Z.mp4'), 'not an mp4 at all');
    await writeFile(join(dir, 'folder.cfg.json'), '{}'); // outside stream folders: never touched
    const catalog = new RecordingCatalog({ rootPath: dir, keepUnknownFiles: keep, rescanIntervalMs: 0 });
    const report = await catalog.load();
    assert.equal(catalog.allSegments(A).length, 4);
    const names = await readdir(folder);
    assert.ok(!names.includes('000099-20250102T040000.000Z.mp4'), 'the empty segment is removed');
    assert.equal(names.includes('notes.txt'), keep);
    assert.equal(names.includes('000100-20250102T050000.000Z.mp4'), keep);
    assert.equal(report.unknown.length, keep ? 2 : 0);
    assert.equal(report.removed.length, keep ? 1 : 3);
    assert.ok((await readdir(dir)).includes('folder.cfg.json'));
    await catalog.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('files added or removed by hand are picked up by a rescan', async () => {
  const dir = await copyOf();
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0, settleMs: 0 });
  await catalog.load();
  const events: string[] = [];
  catalog.onChange((e) => events.push(`${e.type} ${e.segment.streamId}/${e.segment.id}`));
  const [f1, f2] = recorded;
  await unlink(join(dir, 'cam-door', '1-high', f1!.id));
  await mkdir(join(dir, 'cam-door', '2-mid'), { recursive: true });
  await copyFile(join(root, 'cam-door', '1-high', f2!.id), join(dir, 'cam-door', '2-mid', f2!.id));
  await catalog.rescan();
  assert.deepEqual(
    summary(catalog, A).map((s) => s.id),
    recorded.slice(1).map((s) => s.id),
  );
  assert.deepEqual(summary(catalog, B), [f2]);
  assert.deepEqual(catalog.streamIds(), [A, B]);
  assert.deepEqual(events.sort(), [`added ${B}/${f2!.id}`, `removed ${A}/${f1!.id}`]);
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

test('read-only storage is indexed but never repaired, pruned or recorded into', async () => {
  const dir = await copyOf();
  const folder = join(dir, 'cam-door', '1-high');
  const [f1] = recorded;
  await truncate(join(folder, f1!.id), f1!.bytes - 1000);
  await writeFile(join(folder, 'notes.txt'), 'kept');
  const catalog = new RecordingCatalog({ rootPath: dir, isReadOnly: true, rescanIntervalMs: 0 });
  const report = await catalog.load();
  assert.equal(report.repaired.length, 1);
  assert.equal((await stat(join(folder, f1!.id))).size, f1!.bytes - 1000, 'not truncated');
  assert.ok((await readdir(folder)).includes('notes.txt'));
  assert.equal(await catalog.deleteSegment(catalog.allSegments(A)[1]!, 'test'), false);
  const recorder = new StreamRecorder({ streamId: B, catalog, dividerMs: 1000, limitBytes: 1 << 20 });
  recorder.setFormat(clip.format);
  for (const u of clip.units) recorder.write(u);
  await recorder.close();
  assert.equal(recorder.status().error?.code, 'STORAGE_READ_ONLY');
  assert.deepEqual(await readdir(join(dir, 'cam-door')), ['1-high']);
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

test('a pinned or open segment is never deleted', async () => {
  const dir = await tempRoot();
  await record(dir, A, clip, clip.units);
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  await catalog.load();
  const [s1, s2] = catalog.allSegments(A);
  const unpin = catalog.pin(s1!);
  assert.equal(await catalog.deleteSegment(s1!, 'test'), false);
  unpin();
  unpin(); // idempotent
  assert.equal(await catalog.deleteSegment(s1!, 'test'), true);
  await assert.rejects(stat(s1!.path), { code: 'ENOENT' });
  assert.deepEqual(
    catalog.allSegments(A).map((s) => s.id),
    [s2!.id],
  );
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

async function lastFragmentOffset(dir: string, id: string): Promise<number> {
  const c = new RecordingCatalog({ rootPath: dir, isReadOnly: true, rescanIntervalMs: 0 });
  await c.load();
  const s = c.allSegments(A).find((x) => x.id === id)!;
  const off = s.fragments.get(s.fragments.count - 1).offset;
  await c.close();
  return off;
}
