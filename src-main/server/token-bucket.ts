/**
 * Bandwidth caps (the original's `bps` in/out, per connection, per port and overall): a token bucket per
 * cap, in bytes. A viewer's frames are charged to every bucket that applies (hub ByteBudget); HTTP bodies
 * pass through a ThrottleStream that waits for tokens.
 */
import { Transform, pipeline, type Readable, type TransformCallback } from 'node:stream';
import type { ByteBudget } from '../streams/hub.js';

export class TokenBucket implements ByteBudget {
  private tokens: number;
  private lastMs: number;
  readonly burstBytes: number;

  /** `bitsPerSecond` as in the config; the bucket holds one second's worth (at least 64 KB) as a burst. */
  constructor(
    readonly bitsPerSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.burstBytes = Math.max(64 * 1024, bitsPerSecond / 8);
    this.tokens = this.burstBytes;
    this.lastMs = now();
  }

  private refill(nowMs: number): void {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burstBytes, this.tokens + ((nowMs - this.lastMs) * this.bitsPerSecond) / 8000);
      this.lastMs = nowMs;
    }
  }

  canTake(bytes: number, nowMs: number = this.now()): boolean {
    this.refill(nowMs);
    // A frame larger than the burst may go when the bucket is full, so caps below a keyframe's size still pass video.
    return this.tokens >= Math.min(bytes, this.burstBytes);
  }

  take(bytes: number): void {
    this.tokens -= bytes;
  }

  /** Milliseconds until `bytes` could be taken. */
  waitMs(bytes: number, nowMs: number = this.now()): number {
    this.refill(nowMs);
    const need = Math.min(bytes, this.burstBytes) - this.tokens;
    return need <= 0 ? 0 : Math.ceil((need * 8000) / this.bitsPerSecond);
  }
}

/** Makes the buckets for a cap list, leaving out caps of 0 (no cap). */
export function bucketsFor(...caps: Array<TokenBucket | null>): TokenBucket[] {
  return caps.filter((c): c is TokenBucket => c !== null);
}

/** Passes bytes on no faster than every bucket allows (chunks are split to the burst size). */
export class ThrottleStream extends Transform {
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly buckets: TokenBucket[]) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.buckets.length === 0) {
      callback(null, chunk);
      return;
    }
    this.pass(chunk, 0, callback);
  }

  private pass(chunk: Buffer, offset: number, callback: TransformCallback): void {
    while (offset < chunk.byteLength) {
      const piece = Math.min(chunk.byteLength - offset, 16 * 1024);
      let waitMs = 0;
      for (const b of this.buckets) waitMs = Math.max(waitMs, b.waitMs(piece));
      if (waitMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pass(chunk, offset, callback);
        }, waitMs);
        return;
      }
      for (const b of this.buckets) b.take(piece);
      this.push(chunk.subarray(offset, offset + piece));
      offset += piece;
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    callback(error);
  }
}

/** `source` paced by `buckets` (or `source` itself when there are none); an error or a close on either side ends both. */
export function throttled(source: Readable, buckets: TokenBucket[]): Readable {
  if (buckets.length === 0) return source;
  const throttle = new ThrottleStream(buckets);
  pipeline(source, throttle, () => {}); // errors reach the consumer through `throttle`, which pipeline destroys
  return throttle;
}
