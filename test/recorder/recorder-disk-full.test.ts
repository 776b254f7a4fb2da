/**
 * A full disk and an unwritable folder, for real: a small tmpfs, or a small ext4 image on a loop device (where
 * recordings are written with direct I/O, direct-write.ts), mounted for the test (needs root, as the test
 * machines run; skipped with a reason elsewhere). No fault injection.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { RetentionPolicy } from '../../src-main/storage/retention-policy.js';
import { StreamRecorder, type RecorderStatus } from '../../src-main/recorder/stream-recorder.js';
import { SegmentWriter } from '../../src-main/recorder/segment-writer.js';
import { buildInitSegment } from '../../src-main/recorder/mp4/init-segment.js';
import { makeClip, type Clip } from './clip-fixture.js';
import { probeFile } from './ffprobe.js';
import { looped } from '../storage/record-fixture.js';

const run = promisify(execFile);
const STREAM = 'cam-door/1-high';
let clip: Clip;

before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25, bitrateKbps: 400 });
});
after(async () => {
  await clip.remove();
});

interface Mount {
  dir: string;
  remount(options: string): Promise<void>;
  unmount(): Promise<void>;
}

async function mountTmpfs(options: string): Promise<Mount | null> {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  } catch {
    await rmdir(dir);
    return null;
  }
  return mounted(dir, async () => undefined);
}

/** A fresh ext4 file system of `megabytes` in an image file, on a loop device. */
async function mountExt4(megabytes: number): Promise<Mount | null> {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-ext4-'));
  const image = `${dir}.img`;
  try {
    await run('truncate', ['-s', `${megabytes}M`, image]);
    await run('mkfs.ext4', ['-q', '-F', '-m', '0', image]);
    await run('mount', ['-o', 'loop', image, dir]);
  } catch {
    await rmdir(dir);
    await rm(image, { force: true });
    return null;
  }
  return mounted(dir, () => rm(image, { force: true }));
}

function mounted(dir: string, cleanup: () => Promise<void>): Mount {
  return {
    dir,
    remount: async (o) => void (await run('mount', ['-o', `remount,${o}`, dir])),
    unmount: async () => {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rmdir(dir);
      await cleanup();
    },
  };
}

