/**
 * Reads recorded access units of one stream from a point in time onwards, across segment files, for
 * playback and export. Starts at the keyframe at or before the requested time. Pull-based: each
 * `next()` returns one unit, waiting first when paced (speed 1 = real time, 2 = twice as fast, 0 = as fast
 * as the caller pulls). Seek, pause, resume and speed changes take effect at the next unit. Keyframes
 * come with the segment's SPS and PPS in front (as a camera sends them), so an Annex B decoder can start
 * at any of them. The segment being read is pinned, so retention leaves it alone.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { AccessUnit, StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import { NalType, nalType } from '../codec/h264/annexb.js';
import { Mp4ParseError } from '../recorder/mp4/box-reader.js';
import { isSyncSample, nalusOfAvccSample, parseMoof, type FragmentInfo } from '../recorder/mp4/fragment.js';
import type { KeyframeRef, RecordingCatalog } from './recording-catalog.js';
import { readAt } from './segment-scanner.js';
import type { SegmentInfo } from './segment-index.js';

export interface ReaderOptions {
  /** 0 (default): as fast as `next()` is called; 1: real time; 2, 4, 8: faster. */
  speed?: number;
  /** Stop before this wall-clock time (ms since the epoch). */
  endMs?: number;
  /** At the end of the recordings, wait for the recorder to add more instead of ending. */
  follow?: boolean;
  /** When paced, a jump in recorded time longer than this (a gap between recordings) is not waited out. */
  maxGapWaitMs?: number;
  log?: (line: string) => void;
}

export interface RecordedUnit {
  /** pts90k/dts90k are the wall-clock time × 90 (one timeline across segments, gaps kept); wallMs the time. */
  au: AccessUnit;
  timeMs: number;
  durationMs: number;
  /** The format of the segment the unit comes from. */
  format: VideoFormat;
  /** True for the first unit and whenever the format differs from the previous unit's. */
  formatChanged: boolean;
  segmentId: string;
}

type Target = { kind: 'time'; ms: number } | { kind: 'ref'; ref: KeyframeRef };

interface Cursor {
  segment: SegmentInfo;
  fragment: number;
  sample: number;
}

interface LoadedFragment {
  segment: SegmentInfo;
  index: number;
  info: FragmentInfo;
  data: Uint8Array;
  /** File offset of data[0]. */
  base: number;
  /** Decode time (90 kHz from the segment start) of each sample. */
  times90k: Float64Array;
}

