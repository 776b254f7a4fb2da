/**
 * Keeps recordings within their limits by deleting the oldest segments first: the global `limit` (the
 * original's `streams.defaults.limit`, e.g. 10GB), optional per-stream limits, and an optional maximum
 * age per stream. The open segment of a recorder and segments pinned by a reader are never deleted.
 * Runs after every fragment that takes a total over a limit (`check()`, cheap when under), every
 * `checkIntervalMs` for ages, and when a disk is full (`makeRoom`).
 */
import type { StreamId } from '../../src-shared/access-unit.js';
import type { RecordingCatalog } from './recording-catalog.js';
import type { SegmentInfo } from './segment-index.js';

export interface StreamRetention {
  limitBytes?: number;
  maxAgeMs?: number;
}

export interface RetentionOptions {
  catalog: RecordingCatalog;
  /** All recordings together; 0 or Infinity for no limit. */
  limitBytes: number;
  /** Per-stream limits and ages, by stream id. */
  streams?: ReadonlyMap<StreamId, StreamRetention> | Record<StreamId, StreamRetention>;
  /** How often ages are checked. Default 60 s; 0 turns the timer off. */
  checkIntervalMs?: number;
  /**
   * When a disk fills up before the limits are reached, delete the oldest recordings (of any stream) to
   * make room. Default true: a recorder that keeps the newest video beats one that stops.
   */
  reclaimWhenFull?: boolean;
  /** Bytes to free per makeRoom() call. Default 64 MB. */
  reclaimBytes?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export interface RetentionReport {
  deleted: Array<{ streamId: StreamId; id: string; bytes: number; reason: string }>;
  /** True when a limit is still exceeded because only open or pinned segments are left. */
  overLimit: boolean;
}

export class RetentionPolicy {
  private limitBytes: number;
  private streams: Map<StreamId, StreamRetention>;
  private readonly catalog: RecordingCatalog;
  private readonly reclaimWhenFull: boolean;
  private readonly reclaimBytes: number;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<RetentionReport> | null = null;
  private again = false;
  private reclaimFor = 0;
  private closed = false;
  private totalDeleted = 0;

  constructor(options: RetentionOptions) {
    this.catalog = options.catalog;
    this.limitBytes = normaliseLimit(options.limitBytes);
    this.streams = toMap(options.streams);
    this.reclaimWhenFull = options.reclaimWhenFull ?? true;
    this.reclaimBytes = options.reclaimBytes ?? 64 * 1024 * 1024;
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? Date.now;
    const every = options.checkIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.enforce(), every);
    }
  }

  /** Bytes deleted since start. */
  get deletedBytes(): number {
    return this.totalDeleted;
  }

  get globalLimitBytes(): number {
    return this.limitBytes;
  }

  /** New limits (config reload); applied at once. */
  setLimits(limitBytes: number, streams?: RetentionOptions['streams']): void {
    this.limitBytes = normaliseLimit(limitBytes);
    this.streams = toMap(streams);
    void this.enforce();
  }

  /** Cheap test after a write: starts a run only when a byte limit is exceeded. */
  check(): void {
    if (this.closed || this.catalog.isReadOnly) return;
    let over = this.catalog.bytesUsed > this.limitBytes;
    if (!over) {
      for (const [id, rule] of this.streams) {
        if (rule.limitBytes !== undefined && this.catalog.streamBytes(id) > rule.limitBytes) over = true;
      }
    }
    if (over) void this.enforce();
  }

  /** A disk is full: enforce the limits, then (if allowed) delete the oldest recordings to free room. */
  makeRoom(_streamId?: StreamId): void {
    if (this.closed || this.catalog.isReadOnly) return;
    if (this.reclaimWhenFull) this.reclaimFor += this.reclaimBytes;
    void this.enforce();
  }

  /** One pass over every rule; runs are serialised (a request during a run makes one more run). */
  enforce(): Promise<RetentionReport> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    const run = this.pass()
      .catch((err: unknown): RetentionReport => {
        this.log(`retention failed: ${String(err)}`);
        return { deleted: [], overLimit: true };
      })
      .finally(() => {
        this.running = null;
        if (this.again && !this.closed) {
          this.again = false;
          void this.enforce();
        }
      });
    this.running = run;
    return run;
  }

  /** Resolves when no run is in progress (including the re-run a request during a run asked for). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async pass(): Promise<RetentionReport> {
    const report: RetentionReport = { deleted: [], overLimit: false };
    if (this.catalog.isReadOnly) return report;
    const now = this.now();
    const deletable = (s: SegmentInfo): boolean => !s.open && !this.catalog.isPinned(s);
    // Ages, then per-stream sizes.
    for (const [id, rule] of this.streams) {
      if (rule.maxAgeMs !== undefined && rule.maxAgeMs > 0) {
        for (const s of [...this.catalog.allSegments(id)]) {
          if (s.endMs < now - rule.maxAgeMs && deletable(s))
            await this.delete(s, `older than ${rule.maxAgeMs / 3_600_000} h`, report);
        }
      }
      if (rule.limitBytes !== undefined) {
        while (this.catalog.streamBytes(id) > rule.limitBytes) {
          const oldest = this.catalog.allSegments(id).find(deletable);
          if (!oldest) {
            report.overLimit = true;
            break;
          }
          if (!(await this.delete(oldest, `stream over its limit of ${formatBytes(rule.limitBytes)}`, report))) break;
        }
      }
    }
    // The global limit, and room on a full disk: the oldest segment of any stream goes first.
    for (;;) {
      const total = this.catalog.bytesUsed;
      const reclaiming = this.reclaimFor > 0;
      if (total <= this.limitBytes && !reclaiming) break;
      const oldest = this.oldestDeletable(deletable);
      if (oldest === null) {
        report.overLimit = total > this.limitBytes;
        this.reclaimFor = 0;
        break;
      }
      const overLimit = total > this.limitBytes;
      const reason = overLimit ? `storage over its limit of ${formatBytes(this.limitBytes)}` : 'the disk is full';
      if (!(await this.delete(oldest, reason, report))) {
        report.overLimit = overLimit;
        break;
      }
      if (!overLimit) this.reclaimFor = Math.max(0, this.reclaimFor - oldest.bytes);
    }
    return report;
  }

  private oldestDeletable(deletable: (s: SegmentInfo) => boolean): SegmentInfo | null {
    let best: SegmentInfo | null = null;
    for (const id of this.catalog.streamIds()) {
      const s = this.catalog.allSegments(id).find(deletable);
      if (s && (best === null || s.startMs < best.startMs)) best = s;
    }
    return best;
  }

  private async delete(s: SegmentInfo, reason: string, report: RetentionReport): Promise<boolean> {
    if (!(await this.catalog.deleteSegment(s, reason))) return false;
    this.totalDeleted += s.bytes;
    report.deleted.push({ streamId: s.streamId, id: s.id, bytes: s.bytes, reason });
    this.log(`retention: deleted ${s.streamId}/${s.id} (${formatBytes(s.bytes)}): ${reason}`);
    return true;
  }
}

function normaliseLimit(limit: number): number {
  return Number.isFinite(limit) && limit > 0 ? limit : Infinity;
}

function toMap(streams: RetentionOptions['streams']): Map<StreamId, StreamRetention> {
  if (streams === undefined) return new Map();
  return streams instanceof Map ? new Map(streams) : new Map(Object.entries(streams));
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024).toFixed(0)} kB`;
}
