/**
 * The FU-A assembler with a slab pool: views stay what was copied into them while their lease is held, a slab
 * goes back once the assembler has moved on and every lease on it is released, pinned slabs never go back, and
 * releasing too often is counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FuAAssembler } from '../../../src-main/codec/h264/fu-a.js';
import { SlabPool } from '../../../src-main/codec/h264/slab-pool.js';

const SLAB = 64;
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);

/** One unit of one copied NAL unit, with its lease. */
function unit(fu: FuAAssembler, n: number, fill: number) {
  const nal = fu.copy(bytes(n, fill), 0, n);
  return { nal, fill, lease: fu.takeLease()! };
}

test('a slab goes back to the pool once the assembler moved on and every unit in it is released', () => {
  const pool = new SlabPool({ poison: true }, SLAB);
  const fu = new FuAAssembler(undefined, pool);
  const a = unit(fu, 30, 1);
  const b = unit(fu, 30, 2); // the same slab as a
  assert.equal(a.nal.buffer, b.nal.buffer);
  a.lease.release();
  b.lease.release();
  assert.equal(pool.freeCount, 0, 'the assembler still fills that slab');
  const c = unit(fu, 30, 3); // does not fit: a new slab, and the first goes back
  assert.notEqual(c.nal.buffer, a.nal.buffer);
  assert.equal(pool.freeCount, 1);
  assert.ok(
    a.nal.every((x) => x === 0xee),
    'a returned slab is poisoned, so a stale view would show',
  );
  c.lease.release();
  unit(fu, 40, 4).lease.release(); // the first slab is taken again
  assert.equal(pool.stats.reused, 1);
  assert.equal(pool.stats.made, 2);
  assert.equal(pool.stats.misuse, 0);
});

test('a held unit keeps its slab from reuse, however far the assembler goes on', () => {
  const pool = new SlabPool({ poison: true }, SLAB);
  const fu = new FuAAssembler(undefined, pool);
  const held = unit(fu, 40, 7);
  held.lease.retain(); // a second holder (the GOP cache, say)
  held.lease.release(); // the depacketizer's hold ends
  for (let i = 0; i < 20; i++) unit(fu, 40, 8 + i).lease.release();
  assert.ok(
    held.nal.every((x) => x === 7),
    'its bytes are intact',
  );
  assert.ok(pool.stats.reused > 5, 'other slabs went round');
  held.lease.release();
  assert.ok(
    held.nal.every((x) => x === 0xee),
    'released at last: its slab went back',
  );
  assert.equal(pool.stats.misuse, 0);
});

test('a unit spanning two slabs holds both: NAL units before a FU-A that moved to a new slab stay intact', () => {
  const pool = new SlabPool({ poison: true }, SLAB);
  const fu = new FuAAssembler(undefined, pool);
  const sps = fu.copy(bytes(20, 5), 0, 20);
  fu.start(0x65);
  fu.append(bytes(30, 6), 0, 30);
  fu.append(bytes(30, 6), 0, 30); // 20 + 61 bytes: the open unit moves to a new slab
  const idr = fu.finish();
  assert.notEqual(idr.buffer, sps.buffer);
  const lease = fu.takeLease()!;
  for (let i = 0; i < 10; i++) {
    fu.copy(bytes(20, 9), 0, 20); // into the IDR's own slab while it has room, then pooled slabs again
    fu.takeLease()?.release();
  }
  assert.ok(pool.stats.reused > 0);
  assert.ok(sps.every((x) => x === 5));
  assert.equal(idr[0], 0x65);
  assert.ok(idr.subarray(1).every((x) => x === 6));
  lease.release();
  assert.ok(sps.every((x) => x === 0xee));
});

test('a unit too large for a pooled slab gets memory of its own, left to the GC', () => {
  const pool = new SlabPool({}, SLAB);
  const fu = new FuAAssembler(undefined, pool);
  fu.start(0x65);
  fu.append(bytes(200, 1), 0, 200);
  const big = fu.finish();
  assert.equal(big.byteLength, 201);
  assert.equal(fu.takeLease(), null, 'nothing pooled to lease');
  assert.equal(pool.freeCount, 1, 'the pooled slab it left went back');
});

