import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReorderBuffer } from '../../src-main/rtp/reorder-buffer.js';

interface Out {
  seqs: number[];
  lostBefore: number[];
  restarts: Array<[number, number]>;
}

function buffer(size: number, maxHoldMs = 100): { buf: ReorderBuffer; out: Out; push(seq: number, ms?: number): void } {
  const out: Out = { seqs: [], lostBefore: [], restarts: [] };
  const buf = new ReorderBuffer(
    size,
    {
      deliver(_p, _o, _l, seq, _ts, _m, _a, lost) {
        out.seqs.push(seq);
        out.lostBefore.push(lost);
      },
      onSequenceRestart(from, to) {
        out.restarts.push([from, to]);
      },
    },
    maxHoldMs,
  );
  const packet = new Uint8Array(1);
  return { buf, out, push: (seq, ms = 0) => buf.push(packet, 0, 1, seq & 0xffff, 0, false, ms) };
}

test('releases packets in sequence order and counts each reordered arrival', () => {
  const b = buffer(8);
  for (const q of [1, 3, 2, 4, 7, 5, 6, 8]) b.push(q);
  assert.deepEqual(b.out.seqs, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(b.buf.stats.reordered, 3); // 2 after 3; 5 and 6 after 7
  assert.equal(b.buf.stats.lost, 0);
});

test('declares a gap lost when the queue fills, and tells the next packet how many were lost', () => {
  const b = buffer(4);
  for (const q of [10, 11, 14, 15, 16, 17]) b.push(q);
  assert.deepEqual(b.out.seqs, [10, 11, 14, 15, 16, 17]);
  assert.deepEqual(b.out.lostBefore, [0, 0, 2, 0, 0, 0]);
  assert.equal(b.buf.stats.lost, 2);
  // The lost ones turning up now are late: dropped and counted.
  b.push(12);
  assert.equal(b.buf.stats.late, 1);
  assert.equal(b.out.seqs.length, 6);
});

test('declares a gap lost once its first waiting packet has waited longer than the hold time', () => {
  const b = buffer(64, 50);
  b.push(1, 0);
  b.push(3, 10);
  b.push(4, 40);
  assert.deepEqual(b.out.seqs, [1]);
  b.push(5, 61); // 3 has waited 51 ms
  assert.deepEqual(b.out.seqs, [1, 3, 4, 5]);
  assert.deepEqual(b.out.lostBefore, [0, 1, 0, 0]);
});

test('counts duplicates of held and of released packets without delivering them twice', () => {
  const b = buffer(8);
  for (const q of [1, 2, 2, 4, 4, 3, 1]) b.push(q);
  assert.deepEqual(b.out.seqs, [1, 2, 3, 4]);
  assert.equal(b.buf.stats.duplicates, 3);
});

test('crosses the 16-bit wrap in and out of order', () => {
  const b = buffer(8);
  for (const q of [65533, 65534, 0, 65535, 1, 2]) b.push(q);
  assert.deepEqual(b.out.seqs, [65533, 65534, 65535, 0, 1, 2]);
  assert.equal(b.buf.stats.lost, 0);
});

test('treats a jump beyond the queue but within the dropout limit as loss', () => {
  const b = buffer(8);
  b.push(100);
  b.push(101);
  b.push(600);
  assert.deepEqual(b.out.seqs, [100, 101]);
  b.buf.flush();
  assert.deepEqual(b.out.seqs, [100, 101, 600]);
  assert.equal(b.buf.stats.lost, 498);
});

test('follows a sequence restart far away once a second packet confirms it, ignoring a lone stray', () => {
  const b = buffer(8);
  for (const q of [5000, 5001, 5002]) b.push(q);
  b.push(40000); // a stray: the next packet does not follow it
  b.push(5003);
  assert.deepEqual(b.out.seqs, [5000, 5001, 5002, 5003]);
  assert.equal(b.buf.stats.strays, 1);
  b.push(12);
  b.push(13);
  b.push(14);
  assert.deepEqual(b.out.seqs, [5000, 5001, 5002, 5003, 12, 13, 14]);
  assert.deepEqual(b.out.lostBefore.slice(4), [1, 0, 0]);
  assert.deepEqual(b.out.restarts, [[5003, 12]]);
});

test('follows a restart a little behind after a run of consecutive late packets', () => {
  const b = buffer(8);
  for (let q = 1000; q < 1050; q++) b.push(q);
  for (let q = 990; q < 1010; q++) b.push(q);
  assert.equal(b.buf.stats.restarts, 1);
  assert.deepEqual(b.out.seqs.slice(50), [997, 998, 999, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009]);
});

test('passes everything through at once with no queue (TCP), counting gaps as loss', () => {
  const b = buffer(0);
  for (const q of [1, 2, 5, 6, 4]) b.push(q);
  assert.deepEqual(b.out.seqs, [1, 2, 5, 6]);
  assert.deepEqual(b.out.lostBefore, [0, 0, 2, 0]);
  assert.equal(b.buf.stats.late, 1);
});

test('keeps a held packet when a jump moves the window onto it (found by the fuzz: it once looped forever)', () => {
  const b = buffer(4);
  for (const q of [1, 3, 7, 8]) b.push(q);
  b.buf.flush();
  assert.deepEqual(b.out.seqs, [1, 3, 7, 8]);
  assert.equal(b.buf.stats.lost, 4);
  assert.equal(b.buf.heldCount, 0);
});
