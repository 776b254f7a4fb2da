/**
 * Frames and bytes per second over a sliding window, for a stream's fps and bitrate. Fixed buckets of
 * 100 ms in a ring, so adding a frame allocates nothing (STYLE.md: hot paths avoid allocation).
 */

const BUCKET_MS = 100;

export class RateWindow {
  private readonly frames: Float64Array;
  private readonly bytes: Float64Array;
  /** Which 100 ms slot each bucket currently holds; -1 when empty. */
  private readonly slots: Float64Array;
  private firstMs = -1;

  constructor(windowMs = 5000) {
    const count = Math.max(1, Math.ceil(windowMs / BUCKET_MS));
    this.frames = new Float64Array(count);
    this.bytes = new Float64Array(count);
    this.slots = new Float64Array(count).fill(-1);
  }

  add(nowMs: number, byteLength: number): void {
    if (this.firstMs < 0) this.firstMs = nowMs;
    const slot = Math.floor(nowMs / BUCKET_MS);
    const i = slot % this.slots.length;
    if (this.slots[i] !== slot) {
      this.slots[i] = slot;
      this.frames[i] = 0;
      this.bytes[i] = 0;
    }
    this.frames[i]! += 1;
    this.bytes[i]! += byteLength;
  }

  /** { fps, kbps } over the window, or over the time since the first frame when that is shorter. */
  rates(nowMs: number): { fps: number; bitrateKbps: number } {
    if (this.firstMs < 0) return { fps: 0, bitrateKbps: 0 };
    const newest = Math.floor(nowMs / BUCKET_MS);
    const oldest = newest - this.slots.length + 1;
    let frames = 0;
    let bytes = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (slot >= oldest && slot <= newest) {
        frames += this.frames[i]!;
        bytes += this.bytes[i]!;
      }
    }
    // The buckets counted cover from the oldest one's start (or the first frame) to now.
    const spanMs = Math.max(BUCKET_MS, nowMs - Math.max(oldest * BUCKET_MS, this.firstMs));
    return {
      fps: Math.round((frames * 1000 * 100) / spanMs) / 100,
      bitrateKbps: Math.round((bytes * 8) / spanMs),
    };
  }

  reset(): void {
    this.slots.fill(-1);
    this.firstMs = -1;
  }
}
