/**
 * What the catalog knows about one segment file: its place in time, its size, and a compact index of
 * its fragments (file offset, size, time, first keyframe), kept in typed arrays so a terabyte of
 * recordings costs a few tens of megabytes of index.
 */
import type { StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import type { RecordingSegment } from '../../src-shared/api.js';

export interface FragmentEntry {
  /** File offset of the moof. */
  offset: number;
  /** Bytes of moof + mdat. */
  size: number;
  /** Decode time of the first sample, 90 kHz, from the segment's start. */
  startTime90k: number;
  duration90k: number;
  samples: number;
  /** Index of the first sync sample in the fragment, or -1 when it has none. */
  keyframeSample: number;
  /** Decode time of that sync sample (90 kHz from the segment's start), or -1. */
  keyframeTime90k: number;
}

export class FragmentTimeline {
  private offsets = new Float64Array(16);
  private sizes = new Float64Array(16);
  private starts = new Float64Array(16);
  private durations = new Float64Array(16);
  private sampleCounts = new Uint32Array(16);
  private keySamples = new Int32Array(16);
  private keyTimes = new Float64Array(16);
  private n = 0;

  get count(): number {
    return this.n;
  }

  push(e: FragmentEntry): void {
    if (this.n === this.offsets.length) this.grow();
    const i = this.n++;
    this.offsets[i] = e.offset;
    this.sizes[i] = e.size;
    this.starts[i] = e.startTime90k;
    this.durations[i] = e.duration90k;
    this.sampleCounts[i] = e.samples;
    this.keySamples[i] = e.keyframeSample;
    this.keyTimes[i] = e.keyframeTime90k;
  }

  get(i: number): FragmentEntry {
    if (i < 0 || i >= this.n) throw new RangeError(`fragment ${i} of ${this.n}`);
    return {
      offset: this.offsets[i]!,
      size: this.sizes[i]!,
      startTime90k: this.starts[i]!,
      duration90k: this.durations[i]!,
      samples: this.sampleCounts[i]!,
      keyframeSample: this.keySamples[i]!,
      keyframeTime90k: this.keyTimes[i]!,
    };
  }

  /** End of the last fragment (its start plus duration), 90 kHz; 0 when empty. */
  get end90k(): number {
    return this.n === 0 ? 0 : this.starts[this.n - 1]! + this.durations[this.n - 1]!;
  }

  /** Index of the last fragment starting at or before t (or 0 when t is before the first). -1 when empty. */
  fragmentAt(t90k: number): number {
    let lo = 0;
    let hi = this.n - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= t90k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The last indexed keyframe at or before t; null when none is. */
  keyframeAtOrBefore(t90k: number): { fragment: number; sample: number; time90k: number } | null {
    for (let i = this.fragmentAt(t90k); i >= 0; i--) {
      const kt = this.keyTimes[i]!;
      if (kt >= 0 && kt <= t90k) return { fragment: i, sample: this.keySamples[i]!, time90k: kt };
    }
    return null;
  }

  /** The first indexed keyframe at or after t; null when none is. */
  keyframeAtOrAfter(t90k: number): { fragment: number; sample: number; time90k: number } | null {
    for (let i = Math.max(0, this.fragmentAt(t90k)); i < this.n; i++) {
      const kt = this.keyTimes[i]!;
      if (kt >= 0 && kt >= t90k) return { fragment: i, sample: this.keySamples[i]!, time90k: kt };
    }
    return null;
  }

  private grow(): void {
    const size = this.offsets.length * 2;
    const f64 = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const next = new Float64Array(size);
      next.set(a);
      return next;
    };
    this.offsets = f64(this.offsets);
    this.sizes = f64(this.sizes);
    this.starts = f64(this.starts);
    this.durations = f64(this.durations);
    this.keyTimes = f64(this.keyTimes);
    const u32 = new Uint32Array(size);
    u32.set(this.sampleCounts);
    this.sampleCounts = u32;
    const i32 = new Int32Array(size);
    i32.set(this.keySamples);
    this.keySamples = i32;
  }
}

export interface SegmentInfo {
  streamId: StreamId;
  /** The file name: unique within its stream's folder. */
  id: string;
  path: string;
  sequence: number;
  /** Wall clock of the first frame (ms since the epoch), from the file name. */
  startMs: number;
  /** startMs plus the media duration of the complete fragments. */
  endMs: number;
  /** Bytes on disk that belong to complete boxes (the file size once recovered). */
  bytes: number;
  frames: number;
  keyframes: number;
  /** True while a recorder is appending to it. */
  open: boolean;
  format: VideoFormat;
  /** Ticks per second of the sample durations in the file's moofs (90000 for ours). */
  timescale: number;
  /** tfdt of the first fragment: fragment times are stored relative to it. */
  baseDecodeTime90k: number;
  /** Bytes in each sample's NAL length prefix (4 for ours). */
  nalLengthBytes: number;
  fragments: FragmentTimeline;
}

/** The API's view of a segment (src-shared/api.ts). */
export function toRecordingSegment(s: SegmentInfo): RecordingSegment {
  return { id: s.id, startMs: s.startMs, endMs: s.endMs, bytes: s.bytes, frames: s.frames, open: s.open };
}

/** Wall-clock ms of a time in the segment (90 kHz from its start). */
export function wallMsOf(s: SegmentInfo, t90k: number): number {
  return s.startMs + t90k / 90;
}

/** Time in the segment (90 kHz from its start) of a wall-clock ms. */
export function mediaTimeOf(s: SegmentInfo, wallMs: number): number {
  return (wallMs - s.startMs) * 90;
}
