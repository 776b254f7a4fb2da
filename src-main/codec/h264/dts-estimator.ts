/**
 * Decode times for access units in decoding order. RTP carries presentation times only (RFC 6184 §5.1);
 * with B-frames they go back and forth. A decoder that reorders up to R frames outputs pictures in
 * presentation order R frames behind decoding, so the i-th decode time is the (i − R)-th presentation
 * time in sorted order: hold the last R+1 presentation times, and each new frame's DTS is the smallest
 * of them (extrapolated by whole frames for the first R). R comes from the SPS (VUI
 * max_num_reorder_frames), or the deepest reordering seen so far; with R = 0 (the usual camera without
 * B-frames) DTS = PTS. DTS is kept strictly increasing.
 */
import type { Sps } from './sps.js';

/** Presentation times remembered to measure how deep the stream reorders. */
const HISTORY = 16;
const DEFAULT_FRAME_90K = 3600;

export class DtsEstimator {
  private readonly recent = new Float64Array(HISTORY);
  private count = 0;
  private observedReorder = 0;
  /** Presentation times not yet used as a decode time, ascending (at most R + 1). */
  private readonly pending: number[] = [];
  private lastDts = -Infinity;
  private frame90k = DEFAULT_FRAME_90K;
  private lastInOrderPts = -Infinity;

  next(pts90k: number, sps: Sps | null, fps: number | null): number {
    // Frames presented after this one but decoded before it: the reordering depth.
    let later = 0;
    const n = Math.min(this.count, HISTORY);
    for (let i = 0; i < n; i++) if (this.recent[i]! > pts90k) later++;
    if (later > this.observedReorder) this.observedReorder = later;
    this.recent[this.count % HISTORY] = pts90k;
    this.count++;
    if (fps !== null && fps > 0) this.frame90k = 90000 / fps;
    else if (later === 0 && pts90k > this.lastInOrderPts && this.lastInOrderPts !== -Infinity) {
      if (this.observedReorder === 0) this.frame90k = Math.min(pts90k - this.lastInOrderPts, 90000);
    }
    if (later === 0) this.lastInOrderPts = pts90k;

    const reorder = Math.min(HISTORY, Math.max(sps?.maxNumReorderFrames ?? 0, this.observedReorder));
    let dts: number;
    if (reorder === 0) {
      this.pending.length = 0;
      dts = pts90k;
    } else {
      let i = this.pending.length;
      while (i > 0 && this.pending[i - 1]! > pts90k) i--;
      this.pending.splice(i, 0, pts90k);
      if (this.pending.length > reorder) {
        dts = this.pending.shift()!;
        while (this.pending.length > reorder) this.pending.shift();
      } else {
        dts = Math.round(this.pending[0]! - (reorder + 1 - this.pending.length) * this.frame90k);
      }
    }
    if (dts <= this.lastDts) dts = this.lastDts + 1;
    this.lastDts = dts;
    return dts;
  }
}
