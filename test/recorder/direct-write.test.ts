/**
 * Direct I/O for recordings (src-main/recorder/direct-write.ts) on the real file system of the test machine
 * (ext4 on these machines): the file is written with O_DIRECT, after every append it holds exactly the bytes
 * appended followed by one `free` box to its end (a valid MP4 at every moment), and `close` cuts it to its
 * true length, and a fragment up to the staging slab's size goes out in one write. Sizes cover the edges: a
 * fragment that fills the slab exactly, one larger than it (written a slab at a time), one that ends on a block,
 * and ones that leave 1 to 8 bytes of a block (too few for a `free` header). And a file
 * system that refuses O_DIRECT (ramfs, mounted for the test as root): the recorder writes through the page cache,
 * says so once, and its files are whole. And the same checks on xfs and btrfs, each made in a loop-mounted image
 * (btrfs checksums each block as it is written, so a buffer changed under a pending direct write would show).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, mkdtemp, readFile, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIRECT_BLOCK, O_DIRECT, STAGING_BYTES } from '../../src-main/recorder/direct-write.js';
import { SegmentWriter } from '../../src-main/recorder/segment-writer.js';
import { readBoxHeader } from '../../src-main/recorder/mp4/box-reader.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import type { SegmentInfo } from '../../src-main/storage/segment-index.js';
import { makeClip, type Clip } from './clip-fixture.js';
import { probeFile } from './ffprobe.js';
import { looped } from '../storage/record-fixture.js';

const run = promisify(execFile);

/** Bytes `0x00..0xff` repeating from `seed`, so a misplaced or repeated block shows as a mismatch. */
function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 7) & 0xff;
  return out;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/**
 * Appends fragments of every edge size to a new file in `dir` with direct I/O, checking the file byte for byte
 * after each append, and the write count; then closes it and checks the padding is gone.
 */
async function appendsExactly(dir: string, where: string): Promise<void> {
  const init = pattern(717, 1);
  const writer = await SegmentWriter.create(join(dir, 'a.mp4'), init, 'never', true);
  assert.equal(writer.directIo, true, `${where} takes direct I/O`);
  const written: Uint8Array[] = [init];
  const used = (): number => written.reduce((n, p) => n + p.byteLength, 0);
  // Lengths chosen from the current end so each edge is met exactly.
  const toBlockEnd = (extra: number): number => 2 * DIRECT_BLOCK - (used() % DIRECT_BLOCK) + extra;
  const sizes: Array<() => number[]> = [
    () => [1000, 2000, 3],
    () => [toBlockEnd(0)], // ends on a block: no padding
    () => [toBlockEnd(-1)], // 1 byte short of a block: the free box spills into the next
    () => [toBlockEnd(-7)],
    () => [toBlockEnd(-8)], // exactly a free header's room
    () => [STAGING_BYTES - (used() % DIRECT_BLOCK)], // fills the slab exactly
    () => [100_000, 300_000, 5], // a 4 Mbit/s second, in pieces
    () => [3 * 256 * 1024 + 11],
    () => [1],
    () => [STAGING_BYTES + 5000], // more than a slab: a slab at a time
    () => [3 * STAGING_BYTES + 11],
    () => [STAGING_BYTES - 3 * DIRECT_BLOCK, 17],
  ];
  for (const [i, sizesOf] of sizes.entries()) {
    const parts = sizesOf().map((n, k) => pattern(n, i * 31 + k));
    const writesBefore = writer.directWrites;
    const tail = used() % DIRECT_BLOCK;
    const bytes = parts.reduce((n, p) => n + p.byteLength, 0);
    await writer.append(parts);
    const writes = writer.directWrites - writesBefore;
    // One write per slab's worth, counting the partial block written again from the last append.
    assert.equal(writes, Math.ceil((tail + bytes) / STAGING_BYTES), `append ${i} (${bytes} B): ${writes} writes`);
    // A one-second fragment of a camera up to 8 Mbit/s is one write (each is a thread-pool round trip).
    if (bytes <= 1_000_000) assert.equal(writes, 1, `append ${i} (${bytes} B): one write`);
    written.push(...parts);
    const expected = concat(written);
    assert.equal(writer.bytes, expected.byteLength);
    const file = new Uint8Array(await readFile(writer.path));
    assert.deepEqual(file.subarray(0, expected.byteLength), expected, `append ${i}: the data`);
    assert.equal(file.byteLength % DIRECT_BLOCK, 0, `append ${i}: the file ends on a block`);
    if (file.byteLength > expected.byteLength) {
      const free = readBoxHeader(file, expected.byteLength, file.byteLength - expected.byteLength);
      assert.equal(free?.type, 'free', `append ${i}: padding is a free box`);
      assert.equal(expected.byteLength + free!.size, file.byteLength, `append ${i}: the free box runs to the end`);
    }
  }
  await writer.close();
  const final = new Uint8Array(await readFile(writer.path));
  assert.deepEqual(final, concat(written), 'closed: exactly the bytes appended');
  assert.equal((await stat(writer.path)).size, writer.bytes);
}

