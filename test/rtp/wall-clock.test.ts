import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WallClockMapper } from '../../src-main/rtp/wall-clock.js';

const T0 = 1_700_000_000_000;

/** Frames every 40 ms of media; arrival = capture + network delay from `delayMs(i)`; camera clock off by `ppm`. */
function run(
  frames: number,
  opts: { ppm?: number; delayMs?: (i: number) => number; ts0?: number } = {},
): { wall: number[]; arrival: number[]; mapper: WallClockMapper } {
  const mapper = new WallClockMapper(90000);
  const wall: number[] = [];
  const arrival: number[] = [];
  const ppm = opts.ppm ?? 0;
  for (let i = 0; i < frames; i++) {
    const ts32 = ((opts.ts0 ?? 123_456) + i * 3600) >>> 0;
    // The camera's RTP clock runs `ppm` fast: 3600 ticks take (40 / (1 + ppm·1e-6)) ms of our time.
    const captureMs = T0 + (i * 40) / (1 + ppm * 1e-6);
    const a = captureMs + (opts.delayMs?.(i) ?? 20);
    arrival.push(a);
    wall.push(mapper.map(ts32, a));
  }
  return { wall, arrival, mapper };
}

test('the timeline starts at the first arrival and advances by RTP time', () => {
  const { wall } = run(100);
  assert.equal(wall[0], T0 + 20);
  for (let i = 1; i < wall.length; i++) assert.ok(Math.abs(wall[i]! - wall[i - 1]! - 40) < 0.05);
});

test('network jitter does not make the timeline jitter or run backwards', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 300;
  const { wall, mapper } = run(2000, { delayMs: () => 10 + rand() });
  for (let i = 1; i < wall.length; i++) {
    const step = wall[i]! - wall[i - 1]!;
    assert.ok(step > 39.9 && step < 40.1, `step ${step} at ${i}`);
  }
  assert.equal(mapper.resyncs, 0);
});

test('a camera clock 500 ppm fast is followed by slewing, never by a jump', () => {
  // An hour of video: the camera's clock gains 1.8 s on ours.
  const frames = 90_000;
  const { wall, arrival, mapper } = run(frames, { ppm: 500 });
  for (let i = 1; i < frames; i++) {
    const step = wall[i]! - wall[i - 1]!;
    assert.ok(step > 39.9 && step < 40.1, `step ${step} at ${i}`);
  }
  assert.equal(mapper.resyncs, 0);
  // It ends close to our clock rather than 1.8 s off it.
  assert.ok(Math.abs(wall.at(-1)! - arrival.at(-1)!) < 100, `off by ${wall.at(-1)! - arrival.at(-1)!} ms`);
});

test('B-frames (earlier timestamps) map into the past without moving the timeline', () => {
  const mapper = new WallClockMapper(90000);
  assert.equal(mapper.map(0, T0), T0);
  assert.equal(mapper.map(7200, T0 + 80), T0 + 80);
  assert.equal(mapper.map(3600, T0 + 81), T0 + 40);
  assert.equal(mapper.map(10800, T0 + 120), T0 + 120);
});

test('a timestamp that jumps far from our clock re-anchors once, and the 32-bit wrap does not', () => {
  const near = run(50, { ts0: 0xffffffff - 20 * 3600 });
  assert.equal(near.mapper.resyncs, 0);
  const mapper = new WallClockMapper(90000);
  mapper.map(1000, T0);
  mapper.map(4600, T0 + 40);
  const after = mapper.map(4600 + 90000 * 60, T0 + 80); // a minute ahead in RTP time, 40 ms later for us
  assert.equal(after, T0 + 80);
  assert.equal(mapper.resyncs, 1);
});