/** Fills the file system until `leaveBytes` are free; returns the filler's path. */
async function fill(dir: string, leaveBytes: number): Promise<string> {
  const path = join(dir, 'filler.bin');
  const fh = await open(path, 'w');
  const chunk = new Uint8Array(64 * 1024);
  try {
    for (;;) {
      const s = await import('node:fs/promises').then((fs) => fs.statfs(dir));
      const free = s.bavail * s.bsize;
      if (free <= leaveBytes) break;
      await fh.write(chunk, 0, Math.min(chunk.byteLength, Math.max(4096, free - leaveBytes)));
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await fh.close();
  }
  return path;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Feeds units a GOP at a time with a pause between (so retry timers can run), until `until()` or the end. */
async function feed(
  recorder: StreamRecorder,
  units: readonly AccessUnit[],
  until: () => boolean,
  pauseMs = 30,
): Promise<number> {
  let i = 0;
  while (i < units.length && !until()) {
    for (let k = 0; k < 25 && i < units.length; k++) recorder.write(units[i++]!);
    await recorder.flushed();
    await sleep(pauseMs);
  }
  return i;
}

async function assertFilesWhole(catalog: RecordingCatalog): Promise<void> {
  for (const s of catalog.allSegments(STREAM)) {
    assert.equal((await stat(s.path)).size, s.bytes, `${s.id} holds exactly its complete fragments`);
    const probe = await probeFile(s.path);
    assert.deepEqual(probe.errors, [], s.id);
    assert.equal(probe.frames.length, s.frames);
  }
}

/** Fills `mount` to 300 kB free, records into it until STORAGE_FULL, then frees the space and sees it resume. */
async function fullDiskStopsAndResumes(mount: Mount): Promise<void> {
  const catalog = new RecordingCatalog({ rootPath: join(mount.dir, 'rec'), rescanIntervalMs: 0 });
  const statuses: RecorderStatus[] = [];
  const recorder = new StreamRecorder({
    streamId: STREAM,
    catalog,
    dividerMs: 2000,
    limitBytes: 1 << 30,
    retryMs: 100,
    resumeFreeBytes: 200 * 1024,
    onStatus: (s) => statuses.push(s),
  });
  try {
    await catalog.load();
    const filler = await fill(mount.dir, 300 * 1024);
    recorder.setFormat(clip.format);
    const units = looped(clip.units, 6);
    const used = await feed(recorder, units, () => recorder.status().state === 'failed');
    const failed = recorder.status();
    assert.equal(failed.state, 'failed');
    assert.equal(failed.error?.code, 'STORAGE_FULL');
    assert.match(failed.error!.message, /recording cam-door\/1-high stopped: the disk is full \(ENOSPC/);
    assert.equal(failed.segment, null);
    await assertFilesWhole(catalog);
    assert.ok(catalog.allSegments(STREAM).length >= 1, 'what fitted was kept');
    // Still failing while the disk is full: units are dropped, nothing breaks.
    await feed(recorder, units.slice(used, used + 50), () => false);
    assert.equal(recorder.status().state, 'failed');
    // Space returns: the recorder starts a new file by itself at a keyframe.
    await rm(filler);
    await feed(recorder, units.slice(used + 50), () => recorder.status().state === 'recording');
    assert.equal(recorder.status().state, 'recording');
    assert.equal(recorder.status().error, null);
    await recorder.close();
    await assertFilesWhole(catalog);
    const changes = statuses.map((s) => s.state).filter((state, i, all) => i === 0 || all[i - 1] !== state);
    assert.deepEqual(changes, ['recording', 'failed', 'recording', 'stopped'], 'no retry while the disk stays full');
  } finally {
    await recorder.close();
    await catalog.close();
    await mount.unmount();
  }
}

test('a full disk stops recording with STORAGE_FULL, damages nothing, and recording resumes when space returns', async (t) => {
  const mount = await mountTmpfs('size=4m');
  if (mount === null) return t.skip('cannot mount a tmpfs here (needs root)');
  await fullDiskStopsAndResumes(mount);
});

test('the same on ext4, where the recorder writes with direct I/O (a short or refused write mid-fragment)', async (t) => {
  const mount = await mountExt4(8);
  if (mount === null) return t.skip('cannot make and mount an ext4 image here (needs root and a loop device)');
  const probe = await SegmentWriter.create(join(mount.dir, 'probe.mp4'), buildInitSegment(clip.format), 'never', true);
  await probe.close();
  await rm(probe.path);
  assert.equal(probe.directIo, true, 'ext4 takes direct I/O');
  await fullDiskStopsAndResumes(mount);
});

test('on a full disk retention deletes the oldest recordings and recording resumes without help', async (t) => {
  const mount = await mountTmpfs('size=4m');
  if (mount === null) return t.skip('cannot mount a tmpfs here (needs root)');
  const catalog = new RecordingCatalog({ rootPath: join(mount.dir, 'rec'), rescanIntervalMs: 0 });
  const retention = new RetentionPolicy({
    catalog,
    limitBytes: 2 ** 40,
    checkIntervalMs: 0,
    reclaimBytes: 400 * 1024,
  });
  const recorder = new StreamRecorder({
    streamId: STREAM,
    catalog,
    retention,
    dividerMs: 1000,
    limitBytes: 1 << 30,
    retryMs: 100,
    resumeFreeBytes: 200 * 1024,
  });
  try {
    await catalog.load();
    recorder.setFormat(clip.format);
    const units = looped(clip.units, 12);
    let i = await feed(recorder, units.slice(0, 500), () => false, 0); // 20 s, about 1 MB
    const firstIds = catalog.allSegments(STREAM).map((s) => s.id);
    await fill(mount.dir, 100 * 1024);
    i += await feed(recorder, units.slice(i), () => recorder.status().state === 'failed', 0);
    assert.equal(recorder.status().error?.code, 'STORAGE_FULL');
    await feed(recorder, units.slice(i), () => recorder.status().state === 'recording');
    assert.equal(recorder.status().state, 'recording', 'resumed once retention made room');
    await retention.idle();
    const ids = catalog.allSegments(STREAM).map((s) => s.id);
    assert.ok(!ids.includes(firstIds[0]!), 'the oldest file was deleted');
    assert.ok(retention.deletedBytes >= 400 * 1024);
    await recorder.close();
    await assertFilesWhole(catalog);
  } finally {
    await recorder.close();
    retention.close();
    await catalog.close();
    await mount.unmount();
  }
});

test('an unwritable (read-only mounted) folder fails with STORAGE_UNWRITABLE and recovers when writable', async (t) => {
  const mount = await mountTmpfs('size=2m,ro');
  if (mount === null) return t.skip('cannot mount a tmpfs here (needs root)');
  const catalog = new RecordingCatalog({ rootPath: mount.dir, rescanIntervalMs: 0 });
  const recorder = new StreamRecorder({
    streamId: STREAM,
    catalog,
    dividerMs: 2000,
    limitBytes: 1 << 30,
    retryMs: 100,
  });
  try {
    await catalog.load();
    recorder.setFormat(clip.format);
    const units = looped(clip.units, 3);
    const used = await feed(recorder, units, () => recorder.status().state === 'failed');
    const status = recorder.status();
    assert.equal(status.error?.code, 'STORAGE_UNWRITABLE');
    assert.match(status.error!.message, /EROFS/);
    assert.match(status.error!.message, /read-only/);
    await mount.remount('rw');
    await feed(recorder, units.slice(used), () => recorder.status().state === 'recording');
    assert.equal(recorder.status().state, 'recording');
    await recorder.close();
    assert.equal(catalog.allSegments(STREAM).length >= 1, true);
    await assertFilesWhole(catalog);
  } finally {
    await recorder.close();
    await catalog.close();
    await mount.unmount();
  }
});
