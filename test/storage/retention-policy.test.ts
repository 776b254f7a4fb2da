import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { RetentionPolicy } from '../../src-main/storage/retention-policy.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { makeClip, type Clip } from '../recorder/clip-fixture.js';
import { probeFile } from '../recorder/ffprobe.js';
import { looped, record, tempRoot } from './record-fixture.js';

const A = 'cam-door/1-high';
const B = 'cam-yard/1-high';
let clip: Clip;
before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25, bitrateKbps: 400 });
});
after(async () => {
  await clip.remove();
});

/** Bytes of every file under `dir`, as the disk has them. */
async function diskBytes(dir: string): Promise<{ total: number; largest: number; files: number }> {
  let total = 0;
  let largest = 0;
  let files = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const size = (await stat(join(entry.parentPath, entry.name))).size;
    total += size;
    largest = Math.max(largest, size);
    files++;
  }
  return { total, largest, files };
}

test('under a limit of a few hundred kB the folder never exceeds the limit plus one file while recording', async () => {
  const dir = await tempRoot();
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  await catalog.load();
  const limitBytes = 300 * 1024;
  const retention = new RetentionPolicy({ catalog, limitBytes, checkIntervalMs: 0 });
  const recorder = new StreamRecorder({ streamId: A, catalog, retention, dividerMs: 1000, limitBytes: 1 << 30 });
  recorder.setFormat(clip.format);
  const units = looped(clip.units, 8); // 32 s, about 1.6 MB
  let worst = 0;
  let largest = 0;
  for (let i = 0; i < units.length; i++) {
    recorder.write(units[i]!);
    if (i % 10 === 9) {
      await recorder.flushed();
      await retention.idle(); // runs by itself after each fragment that takes the total over the limit
      const d = await diskBytes(dir);
      worst = Math.max(worst, d.total);
      largest = Math.max(largest, d.largest);
    }
  }
  await recorder.close();
  await retention.idle();
  assert.ok(worst <= limitBytes + largest, `folder reached ${worst} bytes; limit ${limitBytes} + one file ${largest}`);
  const final = await diskBytes(dir);
  assert.ok(final.total <= limitBytes, `${final.total} bytes left`);
  assert.ok(retention.deletedBytes > 1_000_000, `deleted ${retention.deletedBytes}`);
  // What is left is the newest recording, every file whole.
  const left = catalog.allSegments(A);
  assert.equal(left.at(-1)!.endMs, units.at(-1)!.wallMs + 40);
  for (const s of left) assert.deepEqual((await probeFile(s.path, { frames: false })).errors, []);
  retention.close();
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

test('per-stream limits and maximum age delete only that stream, oldest first', async () => {
  const dir = await tempRoot();
  await record(dir, A, clip, looped(clip.units, 2), { dividerMs: 1000 });
  await record(dir, B, clip, looped(clip.units, 2), { dividerMs: 1000 });
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  await catalog.load();
  const before = catalog.usage();
  const t0 = clip.units[0]!.wallMs;
  const retention = new RetentionPolicy({
    catalog,
    limitBytes: 0,
    checkIntervalMs: 0,
    now: () => t0 + 10_000,
    streams: { [A]: { limitBytes: Math.floor(before.streams.get(A)!.bytes / 2) }, [B]: { maxAgeMs: 5000 } },
  });
  const report = await retention.enforce();
  const a = catalog.allSegments(A);
  const b = catalog.allSegments(B);
  assert.ok(catalog.usage().streams.get(A)!.bytes <= before.streams.get(A)!.bytes / 2);
  assert.equal(a.at(-1)!.endMs, t0 + 8000, 'the newest of A is kept');
  assert.ok(a[0]!.startMs >= t0 + 3000);
  // B: files that ended before t0 + 5 s are gone.
  assert.deepEqual(
    b.map((s) => s.startMs - t0),
    [4000, 5000, 6000, 7000],
  );
  assert.ok(report.deleted.every((d) => d.reason.length > 0));
  retention.close();
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

test('a pinned segment survives a limit it breaks; it goes once unpinned', async () => {
  const dir = await tempRoot();
  await record(dir, A, clip, clip.units, { dividerMs: 1000 });
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  await catalog.load();
  const oldest = catalog.allSegments(A)[0]!;
  const unpin = catalog.pin(oldest);
  const retention = new RetentionPolicy({ catalog, limitBytes: 1, checkIntervalMs: 0 });
  const report = await retention.enforce();
  assert.equal(report.overLimit, true);
  assert.deepEqual(
    catalog.allSegments(A).map((s) => s.id),
    [oldest.id],
  );
  unpin();
  await retention.enforce();
  assert.deepEqual(catalog.allSegments(A), []);
  assert.deepEqual(await readdir(join(dir, 'cam-door', '1-high')), []);
  retention.close();
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});
