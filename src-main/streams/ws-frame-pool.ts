/**
 * Reused buffers for the WebSocket frames that carry access units to live viewers. A frame is the whole
 * message as it goes on the wire: the WebSocket header (RFC 6455 §5.2; a server's frames are not masked, so
 * the header is the same for every viewer), then the live-wire frame (wire-frame.ts). Written as one buffer,
 * it costs one `socket.write` and no allocation per unit sent:
 * - without the pool, every unit sent was a new 16–300 KB ArrayBuffer (malloc, then free once the GC saw it);
 * - handing `ws` the payload made it write the header and payload as two buffers, and Node's TLS socket joins
 *   two buffers into a new one before it encrypts: a second malloc per unit per viewer.
 * Both showed as the top large allocations of a soak (README, scale).
 *
 * Buffers come in power-of-two classes from 1 KiB to 1 MiB; a larger frame gets its own buffer and is left to
 * the GC. Who holds a frame, counted in `refs`: the hub unit that built it, until its fan-out is over, and each
 * socket write, until its callback. The last release puts the buffer back. A holder that never releases (a
 * write whose callback never comes) only costs the reuse: the buffer is then the GC's, as before. Releasing
 * too often would let a buffer be reused under a pending write, and is counted in `stats.misuse` (tests assert
 * it stays 0).
 */
import type { WsFramePoolTelemetry } from '../../src-shared/api.js';
import { RefCounted } from '../codec/ref-counted.js';

const MIN_CLASS_BITS = 10;
const MAX_CLASS_BITS = 20;
/** Bytes kept for reuse at most, over all classes; more are left to the GC. */
export const DEFAULT_MAX_FREE_BYTES = 16 * 1024 * 1024;

const OPCODE_BINARY_FIN = 0x82;

/** Bytes of the header in front of a payload of `length` bytes (server to client: no mask). */
export function wsHeaderBytes(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10;
}

function writeWsHeader(target: Buffer, length: number): void {
  target[0] = OPCODE_BINARY_FIN;
  if (length < 126) {
    target[1] = length;
  } else if (length < 0x10000) {
    target[1] = 126;
    target.writeUInt16BE(length, 2);
  } else {
    target[1] = 127;
    target.writeUInt32BE(Math.floor(length / 0x100000000), 2);
    target.writeUInt32BE(length >>> 0, 6);
  }
}

export interface WsFramePoolStats {
  /** Buffers allocated, and buffers taken from a free list instead. */
  made: number;
  reused: number;
  /** Frames over the largest class: a buffer of their own, left to the GC. */
  oversize: number;
  /** Buffers released while the free lists were full: left to the GC. */
  dropped: number;
  /** Releases without a matching hold, and retains after the last release: bugs, each a possible corruption. */
  misuse: number;
}

/** One binary WebSocket message in a pooled buffer. */
export class WsFrame extends RefCounted {
  /** The whole message: header, then payload (a view of the first `length` bytes of the class buffer). */
  message: Buffer;
  /** Where the payload (the live-wire frame) starts in `message`. */
  payloadOffset = 0;
  /** For `socket.write(frame.message, frame.written)`: releases the write's hold. Made once per buffer. */
  readonly written = (): void => this.release();

  constructor(
    /** The class buffer (or an oversize frame's own). */
    readonly buffer: Buffer,
    /** Its size class; -1 for an oversize frame's own buffer. */
    readonly classIndex: number,
    private readonly pool: WsFramePool,
  ) {
    super();
    this.message = buffer;
  }

  get payloadBytes(): number {
    return this.message.byteLength - this.payloadOffset;
  }

  protected freed(): void {
    this.pool.give(this);
  }

  protected misused(): void {
    this.pool.stats.misuse++;
  }
}

export interface WsFramePoolOptions {
  maxFreeBytes?: number;
  /** Fill returned buffers with 0xEE, so a write that read a buffer after its release shows it (tests). */
  poison?: boolean;
}

export class WsFramePool {
  readonly stats: WsFramePoolStats = { made: 0, reused: 0, oversize: 0, dropped: 0, misuse: 0 };
  private readonly free: WsFrame[][] = [];
  private freeBytes = 0;
  private readonly maxFreeBytes: number;
  private readonly poison: boolean;

  constructor(options: WsFramePoolOptions = {}) {
    this.maxFreeBytes = options.maxFreeBytes ?? DEFAULT_MAX_FREE_BYTES;
    this.poison = options.poison ?? false;
    for (let bits = MIN_CLASS_BITS; bits <= MAX_CLASS_BITS; bits++) this.free.push([]);
  }

  /**
   * A frame with one ref (the taker's) for a payload of `payloadBytes`, its header written; the caller fills
   * `message` from `payloadOffset` on.
   */
  take(payloadBytes: number): WsFrame {
    const headerBytes = wsHeaderBytes(payloadBytes);
    const total = headerBytes + payloadBytes;
    const frame = this.frameFor(total);
    frame.refs = 1;
    frame.payloadOffset = headerBytes;
    frame.message = frame.buffer.byteLength === total ? frame.buffer : frame.buffer.subarray(0, total);
    writeWsHeader(frame.message, payloadBytes);
    return frame;
  }

  /** Bytes waiting for reuse. */
  get freeByteCount(): number {
    return this.freeBytes;
  }

  snapshot(): WsFramePoolTelemetry {
    let free = 0;
    for (const list of this.free) free += list.length;
    const s = this.stats;
    // Every pooled buffer made is free, dropped to the GC, or held (by a unit's fan-out or a pending write).
    const inUse = s.made - free - s.dropped;
    return { inUse, free, freeBytes: this.freeBytes, ...s };
  }

  /** Called by WsFrame.release when its last ref goes. */
  give(frame: WsFrame): void {
    if (frame.classIndex < 0) return;
    const bytes = frame.buffer.byteLength;
    if (this.freeBytes + bytes > this.maxFreeBytes) {
      this.stats.dropped++;
      return;
    }
    if (this.poison) frame.buffer.fill(0xee);
    this.freeBytes += bytes;
    this.free[frame.classIndex]!.push(frame);
  }

  private frameFor(total: number): WsFrame {
    const bits = Math.max(MIN_CLASS_BITS, 32 - Math.clz32(total - 1)); // the smallest power of two >= total
    if (bits > MAX_CLASS_BITS) {
      this.stats.oversize++;
      return new WsFrame(Buffer.allocUnsafeSlow(total), -1, this);
    }
    const index = bits - MIN_CLASS_BITS;
    const frame = this.free[index]!.pop();
    if (frame !== undefined) {
      this.stats.reused++;
      this.freeBytes -= frame.buffer.byteLength;
      return frame;
    }
    this.stats.made++;
    // Not zero-filled: only `message` is ever written out, and the taker fills all of it.
    return new WsFrame(Buffer.allocUnsafeSlow(1 << bits), index, this);
  }
}
