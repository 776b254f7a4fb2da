/**
 * Access units in, fragmented MP4 out: the init segment, then moof+mdat fragments, for the server's
 * live `/live/<id>.mp4` and for export. Pure (no I/O). A unit's duration is the time to the next one, so
 * each unit is held until the next arrives (one frame of delay with `fragmentEvery: 'frame'`). The file's
 * time starts at 0 at the first keyframe; units before it are dropped. A gap in the times (or a unit
 * marked `discontinuity`) ends the fragment and the next one's tfdt carries the gap; a unit lost after a
 * discontinuity is skipped up to the next keyframe, so the output always decodes.
 *
 * Units from the runtime's ingest live in reused memory (AccessUnit.lease): the held unit's lease is retained
 * while it waits and released once its bytes are copied into the fragment, or it is dropped (`init`, `close`).
 * So a muxer's owner is lease-aware (hub.ts ViewerSink) as long as it calls `close` when it stops.
 */
import type { AccessUnit, VideoFormat } from '../../../src-shared/access-unit.js';
import { NalType, nalType } from '../../codec/h264/annexb.js';
import { FragmentBuilder } from './fragment.js';
import { buildInitSegment } from './init-segment.js';

export interface Fmp4MuxerOptions {
  /** 'frame': one fragment per unit (lowest delay, for live); 'gop': one per GOP, cut at `fragmentMaxMs`. */
  fragmentEvery?: 'frame' | 'gop';
  /** With 'gop', a fragment is cut at least this often. Default 2000. */
  fragmentMaxMs?: number;
}

export class Fmp4Muxer {
  private readonly builder = new FragmentBuilder();
  private readonly perFrame: boolean;
  private readonly fragmentMax90k: number;
  private format: VideoFormat | null = null;
  private held: AccessUnit | null = null;
  private heldDropsParameterSets = true;
  private origin90k = 0;
  private fragmentStart90k = 0;
  private sequence = 0;
  private nominal90k = 3600;
  private started = false;
  private waitKeyframe = true;
  private last: { start90k: number; duration90k: number } | null = null;

  constructor(options: Fmp4MuxerOptions = {}) {
    this.perFrame = (options.fragmentEvery ?? 'gop') === 'frame';
    this.fragmentMax90k = (options.fragmentMaxMs ?? 2000) * 90;
  }

  /** The init segment (ftyp+moov) for `format`. Call once before the first push; the timeline starts over. */
  init(format: VideoFormat, creationMs?: number): Uint8Array {
    this.format = format;
    this.drop();
    this.builder.reset();
    this.started = false;
    this.waitKeyframe = true;
    this.sequence = 0;
    this.last = null;
    if (format.fps !== null && format.fps > 0) this.nominal90k = Math.round(90_000 / format.fps);
    return buildInitSegment(format, creationMs === undefined ? {} : { creationMs });
  }

  /** Adds a unit; returns the fragments it completed (usually none or one). */
  push(au: AccessUnit): Uint8Array[] {
    if (this.format === null) throw new Error('Fmp4Muxer.push() before init()');
    const out: Uint8Array[] = [];
    if (au.discontinuity && !au.keyframe) {
      this.take(null, out);
      this.waitKeyframe = true;
      return out;
    }
    if (this.waitKeyframe && !au.keyframe) return out;
    this.take(au, out);
    this.waitKeyframe = false;
    return out;
  }

  /**
   * The fragment `push` or `flush` returned last: its start on the file's timeline (its tfdt) and its length
   * (the HLS segmenter lists fragments as segments). Null before the first.
   */
  get lastFragment(): { start90k: number; duration90k: number } | null {
    return this.last;
  }

  /** Drops the held unit, unwritten (its lease goes back). The muxer can start again with `init`. */
  close(): void {
    this.drop();
  }

  /** Writes out the held unit (with the usual frame duration) and any open fragment. */
  flush(): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.take(null, out);
    return out;
  }

  private take(next: AccessUnit | null, out: Uint8Array[]): void {
    const h = this.held;
    if (h !== null) {
      let duration = next === null ? this.nominal90k : next.dts90k - h.dts90k;
      const gap =
        next !== null && (next.discontinuity || duration <= 0 || duration > Math.max(180_000, 10 * this.nominal90k));
      if (gap || duration <= 0) duration = this.nominal90k;
      else if (next !== null) this.nominal90k = duration;
      if (this.builder.sampleCount === 0) this.fragmentStart90k = h.dts90k - this.origin90k;
      this.builder.addSample(h.nalus, duration, h.keyframe, h.pts90k - h.dts90k, this.heldDropsParameterSets);
      h.lease?.release(); // its bytes are the builder's copy now
      const cut =
        this.perFrame || next === null || gap || next.keyframe || this.builder.duration90k >= this.fragmentMax90k;
      if (cut && this.builder.sampleCount > 0) {
        const start90k = Math.max(0, this.fragmentStart90k);
        this.last = { start90k, duration90k: this.builder.duration90k };
        out.push(this.builder.build(++this.sequence, start90k));
      }
      if (gap && next !== null && next.dts90k <= h.dts90k) {
        // Time ran backwards: continue the file's timeline a frame after the last unit.
        this.origin90k = next.dts90k - (h.dts90k - this.origin90k) - this.nominal90k;
      }
    }
    if (next !== null && !this.started) {
      this.origin90k = next.dts90k;
      this.started = true;
    }
    next?.lease?.retain();
    this.held = next;
    this.heldDropsParameterSets = next === null || !next.keyframe || parameterSetsMatch(next, this.format!);
  }

  private drop(): void {
    this.held?.lease?.release();
    this.held = null;
  }
}

function parameterSetsMatch(au: AccessUnit, format: VideoFormat): boolean {
  for (const nal of au.nalus) {
    const t = nalType(nal);
    if (t === NalType.SPS && !equal(nal, format.sps)) return false;
    if (t === NalType.PPS && !equal(nal, format.pps)) return false;
  }
  return true;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
