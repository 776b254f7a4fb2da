import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateWindow } from '../../src-main/streams/rate-window.js';

test('25 frames a second of 5000 bytes is 25 fps and 1000 kbit/s once the window is full', () => {
  const w = new RateWindow(5000);
  for (let i = 0; i < 250; i++) w.add(1_000_000 + i * 40, 5000);
  const r = w.rates(1_000_000 + 10_000);
  assert.ok(Math.abs(r.fps - 25) <= 0.5 && Math.abs(r.bitrateKbps - 1000) <= 20, JSON.stringify(r));
});

test('before the window is full the rate is over the time since the first frame', () => {
  const w = new RateWindow(5000);
  for (let i = 0; i < 25; i++) w.add(2_000_000 + i * 40, 1000);
  const r = w.rates(2_000_000 + 1000);
  assert.ok(Math.abs(r.fps - 25) <= 0.5 && Math.abs(r.bitrateKbps - 200) <= 5, JSON.stringify(r));
});

test('old buckets fall out: a stream that stopped reads 0 after the window', () => {
  const w = new RateWindow(2000);
  for (let i = 0; i < 50; i++) w.add(3_000_000 + i * 40, 1000);
  assert.equal(w.rates(3_000_000 + 10_000).fps, 0);
  w.reset();
  assert.deepEqual(w.rates(3_000_000 + 10_000), { fps: 0, bitrateKbps: 0 });
});
