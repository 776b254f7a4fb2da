import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { orderAccessUnit } from '../../src-renderer/live/annexb-order.js';

const DEMO_CLIP = resolve(process.env.THINSTREAM_ROOT ?? process.cwd(), 'assets/demo/demo.h264');

function annexB(units: Uint8Array[], startCode: number[] = [0, 0, 0, 1]): Uint8Array {
  const parts = units.flatMap((u) => [Uint8Array.from(startCode), u]);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** NAL types in order, split at 3- or 4-byte start codes. */
function types(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 3 < bytes.length; i++)
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) out.push(bytes[i + 3]! & 0x1f);
  return out;
}

/** The NAL units (without start codes) of an Annex-B stream. */
function nalUnits(bytes: Uint8Array): Uint8Array[] {
  const starts: number[] = [];
  for (let i = 0; i + 2 < bytes.length; i++)
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) starts.push(i + 3);
  return starts.map((s, k) => {
    let end = k + 1 < starts.length ? starts[k + 1]! - 3 : bytes.length;
    if (k + 1 < starts.length && bytes[end - 1] === 0) end--;
    return bytes.subarray(s, end);
  });
}

const SPS = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, 0xab);
const PPS = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const PPS_2 = Uint8Array.of(0x68, 0xce, 0x3c, 0x81);
const AUD = Uint8Array.of(0x09, 0xf0);
const SEI = Uint8Array.of(0x06, 0x05, 0x01, 0x02);
const IDR_A = Uint8Array.of(0x65, 0x88, 0x84, 0x00, 0x10);
const IDR_B = Uint8Array.of(0x65, 0x00, 0x42, 0x11);

test('a unit already in decoder order comes back as the same buffer, not a copy', () => {
  const unit = annexB([AUD, SPS, PPS, SEI, IDR_A]);
  assert.equal(orderAccessUnit(unit), unit);
});

test('parameter sets repeated between the slices of a keyframe move before the slices, once each', () => {
  // GStreamer's rtph264pay with config-interval=-1 on two-slice x264 pictures sends SPS PPS slice SPS PPS slice.
  const unit = annexB([SPS, PPS, IDR_A, SPS, PPS, IDR_B]);
  const ordered = orderAccessUnit(unit);
  assert.deepEqual(types(ordered), [7, 8, 5, 5]);
  assert.deepEqual(nalUnits(ordered), [SPS, PPS, IDR_A, IDR_B]);
});

test('different parameter sets all stay, and AUD and SEI are dropped when the unit is reordered', () => {
  const unit = annexB([AUD, SPS, PPS, SEI, IDR_A, PPS_2, IDR_B], [0, 0, 1]);
  const ordered = orderAccessUnit(unit);
  assert.deepEqual(nalUnits(ordered), [SPS, PPS, PPS_2, IDR_A, IDR_B]);
});

test('a 4-byte start code’s leading zero is not taken as the end of the unit before it', () => {
  const unit = annexB([IDR_A, SPS, IDR_B]);
  const ordered = orderAccessUnit(unit);
  assert.deepEqual(nalUnits(ordered), [SPS, IDR_A, IDR_B]);
  assert.equal(ordered.length, 3 * 4 + SPS.length + IDR_A.length + IDR_B.length);
});

test('the demo camera’s real x264 keyframe is in order already; split between its slices it is restored', () => {
  const clip = readFileSync(DEMO_CLIP);
  const units = nalUnits(new Uint8Array(clip.buffer, clip.byteOffset, clip.byteLength));
  const firstIdr = units.findIndex((u) => (u[0]! & 0x1f) === 5);
  assert.ok(firstIdr > 0, 'the clip starts with a keyframe');
  const keyframe = annexB(units.slice(0, firstIdr + 1));
  assert.equal(orderAccessUnit(keyframe), keyframe);
  const sps = units.find((u) => (u[0]! & 0x1f) === 7)!;
  const pps = units.find((u) => (u[0]! & 0x1f) === 8)!;
  const idr = units[firstIdr]!;
  const half = Math.floor(idr.length / 2);
  const split = annexB([sps, pps, idr.subarray(0, half), sps, pps, idr.subarray(half)]);
  assert.deepEqual(nalUnits(orderAccessUnit(split)), [sps, pps, idr.subarray(0, half), idr.subarray(half)]);
});
