/**
 * The units of one stream since its latest keyframe, so a new viewer starts at once with a picture a
 * decoder can begin on. Bounded: a stream whose group of pictures outgrows the limits (a camera with a
 * very long keyframe interval) drops the cache until its next keyframe, and new viewers wait for that.
 * A unit with a lease (slab-pool.ts) is retained while cached and released when it leaves the cache.
 */
import type { UnitLease } from '../../src-shared/access-unit.js';

export interface GopCacheLimits {
  /** Bytes of access-unit payload held at most (the shared wire frames add about as much again). */
  maxBytes: number;
  maxUnits: number;
}

export interface CachedUnit {
  readonly keyframe: boolean;
  readonly byteLength: number;
  readonly lease?: UnitLease | null | undefined;
}

export class GopCache<T extends CachedUnit> {
  private readonly units: T[] = [];
  private bytes = 0;
  /** True after an overflow until the next keyframe: nothing is cached meanwhile. */
  private overflowed = false;

  constructor(private readonly limits: GopCacheLimits) {}

  push(unit: T): void {
    if (unit.keyframe) {
      this.clear();
    } else if (this.units.length === 0 || this.overflowed) {
      return; // no keyframe to start from
    }
    if (this.bytes + unit.byteLength > this.limits.maxBytes || this.units.length >= this.limits.maxUnits) {
      this.clear();
      this.overflowed = true;
      return;
    }
    unit.lease?.retain();
    this.units.push(unit);
    this.bytes += unit.byteLength;
  }

  /** The cached units, oldest (the keyframe) first. Read it synchronously; it changes with the next push. */
  get contents(): readonly T[] {
    return this.units;
  }

  get byteLength(): number {
    return this.bytes;
  }

  clear(): void {
    const units = this.units;
    for (let i = 0; i < units.length; i++) units[i]!.lease?.release();
    units.length = 0;
    this.bytes = 0;
    this.overflowed = false;
  }
}