export class RecordingReader {
  private target: Target | null;
  private cursor: Cursor | null = null;
  private loaded: LoadedFragment | null = null;
  private fh: FileHandle | null = null;
  private fhSegment: SegmentInfo | null = null;
  private unpin: (() => void) | null = null;
  private speed: number;
  private readonly endMs: number;
  private readonly follow: boolean;
  private readonly maxGapWaitMs: number;
  private readonly log: (line: string) => void;
  private isPaused = false;
  private closed = false;
  private busy = false;
  private generation = 0;
  private wake: (() => void) | null = null;
  private anchor: { wallMs: number; mediaMs: number } | null = null;
  private lastTimeMs: number | null = null;
  private lastFormat: VideoFormat | null = null;
  private discontinuity = true;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly catalog: RecordingCatalog,
    readonly streamId: StreamId,
    fromMs: number,
    options: ReaderOptions = {},
  ) {
    this.target = { kind: 'time', ms: fromMs };
    this.speed = Math.max(0, options.speed ?? 0);
    this.endMs = options.endMs ?? Infinity;
    this.follow = options.follow ?? false;
    this.maxGapWaitMs = options.maxGapWaitMs ?? 2000;
    this.log = options.log ?? (() => undefined);
    this.unsubscribe = catalog.onChange((e) => {
      if (e.segment.streamId === streamId && e.type !== 'removed') this.poke();
    });
  }

  /** Time of the last unit returned, or null before the first. */
  get positionMs(): number | null {
    return this.lastTimeMs;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** The next unit, or null at the end (or when closed). One call at a time. */
  async next(): Promise<RecordedUnit | null> {
    if (this.busy) throw new Error('RecordingReader.next() called again before the previous call returned');
    this.busy = true;
    try {
      return await this.nextUnit();
    } finally {
      this.busy = false;
    }
  }

  /** Continue from the keyframe at or before `timeMs`. */
  seek(timeMs: number): void {
    this.target = { kind: 'time', ms: timeMs };
    this.restart();
  }

  /** Continue from the keyframe after (or before) the one the last unit belongs to. */
  stepKeyframe(direction: 'next-keyframe' | 'previous-keyframe'): void {
    const pos = this.lastTimeMs;
    if (pos === null) return;
    let ref: KeyframeRef | null;
    if (direction === 'next-keyframe') {
      ref = this.catalog.keyframeAtOrAfter(this.streamId, pos + 1);
    } else {
      const current = this.catalog.keyframeAtOrBefore(this.streamId, pos);
      ref = current === null ? null : (this.catalog.keyframeAtOrBefore(this.streamId, current.timeMs - 1) ?? current);
    }
    if (ref === null) return;
    this.target = { kind: 'ref', ref };
    this.restart();
  }

  pause(): void {
    this.isPaused = true;
    this.poke();
  }

  resume(): void {
    this.isPaused = false;
    this.anchor = null;
    this.poke();
  }

  setSpeed(speed: number): void {
    this.speed = Math.max(0, speed);
    this.anchor = null;
    this.poke();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.generation++;
    this.poke();
    this.release();
  }

  // ---- Internals -----------------------------------------------------------------------------------

  private restart(): void {
    this.cursor = null;
    this.loaded = null;
    this.anchor = null;
    this.discontinuity = true;
    this.generation++;
    this.poke();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Waits until poked or `ms` passed (bounded, so a lost wake-up costs at most that). */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.wake === done) this.wake = null;
        resolve();
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.wake = done;
    });
  }

  private async nextUnit(): Promise<RecordedUnit | null> {
    while (!this.closed) {
      if (this.isPaused) {
        await this.sleep(1000);
        continue;
      }
      const gen = this.generation;
      const unit = await this.readUnit();
      if (this.closed) return null;
      if (gen !== this.generation) continue; // seeked meanwhile
      if (unit === null) {
        if (!this.follow || this.endMsPassed()) return null;
        await this.sleep(1000);
        continue;
      }
      if (this.speed > 0 && !(await this.pace(unit.timeMs, gen))) continue;
      unit.au.discontinuity = this.discontinuity;
      unit.formatChanged = this.lastFormat === null || !sameFormat(this.lastFormat, unit.format);
      this.discontinuity = false;
      this.lastFormat = unit.format;
      this.lastTimeMs = unit.timeMs;
      this.advance();
      return unit;
    }
    return null;
  }

  private endMsPassed(): boolean {
    return this.lastTimeMs !== null && this.lastTimeMs >= this.endMs;
  }

  /** Waits until the unit is due; false when a seek, pause or close came first (the unit is read again). */
  private async pace(timeMs: number, gen: number): Promise<boolean> {
    const jump = this.lastTimeMs === null ? 0 : timeMs - this.lastTimeMs;
    if (this.anchor === null || jump < 0 || jump > this.maxGapWaitMs)
      this.anchor = { wallMs: Date.now(), mediaMs: timeMs };
    for (;;) {
      const due = this.anchor.wallMs + (timeMs - this.anchor.mediaMs) / this.speed;
      const wait = due - Date.now();
      if (wait <= 0) return true;
      await this.sleep(Math.min(wait, 1000));
      if (this.closed || gen !== this.generation || this.isPaused) return false;
      if (this.anchor === null) this.anchor = { wallMs: Date.now(), mediaMs: timeMs };
    }
  }

  private advance(): void {
    if (this.cursor) this.cursor.sample++;
  }

  /** The unit at the cursor without moving it, or null at the end of what is recorded. */
  private async readUnit(): Promise<RecordedUnit | null> {
    for (let guard = 0; guard < 1_000_000 && !this.closed; guard++) {
      if (this.cursor === null && !this.locate()) return null;
      const cursor = this.cursor!;
      const seg = cursor.segment;
      if (cursor.fragment >= seg.fragments.count) {
        if (seg.open && this.catalog.allSegments(this.streamId).includes(seg)) return null; // more may come
        if (!this.moveToSegment(this.catalog.segmentAfter(seg))) return null;
        continue;
      }
      const frag = await this.loadFragment(seg, cursor.fragment);
      if (frag === null) {
        if (!this.moveToSegment(this.catalog.segmentAfter(seg))) return null;
        continue;
      }
      if (cursor.sample >= frag.info.sampleCount) {
        cursor.fragment++;
        cursor.sample = 0;
        continue;
      }
      const unit = this.unitAt(frag, cursor.sample);
      if (unit === null) {
        cursor.sample++;
        this.discontinuity = true;
        continue;
      }
      if (unit.timeMs >= this.endMs) return null;
      return unit;
    }
    return null;
  }

  private locate(): boolean {
    const t = this.target;
    if (t === null) return false;
    const ref =
      t.kind === 'ref'
        ? t.ref
        : (this.catalog.keyframeAtOrBefore(this.streamId, t.ms) ?? this.catalog.keyframeAtOrAfter(this.streamId, t.ms));
    if (ref === null || !this.catalog.allSegments(this.streamId).includes(ref.segment)) return false;
    this.target = null;
    this.cursor = { segment: ref.segment, fragment: ref.fragment, sample: Math.max(0, ref.sample) };
    this.discontinuity = true;
    return true;
  }

  private moveToSegment(next: SegmentInfo | null): boolean {
    if (next === null) return false;
    this.cursor = { segment: next, fragment: 0, sample: 0 };
    // Files start at keyframes; a gap between them is a discontinuity for the viewer.
    if (this.lastTimeMs !== null && next.startMs - this.lastTimeMs > 1000) this.discontinuity = true;
    return true;
  }

  private async loadFragment(seg: SegmentInfo, index: number): Promise<LoadedFragment | null> {
    if (this.loaded && this.loaded.segment === seg && this.loaded.index === index) return this.loaded;
    const entry = seg.fragments.get(index);
    try {
      if (this.fhSegment !== seg) {
        this.release();
        this.unpin = this.catalog.pin(seg);
        this.fhSegment = seg;
        this.fh = await open(seg.path, 'r');
      }
      const data = await readAt(this.fh!, entry.offset, entry.size);
      if (data.byteLength < entry.size)
        throw new Mp4ParseError('fragment shorter than indexed', entry.offset + data.byteLength);
      const moofSize = new DataView(data.buffer, data.byteOffset).getUint32(0);
      const info = parseMoof(data.subarray(0, Math.min(moofSize, data.byteLength)), entry.offset, {
        trackId: 1,
        defaultSampleDuration: 0,
        defaultSampleSize: 0,
        defaultSampleFlags: 0,
      });
      const times90k = new Float64Array(info.sampleCount);
      let t = entry.startTime90k;
      const scale = 90_000 / seg.timescale;
      for (let i = 0; i < info.sampleCount; i++) {
        times90k[i] = t;
        t += info.durations[i]! * scale;
      }
      this.loaded = { segment: seg, index, info, data, base: entry.offset, times90k };
      return this.loaded;
    } catch (err) {
      this.log(`playback of ${this.streamId}: skipping ${seg.path} fragment ${index}: ${String(err)}`);
      this.release();
      return null;
    }
  }

  private unitAt(frag: LoadedFragment, i: number): RecordedUnit | null {
    const { info, segment: seg } = frag;
    const start = info.sampleOffsets[i]! - frag.base;
    const size = info.sizes[i]!;
    if (start < 0 || start + size > frag.data.byteLength) return null;
    const nalus = nalusOfAvccSample(frag.data.subarray(start, start + size), seg.nalLengthBytes);
    if (nalus === null || nalus.length === 0) return null;
    const keyframe = isSyncSample(info.flags[i]!);
    if (keyframe && !nalus.some((n) => nalType(n) === NalType.SPS)) nalus.unshift(seg.format.sps, seg.format.pps);
    const scale = 90_000 / seg.timescale;
    const timeMs = seg.startMs + frag.times90k[i]! / 90;
    let byteLength = 0;
    for (const n of nalus) byteLength += n.byteLength;
    const dts90k = Math.round(timeMs * 90);
    const au: AccessUnit = {
      pts90k: dts90k + Math.round(info.ctsOffsets[i]! * scale),
      dts90k,
      keyframe,
      nalus,
      byteLength,
      wallMs: timeMs,
      discontinuity: false,
    };
    return {
      au,
      timeMs,
      durationMs: (info.durations[i]! * scale) / 90,
      format: seg.format,
      formatChanged: false,
      segmentId: seg.id,
    };
  }

  private release(): void {
    const fh = this.fh;
    this.fh = null;
    this.fhSegment = null;
    this.loaded = null;
    fh?.close().catch(() => undefined);
    this.unpin?.();
    this.unpin = null;
  }
}

export function sameFormat(a: VideoFormat, b: VideoFormat): boolean {
  return a.width === b.width && a.height === b.height && sameBytes(a.sps, b.sps) && sameBytes(a.pps, b.pps);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