test('pinned slabs never go back; releasing too often or retaining after the end is counted', () => {
  const pool = new SlabPool({}, SLAB);
  const fu = new FuAAssembler(undefined, pool);
  const pinned = unit(fu, 40, 1);
  pinned.lease.pin();
  pinned.lease.release();
  unit(fu, 40, 2).lease.release(); // moves on from the pinned slab
  assert.equal(pool.freeCount, 0);
  assert.equal(pool.stats.pinned, 1);
  assert.ok(pinned.nal.every((x) => x === 1));

  const twice = unit(fu, 40, 3);
  twice.lease.release();
  twice.lease.release();
  twice.lease.retain();
  assert.equal(pool.stats.misuse, 2);
});

test('without a pool, nothing is leased', () => {
  const fu = new FuAAssembler();
  fu.copy(bytes(10, 1), 0, 10);
  assert.equal(fu.takeLease(), null);
});

test('the snapshot for telemetry counts the slabs held, free, pinned and dropped past the free list', () => {
  const pool = new SlabPool({ maxFree: 1 }, SLAB);
  const fu = new FuAAssembler(undefined, pool);
  const units = [unit(fu, 40, 1), unit(fu, 40, 2), unit(fu, 40, 3)]; // three slabs; the assembler fills the third
  const first = pool.snapshot();
  assert.deepEqual({ inUse: first.inUse, free: first.free, made: first.made }, { inUse: 3, free: 0, made: 3 });
  units[0]!.lease.pin();
  units[0]!.lease.release();
  units[1]!.lease.release(); // back to the free list
  const s = pool.snapshot();
  assert.deepEqual(
    { inUse: s.inUse, free: s.free, pinned: s.pinned, dropped: s.dropped, slabBytes: s.slabBytes },
    { inUse: 1, free: 1, pinned: 1, dropped: 0, slabBytes: SLAB },
  );
  units[2]!.lease.release();
  assert.equal(pool.snapshot().inUse, 1, 'only the slab the assembler fills');
  assert.equal(pool.snapshot().misuse, 0);

  const none = new SlabPool({ maxFree: 0 }, SLAB);
  const fu2 = new FuAAssembler(undefined, none);
  unit(fu2, 40, 1).lease.release();
  unit(fu2, 40, 2).lease.release(); // the assembler leaves the first slab, and no free list keeps it
  const n = none.snapshot();
  assert.deepEqual(
    { made: n.made, reused: n.reused, free: n.free, inUse: n.inUse, dropped: n.dropped },
    { made: 2, reused: 0, free: 0, inUse: 1, dropped: 1 },
  );
});

test('closing the assembler gives back the slab it fills and the views of a unit cut short; it then uses plain memory', () => {
  const pool = new SlabPool({ poison: true }, SLAB);
  const fu = new FuAAssembler(undefined, pool);
  const kept = unit(fu, 40, 1); // a unit someone still holds
  fu.copy(bytes(10, 2), 0, 10); // a NAL unit of the next unit, not leased yet
  fu.start(0x65);
  fu.append(bytes(30, 3), 0, 30); // a fragment of the next one: the unit is cut short here
  assert.equal(pool.snapshot().inUse, 2, "the held unit's slab, and the one being filled");
  fu.close();
  fu.close(); // twice is harmless
  assert.equal(pool.snapshot().inUse, 1, "only the held unit's slab is in use");
  assert.ok(
    kept.nal.every((x) => x === 1),
    'the held unit is intact',
  );
  kept.lease.release();
  assert.equal(pool.snapshot().inUse, 0);
  assert.equal(pool.freeCount, 2);
  // A packet in flight after the close: assembled in memory of its own, no pool slab taken, nothing to lease.
  const late = fu.copy(bytes(20, 4), 0, 20);
  assert.ok(late.every((x) => x === 4));
  assert.equal(fu.takeLease(), null);
  assert.equal(pool.freeCount, 2);
  assert.equal(pool.stats.misuse, 0);
});
