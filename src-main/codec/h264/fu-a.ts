/**
 * FU-A reassembly (RFC 6184 §5.8). Fragments are copied once, into the tail of a shared slab; a finished
 * NAL unit is a view into that slab. A slab is never written again below its fill mark, so views handed
 * out stay valid; when a NAL unit outgrows the slab, only that unit moves to a new, larger slab. Finished
 * units keep their slab alive as long as someone holds them (the GOP cache, a recorder fragment). With a
 * SlabPool, slabs come from the pool and go back once released (slab-pool.ts): the assembler lists the slabs
 * its views came from, and the access unit they end up in takes that list as its lease (`takeLease`).
 */
import { SlabLease, type Slab, type SlabPool } from './slab-pool.js';

/** Bytes of a new slab: a few frames of a 4 Mbit/s stream. */
const DEFAULT_SLAB_BYTES = 128 * 1024;
/** A NAL unit larger than this is refused (the biggest level 6.2 frame is well under it). */
export const MAX_NAL_BYTES = 16 * 1024 * 1024;
/**
 * A closed assembler's slab. A Buffer like every other slab here: one kind of byte array in the field keeps V8's
 * property reads on it specialised (see plain-bytes.ts for what mixing kinds cost).
 */
const NO_SLAB: Uint8Array = Buffer.alloc(0);

export class FuAAssembler {
  private slab: Uint8Array;
  /** `slab.byteLength`, read once per slab: reading it per fragment was a generic property load in V8. */
  private slabEnd: number;
  /** Fill mark of the slab: bytes below it belong to finished units. */
  private fill = 0;
  /** Bytes of the unit being assembled, after `fill`. */
  private length = 0;
  private open = false;
  /** The reconstructed NAL header (§5.8: F and NRI of the FU indicator, type of the FU header). */
  private header = 0;
  private readonly slabBytes: number;
  /** Null: no pool, or closed (plain memory from then on). */
  private pool: SlabPool | null;
  /** The pooled slab being filled (null: no pool, or a unit too large for a pooled slab). */
  private pooled: Slab | null = null;
  /** Pooled slabs that views were handed out from since the last lease, one ref each. */
  private touched: Slab[] = [];

  constructor(slabBytes = DEFAULT_SLAB_BYTES, pool: SlabPool | null = null) {
    this.pool = pool;
    this.slabBytes = pool?.slabBytes ?? slabBytes;
    if (pool !== null) {
      this.pooled = pool.take();
      this.slab = this.pooled.bytes;
      this.slabEnd = this.slab.byteLength;
    } else {
      this.slab = Buffer.allocUnsafeSlow(this.slabBytes);
      this.slabEnd = this.slab.byteLength;
    }
  }

  /**
   * The slabs of every view handed out since the last call, as one lease (held once, by the caller), or null
   * when there are none or there is no pool. The access unit those views went into carries it.
   */
  takeLease(): SlabLease | null {
    if (this.touched.length === 0) return null;
    const lease = new SlabLease(this.touched);
    this.touched = [];
    return lease;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** NAL type of the unit being assembled. */
  get openType(): number {
    return this.header & 0x1f;
  }

  get openBytes(): number {
    return this.length;
  }

  /**
   * True when the open unit's data begins with the `length` bytes of `src` at `offset` (compared up to
   * the shorter of the two, at most 64 bytes): a new start fragment that repeats the open unit's start.
   */
  openStartsWith(src: Uint8Array, offset: number, length: number): boolean {
    const n = Math.min(length, this.length - 1, 64);
    if (!this.open || n <= 0) return false;
    const base = this.fill + 1;
    for (let i = 0; i < n; i++) if (this.slab[base + i] !== src[offset + i]) return false;
    return true;
  }

  /** Starts a unit with its reconstructed header byte. Drops any unit still open. */
  start(header: number): void {
    this.open = true;
    this.header = header;
    this.length = 0;
    this.reserve(1);
    this.slab[this.fill] = header;
    this.length = 1;
  }

  /** Appends `length` bytes of `src` from `offset`. Returns false (and drops the unit) past MAX_NAL_BYTES. */
  append(src: Uint8Array, offset: number, length: number): boolean {
    if (this.length + length > MAX_NAL_BYTES) {
      this.abort();
      return false;
    }
    this.reserve(length);
    this.slab.set(src.subarray(offset, offset + length), this.fill + this.length);
    this.length += length;
    return true;
  }

  /** Finishes the unit: a view that stays valid. */
  finish(): Uint8Array {
    if (this.pooled !== null) this.touch(this.pooled);
    const nal = this.slab.subarray(this.fill, this.fill + this.length);
    this.fill += this.length;
    this.length = 0;
    this.open = false;
    return nal;
  }

  /**
   * A whole NAL unit (a single-NAL or STAP-A payload) copied into the slab: a view that stays valid, where
   * the packet's buffer may be reused once the packet is handled. Drops any unit still open.
   */
  copy(src: Uint8Array, offset: number, length: number): Uint8Array {
    this.abort();
    this.reserve(length);
    if (this.pooled !== null) this.touch(this.pooled);
    const at = this.fill;
    this.slab.set(src.subarray(offset, offset + length), at);
    this.fill += length;
    return this.slab.subarray(at, at + length);
  }

  abort(): void {
    this.length = 0;
    this.open = false;
  }

  /**
   * The stream ended: gives back the slab being filled and the refs of views handed out but not yet leased (a
   * unit cut short), so the pool counts them free again. A packet still in flight afterwards is assembled in
   * plain memory, and the depacketizer emits no unit after its close (views handed out before are void).
   */
  close(): void {
    if (this.pool === null) return;
    this.pool = null;
    for (let i = 0; i < this.touched.length; i++) this.touched[i]!.release();
    this.touched = [];
    this.pooled?.release();
    this.pooled = null;
    this.slab = NO_SLAB;
    this.slabEnd = 0;
    this.fill = 0;
    this.abort();
  }

  private reserve(more: number): void {
    const need = this.fill + this.length + more;
    if (need <= this.slabEnd) return;
    const size = Math.max(this.slabBytes, 2 * (this.length + more));
    const previous = this.pooled;
    // A unit too large for a pooled slab gets a slab of its own (twice its size: it may grow), which the GC frees.
    this.pooled = this.pool !== null && this.length + more <= this.pool.slabBytes ? this.pool.take() : null;
    // Not zero-filled: only bytes written are ever exposed (views end at the fill mark).
    const next = this.pooled?.bytes ?? Buffer.allocUnsafeSlow(size);
    if (this.length > 0) next.set(this.slab.subarray(this.fill, this.fill + this.length), 0);
    this.slab = next;
    this.slabEnd = next.byteLength;
    this.fill = 0;
    previous?.release(); // after the copy: the open unit's bytes came from it
  }

  private touch(slab: Slab): void {
    const touched = this.touched;
    if (touched.length > 0 && touched[touched.length - 1] === slab) return;
    slab.refs++;
    touched.push(slab);
  }
}
