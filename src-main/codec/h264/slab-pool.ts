/**
 * Reused memory for the NAL units of access units. The FU-A assembler (fu-a.ts) copies every NAL unit into a
 * slab; an access unit's NAL units are views into one or two slabs. Without reuse every slab is a new ArrayBuffer
 * that lives for a GOP (the GOP cache holds it), so V8 frees them only in full collections, which its external-
 * memory limit then starts every 64 MB of video read: every two seconds at 64 cameras, a fifth of the runtime's
 * CPU (README, scale). With a pool, a slab goes back for reuse once nothing holds a view into it.
 *
 * Who holds what, counted in `refs`:
 * - the assembler holds the slab it is filling, until it moves to the next one;
 * - each NAL unit handed out puts its slab on the assembler's list of slabs touched, one ref each, and the
 *   access unit those NAL units end up in takes the list as its lease (SlabLease);
 * - a lease is held by the depacketizer while it hands the unit over, and by every holder that retained it
 *   (the GOP cache, the recorder until the fragment is on disk); its last release releases its slabs.
 * A holder that cannot say when it is done (one that is not `leaseAware`) pins the unit: its slabs are never
 * reused and the GC frees them as before. So forgetting a release costs only the reuse; releasing too often
 * would let a slab be reused under a live view, and is counted in `stats.misuse` (tests assert it stays 0).
 */
import type { UnitLease } from '../../../src-shared/access-unit.js';
import type { SlabPoolTelemetry } from '../../../src-shared/api.js';
import { RefCounted } from '../ref-counted.js';

/** Bytes of a slab: a few frames of a 4 Mbit/s stream. */
export const SLAB_BYTES = 128 * 1024;

export interface SlabPoolOptions {
  /** Slabs kept for reuse at most; more are left to the GC. Default 512 (64 MB). */
  maxFree?: number;
  /** Fill returned slabs with 0xEE, so a view read after its release shows it (tests). */
  poison?: boolean;
}

export interface SlabPoolStats {
  /** Slabs allocated, and slabs taken from the free list instead. */
  made: number;
  reused: number;
  /** Slabs a pinned unit kept from reuse: left to the GC. */
  pinned: number;
  /** Slabs released while the free list was full: left to the GC. */
  dropped: number;
  /** Releases without a matching hold, and retains after the last release: bugs, each a possible corruption. */
  misuse: number;
}

export class Slab extends RefCounted {
  pinned = false;

  constructor(
    readonly bytes: Uint8Array,
    readonly pool: SlabPool,
  ) {
    super();
  }

  protected freed(): void {
    if (this.pinned) this.pool.stats.pinned++;
    else this.pool.give(this);
  }

  protected misused(): void {
    this.pool.stats.misuse++;
  }
}

export class SlabPool {
  readonly stats: SlabPoolStats = { made: 0, reused: 0, pinned: 0, dropped: 0, misuse: 0 };
  readonly slabBytes: number;
  private readonly free: Slab[] = [];
  private readonly maxFree: number;
  private readonly poison: boolean;

  constructor(options: SlabPoolOptions = {}, slabBytes = SLAB_BYTES) {
    this.slabBytes = slabBytes;
    this.maxFree = options.maxFree ?? 512;
    this.poison = options.poison ?? false;
  }

  /** A slab with one ref (the taker's). */
  take(): Slab {
    const slab = this.free.pop();
    if (slab !== undefined) {
      this.stats.reused++;
      slab.refs = 1;
      slab.pinned = false;
      return slab;
    }
    this.stats.made++;
    // Not zero-filled: only bytes written are ever exposed (views end at the assembler's fill mark).
    return new Slab(Buffer.allocUnsafeSlow(this.slabBytes), this);
  }

  /** Slabs waiting for reuse. */
  get freeCount(): number {
    return this.free.length;
  }

  /** For telemetry: the counts now (in use: slabs some holder still has a ref on) and the counters since start. */
  snapshot(): SlabPoolTelemetry {
    const s = this.stats;
    const inUse = s.made - this.free.length - s.pinned - s.dropped;
    return { slabBytes: this.slabBytes, inUse, free: this.free.length, ...s };
  }

  /** Called by Slab.release when its last ref goes. */
  give(slab: Slab): void {
    if (this.free.length >= this.maxFree) {
      this.stats.dropped++;
      return;
    }
    if (this.poison) slab.bytes.fill(0xee);
    this.free.push(slab);
  }
}

/** The slabs an access unit's NAL units live in, released when the unit's last holder releases it. */
export class SlabLease extends RefCounted implements UnitLease {
  constructor(private readonly slabs: readonly Slab[]) {
    super();
  }

  protected freed(): void {
    for (let i = 0; i < this.slabs.length; i++) this.slabs[i]!.release();
  }

  /** Retained after its last release (its slabs may already hold other bytes), or released too often. */
  protected misused(): void {
    this.slabs[0]!.pool.stats.misuse++;
  }

  pin(): void {
    for (let i = 0; i < this.slabs.length; i++) this.slabs[i]!.pinned = true;
  }
}
