/**
 * Records one stream version into MP4 segment files under its folder (`<rootPath>/<deviceUid>/<versionSid>/`).
 *
 * `write(au)` is synchronous and cheap: it turns access units into fragments (one per GOP, or shorter so a
 * fragment reaches disk at least every `fragmentMaxMs`) and hands them to a serial disk queue. A sample's
 * duration is the time to the next unit, so the last unit is held until the next one arrives. Files start
 * at a keyframe and are cut at the first keyframe after `dividerMs` of media time or `limitBytes` of file,
 * or when the format (SPS/PPS) changes. A gap in the camera's times stays a gap in the file (the next
 * fragment's tfdt jumps); times that run backwards or disagree with the wall clock start a new file.
 *
 * A failed write (disk full, folder unwritable) stops this stream's recording with state `failed` and
 * STORAGE_FULL / STORAGE_UNWRITABLE, leaves the file cut back to its last complete fragment, asks
 * retention for room, and tries again at a keyframe after `retryMs` (after STORAGE_FULL, once
 * `resumeFreeBytes` are free). Nothing escapes to the caller.
 */
import type { AccessUnit, StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import { ThinStreamError, type ErrorInfo } from '../../src-shared/errors.js';
import { NalType, isVcl, nalType } from '../codec/h264/annexb.js';
import type { RecordingCatalog } from '../storage/recording-catalog.js';
import type { RetentionPolicy } from '../storage/retention-policy.js';
import { sameBytes, sameFormat } from '../storage/recording-reader.js';
import { diskSpace } from '../storage/storage-telemetry.js';
import { FragmentBuilder } from './mp4/fragment.js';
import { SegmentDiskQueue, type OpenSegment } from './segment-disk-queue.js';
import type { FsyncPolicy } from './segment-writer.js';

export type RecorderState = 'recording' | 'stopped' | 'failed';

export interface RecorderStatus {
  streamId: StreamId;
  state: RecorderState;
  sinceMs: number;
  error: ErrorInfo | null;
  /** The file being written, or null (before the first keyframe, after a failure, when stopped). */
  segment: string | null;
  /** True while units are dropped until a keyframe (start, after lost data, after a failure). */
  waitingForKeyframe: boolean;
}

export interface RecorderStats {
  unitsIn: number;
  framesWritten: number;
  /** Units not recorded: before the first keyframe, after lost data, while failed or overloaded. */
  droppedUnits: number;
  bytesWritten: number;
  fragments: number;
  segments: number;
  /** Milliseconds spent in write/fsync calls. */
  writeMs: number;
  /** Bytes handed to the disk queue and not yet written. */
  queuedBytes: number;
}

export interface StreamRecorderOptions {
  streamId: StreamId;
  catalog: RecordingCatalog;
  retention?: RetentionPolicy | null;
  /** Cut a new file at the first keyframe after this much media time (the original's `payload.divider`). */
  dividerMs: number;
  /** Cut a new file at the first keyframe after it holds this many bytes (the original's `payload.limit`). */
  limitBytes: number;
  /** Digits of the sequence number in file names (the original's `nameDigits`). Default 6. */
  nameDigits?: number;
  fsync?: FsyncPolicy;
  /** A fragment is written at least this often (ms of media), so a crash loses at most this much. Default 1000. */
  fragmentMaxMs?: number;
  /** After a failure, wait this long before trying a new file. Default 2000. */
  retryMs?: number;
  /**
   * After STORAGE_FULL, a new file is tried only once the disk has this much free (checked every
   * `retryMs`), so a nearly full disk does not make a stream of tiny files. Default: 1 MiB or four of
   * the largest fragments so far, whichever is more.
   */
  resumeFreeBytes?: number;
  /** When the disk falls this far behind, units are dropped to the next keyframe. Default 64 MB. */
  maxQueueBytes?: number;
  /** Media time and wall clock may disagree by this much before the timeline counts as broken. Default 5000. */
  timelineToleranceMs?: number;
  log?: (line: string) => void;
  onStatus?: (status: RecorderStatus) => void;
}

export class StreamRecorder {
  readonly streamId: StreamId;
  /** It retains every unit it keeps until that unit is written or dropped (hub.ts HubSubscriber). */
  readonly leaseAware = true;
  private readonly o: Required<Omit<StreamRecorderOptions, 'retention' | 'onStatus' | 'log' | 'resumeFreeBytes'>>;
  private readonly resumeFreeBytes: number | undefined;
  private readonly log: (line: string) => void;
  private readonly onStatus: ((s: RecorderStatus) => void) | undefined;
  private readonly queue: SegmentDiskQueue;
  // Access units are never written again once made: the fragment keeps their NAL units, the disk queue writes
  // them with one gathered write (no copy of the video, no fragment-sized buffer per fragment).
  private readonly builder = new FragmentBuilder({ keepReferences: true });
  private format: VideoFormat | null = null;
  private nextFormat: VideoFormat | null = null;
  private seg: OpenSegment | null = null;
  /** The last unit, held until the next one tells its duration (two fields: no object per unit). */
  private pending: AccessUnit | null = null;
  /**
   * The units whose NAL units the open fragment refers to. Each unit's lease (slab-pool.ts) is retained from
   * `write` until its fragment is on disk (or dropped): the disk queue releases them after the write.
   */
  private fragmentUnits: AccessUnit[] = [];
  private pendingDropsParameterSets = true;
  private fragmentBase90k = 0;
  private nominal90k = 3600;
  private waitKeyframe = true;
  private retryReady = true;
  private retryTimer: NodeJS.Timeout | null = null;
  private largestFragment = 0;
  private state: RecorderState = 'recording';
  private sinceMs = Date.now();
  private error: ErrorInfo | null = null;
  private dropReason: string | null = null;
  private closing = false;
  private readonly counters = { unitsIn: 0, framesWritten: 0, droppedUnits: 0 };

  constructor(options: StreamRecorderOptions) {
    this.streamId = options.streamId;
    this.o = {
      streamId: options.streamId,
      catalog: options.catalog,
      dividerMs: options.dividerMs,
      limitBytes: options.limitBytes,
      nameDigits: options.nameDigits ?? 6,
      fsync: options.fsync ?? 'segment',
      fragmentMaxMs: options.fragmentMaxMs ?? 1000,
      retryMs: options.retryMs ?? 2000,
      maxQueueBytes: options.maxQueueBytes ?? 64 * 1024 * 1024,
      timelineToleranceMs: options.timelineToleranceMs ?? 5000,
    };
    this.resumeFreeBytes = options.resumeFreeBytes;
    this.log = options.log ?? (() => undefined);
    this.onStatus = options.onStatus;
    this.queue = new SegmentDiskQueue({
      streamId: this.streamId,
      catalog: options.catalog,
      retention: options.retention ?? null,
      folder: options.catalog.folderOf(this.streamId),
      nameDigits: this.o.nameDigits,
      fsync: this.o.fsync,
      log: this.log,
      onOpened: (seg) => this.opened(seg),
      onFailure: (seg, err) => this.failed(seg, err),
    });
    if (options.catalog.isReadOnly) {
      this.setState(
        'failed',
        new ThinStreamError(
          'STORAGE_READ_ONLY',
          `recording ${this.streamId} is off: storage ${options.catalog.rootPath} is read-only (isReadOnly)`,
        ).toInfo(),
      );
    }
  }

  status(): RecorderStatus {
    return {
      streamId: this.streamId,
      state: this.state,
      sinceMs: this.sinceMs,
      error: this.error,
      segment: this.seg?.info?.id ?? null,
      waitingForKeyframe: this.waitKeyframe,
    };
  }

  stats(): RecorderStats {
    return { ...this.counters, ...this.queue.stats() };
  }

  /** The camera's format: the first one arms recording; a different one starts a new file at the next keyframe. */
  setFormat(format: VideoFormat): void {
    if (this.format === null) this.format = format;
    else if (!sameFormat(this.format, format)) this.nextFormat = format;
    else this.nextFormat = null;
  }

  write(au: AccessUnit): void {
    if (this.closing || this.error?.code === 'STORAGE_READ_ONLY') return;
    this.counters.unitsIn++;
    if (this.format === null) return this.drop('no format (SPS/PPS) yet');
    if (!hasVcl(au)) return this.drop('unit without a picture');
    if (this.queue.queuedBytes > this.o.maxQueueBytes) {
      this.breakRun(false);
      return this.drop(`the disk is ${(this.queue.queuedBytes / 1e6).toFixed(0)} MB behind`);
    }
    if (au.discontinuity && !au.keyframe) {
      // Data was lost: the rest of this GOP would not decode. Keep the file, skip to the next keyframe.
      this.breakRun(false);
      return this.drop('data lost before this unit');
    }
    if (this.pending !== null) {
      const prev = this.pending;
      const dt = au.dts90k - prev.dts90k;
      // Backwards by more than a second, or out of step with the wall clock: a new timeline (new RTP session).
      const broken = dt < -90_000 || Math.abs(dt / 90 - (au.wallMs - prev.wallMs)) > this.o.timelineToleranceMs;
      const gap = !broken && dt > Math.max(180_000, 10 * this.nominal90k);
      // A unit no later than the one before (jitter in the camera's clock) gets the least duration there is.
      this.commitPending(broken || gap ? this.nominal90k : Math.max(1, dt));
      if (!broken && !gap && dt > 0) this.nominal90k = dt;
      if (broken) {
        this.log(
          `recording ${this.streamId}: timestamps jumped by ${(dt / 90).toFixed(0)} ms (wall clock ${(au.wallMs - prev.wallMs).toFixed(0)} ms): new file`,
        );
        this.closeSegment();
      } else if (gap) {
        this.flush(); // the next fragment's tfdt carries the gap
      }
    }
    if (!au.keyframe && (this.waitKeyframe || this.seg === null)) {
      this.waitKeyframe = true;
      return this.drop(this.seg === null ? 'waiting for a keyframe to start a file' : 'waiting for a keyframe');
    }
    if (au.keyframe && this.seg !== null) {
      if (this.nextFormat !== null || this.segmentFull(au)) this.closeSegment();
      else this.flush();
    } else if (this.builder.duration90k >= this.o.fragmentMaxMs * 90) {
      this.flush();
    }
    if (this.seg === null) {
      if (this.state === 'failed' && !this.retryReady) return this.drop('recording failed; waiting to retry');
      this.openSegment(au);
    }
    // A fragment starts where the unit's time says, never before the previous fragment ends.
    if (this.builder.sampleCount === 0)
      this.fragmentBase90k = Math.max(au.dts90k - this.seg!.startDts90k, this.seg!.end90k);
    this.waitKeyframe = false;
    if (this.dropReason !== null) {
      this.log(`recording ${this.streamId}: writing again after ${this.dropReason}`);
      this.dropReason = null;
    }
    au.lease?.retain();
    this.pending = au;
    this.pendingDropsParameterSets = !au.keyframe || parameterSetsMatch(au, this.format);
  }

  /** Waits until everything handed to the disk so far is written (or has failed). */
  flushed(): Promise<void> {
    return this.queue.drained();
  }

  /** Finishes the open file (its last unit gets the usual frame duration) and stops. */
  async close(): Promise<void> {
    if (this.closing) return this.queue.drained();
    this.breakRun(true);
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.queue.drained();
    this.setState('stopped', this.error?.code === 'STORAGE_READ_ONLY' ? this.error : null);
  }

  // ---- Internals -----------------------------------------------------------------------------------

  /** Ends the current run of samples: the held unit gets the usual duration and the fragment goes out. */
  private breakRun(closeFile: boolean): void {
    this.commitPending(this.nominal90k);
    if (closeFile) this.closeSegment();
    else this.flush();
    this.waitKeyframe = true;
  }

  private segmentFull(au: AccessUnit): boolean {
    const seg = this.seg!;
    return (
      (au.dts90k - seg.startDts90k) / 90 >= this.o.dividerMs || seg.bytes + this.builder.byteLength >= this.o.limitBytes
    );
  }

  private commitPending(duration90k: number): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    if (this.seg === null) {
      p.lease?.release();
      return;
    }
    const bytes = this.builder.addSample(
      p.nalus,
      duration90k,
      p.keyframe,
      p.pts90k - p.dts90k,
      this.pendingDropsParameterSets,
    );
    if (bytes > 0) {
      this.counters.framesWritten++;
      this.fragmentUnits.push(p);
    } else {
      p.lease?.release(); // nothing of it went into the fragment
    }
  }

  /** Empties the open fragment without writing it, releasing its units. */
  private resetFragment(): void {
    this.builder.reset();
    releaseAll(this.fragmentUnits);
    this.fragmentUnits = [];
  }

  private flush(): void {
    if (this.seg === null || this.builder.sampleCount === 0) {
      this.resetFragment();
      return;
    }
    const keyframe = this.builder.startsWithKeyframe;
    const samples = this.builder.sampleCount;
    const duration90k = this.builder.duration90k;
    const data = this.builder.buildParts(++this.seg.fragmentSequence, this.fragmentBase90k);
    this.largestFragment = Math.max(this.largestFragment, data.byteLength);
    const units = this.fragmentUnits;
    this.fragmentUnits = [];
    this.queue.append(
      this.seg,
      data.parts,
      {
        offset: this.seg.bytes,
        size: data.byteLength,
        startTime90k: this.fragmentBase90k,
        duration90k,
        samples,
        keyframeSample: keyframe ? 0 : -1,
        keyframeTime90k: keyframe ? this.fragmentBase90k : -1,
      },
      units.length === 0 ? null : () => releaseAll(units),
    );
    this.seg.bytes += data.byteLength;
    this.seg.end90k = this.fragmentBase90k + duration90k;
  }

  private openSegment(au: AccessUnit): void {
    if (this.nextFormat !== null) {
      this.format = this.nextFormat;
      this.nextFormat = null;
    }
    const previous = this.queue.lastSegment;
    let startMs = au.wallMs;
    if (previous !== null && !previous.failed) {
      // Continue the previous file's timeline unless the wall clock says it drifted by more than a second.
      const predicted = previous.startMs + (au.dts90k - previous.startDts90k) / 90;
      if (Math.abs(predicted - au.wallMs) <= 1000) startMs = predicted;
      // Files never overlap in time.
      startMs = Math.max(startMs, previous.startMs + previous.end90k / 90);
    }
    this.seg = this.queue.open(Math.round(startMs), au.dts90k, this.format!);
  }

  private closeSegment(): void {
    this.flush();
    if (this.seg !== null) this.queue.close(this.seg);
    this.seg = null;
  }

  private drop(reason: string): void {
    this.counters.droppedUnits++;
    if (this.dropReason !== reason) {
      if (this.dropReason === null || !reason.startsWith('waiting'))
        this.log(`recording ${this.streamId}: dropping units: ${reason}`);
      this.dropReason = reason;
    }
  }

  private opened(seg: OpenSegment): void {
    if (this.state === 'failed' && this.error?.code !== 'STORAGE_READ_ONLY') {
      this.log(`recording ${this.streamId}: resumed in ${seg.info?.id ?? '?'}`);
      this.setState('recording', null);
    } else {
      this.emitStatus();
    }
  }

  private failed(_seg: OpenSegment, err: ThinStreamError): void {
    if (this.seg !== null && this.seg.failed) {
      this.seg = null;
      this.pending?.lease?.release();
      this.pending = null;
      this.resetFragment();
      this.waitKeyframe = true;
    }
    this.retryReady = false;
    this.scheduleRetry(err.code === 'STORAGE_FULL');
    const repeated = this.state === 'failed' && this.error?.code === err.code;
    if (!repeated) this.log(err.message);
    this.setState('failed', err.toInfo());
  }

  /** Allows a new file after `retryMs`; after STORAGE_FULL only once the disk has room again. */
  private scheduleRetry(needSpace: boolean): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.closing) return;
      if (!needSpace) {
        this.retryReady = true;
        return;
      }
      const want = this.resumeFreeBytes ?? Math.max(1024 * 1024, 4 * this.largestFragment);
      void diskSpace(this.o.catalog.folderOf(this.streamId)).then(({ freeBytes: free }) => {
        if (this.closing) return;
        if (free >= want) this.retryReady = true;
        else this.scheduleRetry(true);
      });
    }, this.o.retryMs);
  }

  private setState(state: RecorderState, error: ErrorInfo | null): void {
    if (state !== this.state) this.sinceMs = Date.now();
    this.state = state;
    this.error = error;
    this.emitStatus();
  }

  private emitStatus(): void {
    try {
      this.onStatus?.(this.status());
    } catch (err) {
      this.log(`recording ${this.streamId}: status listener failed: ${String(err)}`);
    }
  }
}

function releaseAll(units: readonly AccessUnit[]): void {
  for (let i = 0; i < units.length; i++) units[i]!.lease?.release();
}

function hasVcl(au: AccessUnit): boolean {
  for (const nal of au.nalus) if (isVcl(nalType(nal))) return true;
  return false;
}

/** True when every SPS/PPS inside the unit equals the file's (so they can live in avcC alone). */
function parameterSetsMatch(au: AccessUnit, format: VideoFormat | null): boolean {
  if (format === null) return false;
  for (const nal of au.nalus) {
    const t = nalType(nal);
    if (t === NalType.SPS && !sameBytes(nal, format.sps)) return false;
    if (t === NalType.PPS && !sameBytes(nal, format.pps)) return false;
  }
  return true;
}
