/**
 * The disk side of a StreamRecorder: one serial queue of jobs (open a file, append a fragment, close
 * it), run in order without blocking the caller. Each fragment is reported to the catalog once it is
 * on disk, so readers never see a fragment that is not there. After a failed job, the rest of that
 * file's jobs are skipped and the failure is reported once; jobs of later files run normally.
 */
import { mkdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import type { ThinStreamError } from '../../src-shared/errors.js';
import type { RecordingCatalog } from '../storage/recording-catalog.js';
import type { RetentionPolicy } from '../storage/retention-policy.js';
import type { FragmentEntry, SegmentInfo } from '../storage/segment-index.js';
import { storageError } from '../storage/storage-error.js';
import { listFiles } from '../storage/folder-scan.js';
import { buildInitSegment } from './mp4/init-segment.js';
import { formatSegmentName, parseSegmentName } from './segment-name.js';
import { SegmentWriter, syncFolder, type FsyncPolicy } from './segment-writer.js';

/** A file as the recorder sees it: known at once; its name and catalog entry come when the open job runs. */
export interface OpenSegment {
  startMs: number;
  startDts90k: number;
  format: VideoFormat;
  /** Bytes the file will hold once every queued job is done (init + fragments). */
  bytes: number;
  /** Media time (90 kHz from the file's start) where the last fragment handed out ends. */
  end90k: number;
  fragmentSequence: number;
  failed: boolean;
  info: SegmentInfo | null;
  writer: SegmentWriter | null;
}

type Job =
  | { kind: 'open'; seg: OpenSegment; init: Uint8Array }
  | {
      kind: 'append';
      seg: OpenSegment;
      data: Uint8Array | readonly Uint8Array[];
      bytes: number;
      entry: FragmentEntry;
      done: (() => void) | null;
    }
  | { kind: 'close'; seg: OpenSegment };

export interface SegmentDiskQueueOptions {
  streamId: StreamId;
  catalog: RecordingCatalog;
  retention: RetentionPolicy | null;
  folder: string;
  nameDigits: number;
  fsync: FsyncPolicy;
  log: (line: string) => void;
  onOpened(seg: OpenSegment): void;
  onFailure(seg: OpenSegment, err: ThinStreamError): void;
}

export class SegmentDiskQueue {
  queuedBytes = 0;
  /** The most recent segment handed to `open`. */
  lastSegment: OpenSegment | null = null;
  private readonly jobs: Job[] = [];
  private running = false;
  private waiters: Array<() => void> = [];
  private nextSequence: number | null = null;
  /** Whether the next file tries direct I/O (direct-write.ts): until the file system first refuses it. */
  private directIo = true;
  private readonly totals = { bytesWritten: 0, fragments: 0, segments: 0, writeMs: 0 };

  constructor(private readonly o: SegmentDiskQueueOptions) {}

  stats(): { bytesWritten: number; fragments: number; segments: number; writeMs: number; queuedBytes: number } {
    const current = this.lastSegment?.writer?.writeMs ?? 0;
    return { ...this.totals, writeMs: this.totals.writeMs + current, queuedBytes: this.queuedBytes };
  }

  open(startMs: number, startDts90k: number, format: VideoFormat): OpenSegment {
    const init = buildInitSegment(format, { creationMs: startMs });
    const seg: OpenSegment = {
      startMs,
      startDts90k,
      format,
      bytes: init.byteLength,
      end90k: 0,
      fragmentSequence: 0,
      failed: false,
      info: null,
      writer: null,
    };
    this.lastSegment = seg;
    this.push({ kind: 'open', seg, init }, init.byteLength);
    return seg;
  }

  /**
   * One fragment: a buffer, or the pieces of a gathered write (FragmentBuilder.buildParts), `entry.size` bytes.
   * `done` is called once, when `data` is no longer needed: written, failed or skipped.
   */
  append(
    seg: OpenSegment,
    data: Uint8Array | readonly Uint8Array[],
    entry: FragmentEntry,
    done: (() => void) | null = null,
  ): void {
    this.push({ kind: 'append', seg, data, bytes: entry.size, entry, done }, entry.size);
  }

  close(seg: OpenSegment): void {
    this.push({ kind: 'close', seg }, 0);
  }

  /** Resolves when every job queued so far has run. */
  drained(): Promise<void> {
    if (!this.running && this.jobs.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private push(job: Job, bytes: number): void {
    this.jobs.push(job);
    this.queuedBytes += bytes;
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.jobs.length > 0) {
      const job = this.jobs.shift()!;
      try {
        await this.exec(job);
      } catch (err) {
        await this.fail(job, err);
      }
      if (job.kind === 'append') job.done?.();
      this.queuedBytes -= job.kind === 'open' ? job.init.byteLength : job.kind === 'append' ? job.bytes : 0;
    }
    this.running = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async exec(job: Job): Promise<void> {
    const seg = job.seg;
    if (seg.failed) {
      if (job.kind === 'close') await this.finish(seg, false);
      return;
    }
    switch (job.kind) {
      case 'open':
        return this.create(seg, job.init);
      case 'append':
        await seg.writer!.append(job.data);
        this.totals.bytesWritten += job.bytes;
        this.totals.fragments++;
        this.o.catalog.appendFragment(seg.info!, job.entry);
        this.o.retention?.check();
        return;
      case 'close':
        return this.finish(seg, true);
    }
  }

  private async create(seg: OpenSegment, init: Uint8Array): Promise<void> {
    if ((await makeFolders(this.o.folder)) && this.o.fsync !== 'never') await syncFolder(dirname(this.o.folder));
    if (this.nextSequence === null) {
      let max = 0;
      for (const name of await listFiles(this.o.folder)) max = Math.max(max, parseSegmentName(name)?.sequence ?? 0);
      for (const s of this.o.catalog.allSegments(this.o.streamId)) max = Math.max(max, s.sequence);
      this.nextSequence = max + 1;
    }
    const sequence = this.nextSequence++;
    const id = formatSegmentName(sequence, seg.startMs, this.o.nameDigits);
    const path = join(this.o.folder, id);
    // Registered before the file exists, so a catalog scan running meanwhile leaves it alone.
    seg.info = this.o.catalog.beginSegment({
      streamId: this.o.streamId,
      id,
      path,
      sequence,
      startMs: seg.startMs,
      format: seg.format,
      initBytes: init.byteLength,
    });
    seg.writer = await SegmentWriter.create(path, init, this.o.fsync, this.directIo);
    if (this.directIo && !seg.writer.directIo) {
      this.directIo = false;
      this.o.log(
        `recording ${this.o.streamId}: ${this.o.folder} does not take direct I/O; writing through the page cache`,
      );
    }
    this.totals.bytesWritten += init.byteLength;
    this.totals.segments++;
    this.o.onOpened(seg);
  }

  /** Closes the file; one that got no fragment is deleted (it holds no video). */
  private async finish(seg: OpenSegment, flush: boolean): Promise<void> {
    const writer = seg.writer;
    seg.writer = null;
    if (writer !== null) {
      try {
        if (flush) await writer.close();
        else await writer.abort();
      } finally {
        this.totals.writeMs += writer.writeMs;
      }
    }
    if (seg.info !== null) {
      const empty = seg.info.fragments.count === 0;
      this.o.catalog.endSegment(seg.info);
      if (empty && writer !== null) await unlink(seg.info.path).catch(() => undefined);
      this.o.retention?.check();
    }
  }

  private async fail(job: Job, err: unknown): Promise<void> {
    const seg = job.seg;
    const path = seg.info?.path ?? this.o.folder;
    const error = storageError(err, `recording ${this.o.streamId}`, job.kind === 'open' ? 'creating' : 'writing', path);
    if (seg.failed) return;
    seg.failed = true;
    // Later files queued behind this one would hit the same wall: drop them too (their close jobs still run).
    for (const queued of this.jobs) queued.seg.failed = true;
    await this.finish(seg, false).catch(() => undefined);
    this.o.onFailure(seg, error);
    if (error.code === 'STORAGE_FULL') this.o.retention?.makeRoom(this.o.streamId);
  }
}

/**
 * `mkdir -p` that reports the real reason: Node's recursive mkdir answers ENOENT where a parent is on a
 * read-only file system (EROFS) or not writable. True when the folder was created.
 */
async function makeFolders(path: string): Promise<boolean> {
  try {
    await mkdir(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'ENOENT' || dirname(path) === path) throw err;
  }
  await makeFolders(dirname(path));
  try {
    await mkdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return true;
}
