import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accessUnitsOfAnnexB, nalType, splitAnnexB, toAnnexB } from '../../../src-main/codec/h264/annexb.js';

test('splits 3- and 4-byte start codes and drops trailing zeros', () => {
  const data = Uint8Array.of(0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 0, 1, 0x65, 0x88, 9);
  const nalus = splitAnnexB(data);
  assert.deepEqual(
    nalus.map((n) => Array.from(n)),
    [
      [0x67, 1, 2],
      [0x68, 3],
      [0x65, 0x88, 9],
    ],
  );
});

test('groups NAL units into access units at slices with first_mb_in_slice 0', () => {
  const sps = Uint8Array.of(0x67, 1);
  const pps = Uint8Array.of(0x68, 2);
  const idr = Uint8Array.of(0x65, 0x88);
  const p1 = Uint8Array.of(0x41, 0x9a);
  const p1b = Uint8Array.of(0x41, 0x2a); // second slice of the same picture
  const p2 = Uint8Array.of(0x41, 0x9b);
  const units = accessUnitsOfAnnexB(toAnnexB([sps, pps, idr, p1, p1b, p2]));
  assert.deepEqual(
    units.map((u) => u.map(nalType)),
    [[7, 8, 5], [1, 1], [1]],
  );
});