test('direct I/O: after every append the file is the bytes appended plus one free box; close cuts the padding', async (t) => {
  if (O_DIRECT === undefined) return t.skip('no O_DIRECT on this platform');
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-direct-'));
  try {
    await appendsExactly(dir, tmpdir());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('direct I/O is asked for only when wanted: tryDirect false writes through the page cache', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-direct-'));
  try {
    const writer = await SegmentWriter.create(join(dir, 'b.mp4'), pattern(100, 2), 'segment', false);
    assert.equal(writer.directIo, false);
    await writer.append([pattern(5000, 3)]);
    await writer.close();
    assert.equal((await stat(writer.path)).size, 5100);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/**
 * Records a 4-s clip twice over into `root` in 2-s files with a real StreamRecorder (the recorder asks for direct
 * I/O), then checks every file: its size is its catalog entry's (no padding left), ffprobe reads it without an
 * error and counts its frames, and a catalog loaded afresh from the folder (a restart) finds the same files.
 * Returns the recorder's log.
 */
async function recordsWhole(root: string, streamId: string, clip: Clip): Promise<string[]> {
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  const log: string[] = [];
  const recorder = new StreamRecorder({
    streamId,
    catalog,
    dividerMs: 2000,
    limitBytes: 1 << 30,
    log: (line) => log.push(line),
  });
  try {
    await catalog.load();
    recorder.setFormat(clip.format);
    for (const unit of looped(clip.units, 2)) recorder.write(unit);
    await recorder.close();
    const segments = catalog.allSegments(streamId);
    assert.ok(segments.length >= 3, `several files (${segments.length})`);
    for (const s of segments) {
      assert.equal((await stat(s.path)).size, s.bytes, `${s.id}: no padding left`);
      const probe = await probeFile(s.path);
      assert.deepEqual(probe.errors, [], s.id);
      assert.equal(probe.frames.length, s.frames);
    }
    const again = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
    try {
      await again.load();
      const seen = (list: readonly SegmentInfo[]) => list.map((s) => `${s.id} ${s.bytes} B ${s.frames} frames`);
      assert.deepEqual(seen(again.allSegments(streamId)), seen(segments), 'found again after a restart');
    } finally {
      await again.close();
    }
    return log;
  } finally {
    await recorder.close();
    await catalog.close();
  }
}

test('a file system that refuses direct I/O (ramfs): written through the page cache, said once, files whole', async (t) => {
  if (O_DIRECT === undefined) return t.skip('no O_DIRECT on this platform');
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-ramfs-'));
  try {
    await run('mount', ['-t', 'ramfs', 'ramfs', dir]);
  } catch {
    await rmdir(dir);
    return t.skip('cannot mount a ramfs here (needs root)');
  }
  const clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
  try {
    const log = await recordsWhole(dir, 'cam-ram/1-main', clip);
    assert.equal(log.filter((l) => l.includes('does not take direct I/O')).length, 1, log.join('\n'));
  } finally {
    await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
    await rmdir(dir);
    await clip.remove();
  }
});

/**
 * The disk file systems a recorder's folder may be on besides ext4, each made by its own mkfs in a sparse image
 * and loop-mounted (root, the kernel's driver and the mkfs tool needed; scripts/system-deps.mjs installs the
 * tools). Sizes are each tool's smallest or near it.
 */
const DISK_FILE_SYSTEMS = [
  { type: 'xfs', mkfs: 'mkfs.xfs', args: ['-q'], megabytes: 320 },
  { type: 'btrfs', mkfs: 'mkfs.btrfs', args: ['-q'], megabytes: 256 },
] as const;

for (const fs of DISK_FILE_SYSTEMS) {
  test(`direct I/O on ${fs.type} (loop-mounted): every append exact, recordings whole and found again`, async (t) => {
    if (O_DIRECT === undefined) return t.skip('no O_DIRECT on this platform');
    const known = await readFile('/proc/filesystems', 'utf8').catch(() => '');
    if (!known.split('\n').some((line) => line.trim().split(/\s+/).at(-1) === fs.type))
      return t.skip(`this kernel has no ${fs.type} driver loaded`);
    const work = await mkdtemp(join(tmpdir(), `thinstream-${fs.type}-`));
    const image = join(work, 'disk.img');
    const dir = join(work, 'mnt');
    let mounted = false;
    try {
      await mkdir(dir);
      await run('truncate', ['-s', `${fs.megabytes}M`, image]);
      try {
        await run(fs.mkfs, [...fs.args, image]);
      } catch (err) {
        return t.skip(`${fs.mkfs} is not usable here: ${(err as Error).message.split('\n')[0]}`);
      }
      try {
        await run('mount', ['-o', 'loop', image, dir]);
      } catch (err) {
        return t.skip(`cannot loop-mount here (needs root and loop devices): ${(err as Error).message.split('\n')[0]}`);
      }
      mounted = true;
      await appendsExactly(dir, fs.type);
      const clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
      try {
        const log = await recordsWhole(dir, `cam-${fs.type}/1-main`, clip);
        assert.deepEqual(
          log.filter((l) => l.includes('direct I/O')),
          [],
          `${fs.type} takes direct I/O`,
        );
      } finally {
        await clip.remove();
      }
    } finally {
      if (mounted) await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rm(work, { recursive: true, force: true });
    }
  });
}
