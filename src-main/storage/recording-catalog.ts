/**
 * The in-memory index of every recording under the storage root, rebuilt from the folders at start
 * (in parallel, `initialLoadThreads` files at once) and kept current by the recorders (which report each
 * segment they open, each fragment they append and each close) and by rescans that pick up files
 * added or removed by hand. Damaged tails left by a crash are cut during the scan (never on read-only
 * storage). Queries: segments between two times, the keyframe at or before a time, readers.
 */
import { unlink } from 'node:fs/promises';
import type { StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { scanStorage, type ScanIndex, type ScanReport } from './catalog-scan.js';

export type { ScanReport } from './catalog-scan.js';
import { streamFolderPath } from './folder-scan.js';
import { RecordingReader, type ReaderOptions } from './recording-reader.js';
import { FragmentTimeline, type FragmentEntry, type SegmentInfo } from './segment-index.js';

export interface RecordingCatalogOptions {
  rootPath: string;
  /** Never write, repair or delete anything under the root (the original's `isReadOnly`). */
  isReadOnly?: boolean;
  /** Files in stream folders that are not segments: kept (true) or deleted (false, the original's default). */
  keepUnknownFiles?: boolean;
  /** Files scanned at once at start (the original's `initialLoadThreads`). */
  initialLoadThreads?: number;
  /** How often to look for files added or removed by hand; 0 turns it off. Default 60 s. */
  rescanIntervalMs?: number;
  /** During rescans, files changed more recently than this are left for the next one (a copy in progress). */
  settleMs?: number;
  log?: (line: string) => void;
}

export type CatalogEvent =
  | { type: 'added'; segment: SegmentInfo }
  | { type: 'grown'; segment: SegmentInfo }
  | { type: 'closed'; segment: SegmentInfo }
  | { type: 'removed'; segment: SegmentInfo; reason: string };

export interface KeyframeRef {
  segment: SegmentInfo;
  fragment: number;
  sample: number;
  /** Wall-clock time of the keyframe (ms since the epoch). */
  timeMs: number;
  /** File offset of the fragment that starts with (or holds) the keyframe. */
  byteOffset: number;
}

interface StreamEntry {
  segments: SegmentInfo[];
  bytes: number;
}

export class RecordingCatalog {
  readonly rootPath: string;
  readonly isReadOnly: boolean;
  private readonly keepUnknownFiles: boolean;
  private readonly threads: number;
  private readonly settleMs: number;
  private readonly log: (line: string) => void;
  private readonly streams = new Map<StreamId, StreamEntry>();
  private readonly pins = new Map<SegmentInfo, number>();
  private readonly listeners = new Set<(event: CatalogEvent) => void>();
  private totalBytes = 0;
  private loadPromise: Promise<ScanReport> | null = null;
  private scanning: Promise<ScanReport> | null = null;
  private isLoaded = false;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(options: RecordingCatalogOptions) {
    this.rootPath = options.rootPath;
    this.isReadOnly = options.isReadOnly ?? false;
    this.keepUnknownFiles = options.keepUnknownFiles ?? false;
    this.threads = Math.max(1, options.initialLoadThreads ?? 8);
    this.settleMs = options.settleMs ?? 10_000;
    this.log = options.log ?? (() => undefined);
    const every = options.rescanIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        if (this.isLoaded && this.scanning === null) {
          this.rescan().catch((err: unknown) => this.log(`storage rescan of ${this.rootPath} failed: ${String(err)}`));
        }
      }, every);
    }
  }

  /** True once the start-up scan has finished. */
  get loaded(): boolean {
    return this.isLoaded;
  }

  /** The start-up scan (and crash recovery); later calls return the same result. */
  load(): Promise<ScanReport> {
    this.loadPromise ??= this.scan(true).then((report) => {
      this.isLoaded = true;
      return report;
    });
    return this.loadPromise;
  }

  /** Looks for files added or removed by hand; waits for a scan already running instead of starting a second. */
  async rescan(): Promise<ScanReport> {
    if (!this.isLoaded) return this.load();
    if (this.scanning !== null) return this.scanning;
    return this.scan(false);
  }

  /** `<rootPath>/<deviceUid>/<versionSid>`. */
  folderOf(streamId: StreamId): string {
    const slash = streamId.indexOf('/');
    return streamFolderPath(this.rootPath, streamId.slice(0, slash), streamId.slice(slash + 1));
  }

  onChange(listener: (event: CatalogEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- Queries -----------------------------------------------------------------------------------

  streamIds(): StreamId[] {
    return [...this.streams.keys()].filter((id) => this.streams.get(id)!.segments.length > 0).sort();
  }

  /** Every segment of a stream, oldest first (do not modify). */
  allSegments(streamId: StreamId): readonly SegmentInfo[] {
    return this.streams.get(streamId)?.segments ?? [];
  }

  /** Segments that hold any time in [fromMs, toMs), oldest first. */
  segments(streamId: StreamId, fromMs: number, toMs: number): SegmentInfo[] {
    return this.allSegments(streamId).filter((s) => s.fragments.count > 0 && s.startMs < toMs && s.endMs > fromMs);
  }

  /** The segment after `segment` in its stream, or null. */
  segmentAfter(segment: SegmentInfo): SegmentInfo | null {
    const list = this.allSegments(segment.streamId);
    const i = list.indexOf(segment);
    if (i >= 0) return list[i + 1] ?? null;
    // The segment left the index (deleted by hand): the first that starts after it.
    return (
      list.find(
        (s) => s.startMs > segment.startMs || (s.startMs === segment.startMs && s.sequence > segment.sequence),
      ) ?? null
    );
  }

  /** The last keyframe at or before `timeMs`; when the time is before every recording, null. */
  keyframeAtOrBefore(streamId: StreamId, timeMs: number): KeyframeRef | null {
    const list = this.allSegments(streamId);
    for (let i = list.length - 1; i >= 0; i--) {
      const s = list[i]!;
      if (s.startMs > timeMs || s.fragments.count === 0) continue;
      const k = s.fragments.keyframeAtOrBefore((timeMs - s.startMs) * 90);
      if (k !== null) return this.ref(s, k);
    }
    return null;
  }

  /** The first keyframe at or after `timeMs`, or null. */
  keyframeAtOrAfter(streamId: StreamId, timeMs: number): KeyframeRef | null {
    for (const s of this.allSegments(streamId)) {
      if (s.endMs <= timeMs || s.fragments.count === 0) continue;
      const k = s.fragments.keyframeAtOrAfter(Math.max(0, (timeMs - s.startMs) * 90));
      if (k !== null) return this.ref(s, k);
    }
    return null;
  }

  /** Wall-clock times of the indexed keyframes in [fromMs, toMs), oldest first (one per fragment at most). */
  keyframeTimes(streamId: StreamId, fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    for (const s of this.segments(streamId, fromMs, toMs)) {
      for (let i = 0; i < s.fragments.count; i++) {
        const kt = s.fragments.get(i).keyframeTime90k;
        if (kt < 0) continue;
        const t = s.startMs + kt / 90;
        if (t >= fromMs && t < toMs) out.push(t);
      }
    }
    return out;
  }

  /** A reader of access units from the keyframe at or before `fromMs` (or the first after it). */
  openReader(streamId: StreamId, fromMs: number, options: ReaderOptions = {}): RecordingReader {
    return new RecordingReader(this, streamId, fromMs, options);
  }

  /** Bytes of every recording together (kept as fragments land: O(1), for the check after each fragment). */
  get bytesUsed(): number {
    return this.totalBytes;
  }

  /** Bytes of one stream's recordings (O(1)). */
  streamBytes(streamId: StreamId): number {
    return this.streams.get(streamId)?.bytes ?? 0;
  }

  /** Bytes of recordings, in total and per stream, with each stream's file count and time span. */
  usage(): {
    totalBytes: number;
    streams: Map<StreamId, { bytes: number; segments: number; oldestMs: number | null; newestMs: number | null }>;
  } {
    const streams = new Map<
      StreamId,
      { bytes: number; segments: number; oldestMs: number | null; newestMs: number | null }
    >();
    for (const [id, entry] of this.streams) {
      if (entry.segments.length === 0) continue;
      streams.set(id, {
        bytes: entry.bytes,
        segments: entry.segments.length,
        oldestMs: entry.segments[0]!.startMs,
        newestMs: latestEnd(entry.segments),
      });
    }
    return { totalBytes: this.totalBytes, streams };
  }

  // ---- Pins (readers) ------------------------------------------------------------------------------

  /** Keeps retention away from a segment while it is played back; returns the unpin function (idempotent). */
  pin(segment: SegmentInfo): () => void {
    this.pins.set(segment, (this.pins.get(segment) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.pins.get(segment) ?? 1) - 1;
      if (n <= 0) this.pins.delete(segment);
      else this.pins.set(segment, n);
    };
  }

  isPinned(segment: SegmentInfo): boolean {
    return this.pins.has(segment);
  }

  /** Deletes a closed, unpinned segment's file and forgets it. False when it may not be deleted now. */
  async deleteSegment(segment: SegmentInfo, reason: string): Promise<boolean> {
    if (this.isReadOnly || segment.open || this.isPinned(segment)) return false;
    if (!this.remove(segment, reason)) return false;
    try {
      await unlink(segment.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        this.log(`could not delete ${segment.path}: ${String(err)}`);
      }
    }
    return true;
  }

  // ---- Recorder side -------------------------------------------------------------------------------

  /**
   * A recorder is about to create a segment file: registered first, so a scan running meanwhile leaves
   * the file alone. It has no fragment yet, so queries skip it until `appendFragment`.
   */
  beginSegment(o: {
    streamId: StreamId;
    id: string;
    path: string;
    sequence: number;
    startMs: number;
    format: VideoFormat;
    initBytes: number;
  }): SegmentInfo {
    if (this.isReadOnly) throw new ThinStreamError('STORAGE_READ_ONLY', `storage ${this.rootPath} is read-only`);
    const segment: SegmentInfo = {
      streamId: o.streamId,
      id: o.id,
      path: o.path,
      sequence: o.sequence,
      startMs: o.startMs,
      endMs: o.startMs,
      bytes: o.initBytes,
      frames: 0,
      keyframes: 0,
      open: true,
      format: o.format,
      timescale: 90_000,
      baseDecodeTime90k: 0,
      nalLengthBytes: 4,
      fragments: new FragmentTimeline(),
    };
    this.insert(segment);
    return segment;
  }

  /** A fragment was appended and is on disk (readers may read it now). */
  appendFragment(segment: SegmentInfo, entry: FragmentEntry): void {
    segment.fragments.push(entry);
    segment.frames += entry.samples;
    if (entry.keyframeSample >= 0) segment.keyframes++;
    segment.endMs = segment.startMs + segment.fragments.end90k / 90;
    this.addBytes(segment, entry.offset + entry.size - segment.bytes);
    this.emit({ type: 'grown', segment });
  }

  /** The recorder finished the segment; one with no fragment is forgotten (the recorder deletes its file). */
  endSegment(segment: SegmentInfo): void {
    segment.open = false;
    if (segment.fragments.count === 0) this.remove(segment, 'no complete fragment');
    else this.emit({ type: 'closed', segment });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    await this.scanning?.catch(() => undefined);
  }

  // ---- Internals -----------------------------------------------------------------------------------

  private has(streamId: StreamId, id: string): boolean {
    return this.allSegments(streamId).some((s) => s.id === id);
  }

  private ref(s: SegmentInfo, k: { fragment: number; sample: number; time90k: number }): KeyframeRef {
    return {
      segment: s,
      fragment: k.fragment,
      sample: k.sample,
      timeMs: s.startMs + k.time90k / 90,
      byteOffset: s.fragments.get(k.fragment).offset,
    };
  }

  private emit(event: CatalogEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log(`catalog listener failed: ${String(err)}`);
      }
    }
  }

  private entry(streamId: StreamId): StreamEntry {
    let e = this.streams.get(streamId);
    if (!e) {
      e = { segments: [], bytes: 0 };
      this.streams.set(streamId, e);
    }
    return e;
  }

  private insert(segment: SegmentInfo): void {
    const list = this.entry(segment.streamId).segments;
    let i = list.length;
    while (i > 0 && compareSegments(list[i - 1]!, segment) > 0) i--;
    list.splice(i, 0, segment);
    this.addBytes(segment, segment.bytes, true);
    this.emit({ type: 'added', segment });
  }

  private remove(segment: SegmentInfo, reason: string): boolean {
    const e = this.streams.get(segment.streamId);
    const i = e ? e.segments.indexOf(segment) : -1;
    if (!e || i < 0) return false;
    e.segments.splice(i, 1);
    e.bytes -= segment.bytes;
    this.totalBytes -= segment.bytes;
    this.emit({ type: 'removed', segment, reason });
    return true;
  }

  private addBytes(segment: SegmentInfo, delta: number, fresh = false): void {
    if (!fresh) segment.bytes += delta;
    this.entry(segment.streamId).bytes += delta;
    this.totalBytes += delta;
  }

  private scan(initial: boolean): Promise<ScanReport> {
    const index: ScanIndex = {
      has: (streamId, id) => this.has(streamId, id),
      allSegments: (streamId) => this.allSegments(streamId),
      streamIds: () => [...this.streams.keys()],
      insert: (segment) => this.insert(segment),
      remove: (segment, reason) => this.remove(segment, reason),
      bytesOf: (streamId) => this.streams.get(streamId)?.bytes ?? 0,
      closed: () => this.closed,
    };
    const run = scanStorage(index, {
      rootPath: this.rootPath,
      initial,
      repair: !this.isReadOnly,
      keepUnknownFiles: this.keepUnknownFiles || this.isReadOnly,
      threads: this.threads,
      settleMs: this.settleMs,
      log: this.log,
    }).finally(() => {
      this.scanning = null;
    });
    this.scanning = run;
    return run;
  }
}

function compareSegments(a: SegmentInfo, b: SegmentInfo): number {
  return a.startMs - b.startMs || a.sequence - b.sequence;
}

/** The latest end of any segment (a loop: a month of one-minute segments is too many arguments for a spread). */
function latestEnd(segments: readonly SegmentInfo[]): number {
  let latest = -Infinity;
  for (const s of segments) if (s.endMs > latest) latest = s.endMs;
  return latest;
}
