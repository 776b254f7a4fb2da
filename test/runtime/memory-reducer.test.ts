import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { MemoryReducer } from '../../src-main/runtime/memory-reducer.js';

const MB = 1024 * 1024;

test('it collects only when the old space has grown by the threshold since its smallest size', () => {
  let oldSpace = 20 * MB;
  let collected = 0;
  const reducer = new MemoryReducer({
    growthBytes: 4 * MB,
    oldSpaceBytes: () => oldSpace,
    collect: () => {
      collected++;
      oldSpace = 21 * MB; // what survives: a little more live data than before
    },
  });
  assert.equal(reducer.check(), false, 'the first look only sets the low mark');
  oldSpace = 23.9 * MB;
  assert.equal(reducer.check(), false, 'under the threshold');
  oldSpace = 18 * MB; // V8 collected by itself: the low mark follows
  assert.equal(reducer.check(), false);
  oldSpace = 22.5 * MB;
  assert.equal(reducer.check(), true, '4.5 MB over the low mark of 18 MB');
  assert.equal(collected, 1);
  assert.equal(reducer.collections, 1);
  oldSpace = 24.9 * MB;
  assert.equal(reducer.check(), false, 'the low mark is what survived the collection (21 MB)');
  oldSpace = 25 * MB;
  assert.equal(reducer.check(), true);
  assert.equal(reducer.collections, 2);
});

test('a collection it asks for frees the garbage the old space holds', () => {
  const oldSpace = (): number =>
    getHeapSpaceStatistics()
      .filter((s) => s.space_name === 'old_space' || s.space_name === 'large_object_space')
      .reduce((n, s) => n + s.space_used_size, 0);
  const reducer = new MemoryReducer({ growthBytes: 1 * MB });
  reducer.check();
  // Objects that live long enough to be promoted, then die: what piles up between V8's full collections.
  let keep: Array<{ n: number; bytes: Uint8Array }> = [];
  for (let round = 0; round < 3; round++) {
    const more: typeof keep = [];
    for (let i = 0; i < 200_000; i++) more.push({ n: i, bytes: new Uint8Array(16) });
    keep = more;
  }
  assert.equal(keep.length, 200_000);
  keep.length = 0; // all garbage now
  const before = oldSpace();
  assert.equal(reducer.check(), true, 'the old space grew by more than 1 MB since the first look');
  assert.equal(reducer.collections, 1);
  const after = oldSpace();
  assert.ok(after < before - 8 * MB, `the collection freed the garbage: ${before} → ${after} bytes`);
});
