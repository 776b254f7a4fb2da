import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrivalLag } from '../../src-renderer/live/arrival-lag.js';

/** Feeds units every 40 ms (25 fps) from `fromMs` for `forMs`, each arriving `ageMs(t)` after capture. */
function feed(lag: ArrivalLag, fromMs: number, forMs: number, ageMs: (t: number) => number): number {
  let t = fromMs;
  for (; t < fromMs + forMs; t += 40) lag.note(t - ageMs(t), t);
  return t;
}

test('a steady clock offset between camera and browser is not lag, however large', () => {
  const lag = new ArrivalLag();
  const end = feed(lag, 1_000_000, 5000, () => 7200);
  assert.equal(lag.lagging(end), false);
});

test('units arriving 1.5 s later than the best seen, for over a second, call for a restart', () => {
  const lag = new ArrivalLag();
  let t = feed(lag, 1_000_000, 2000, () => 300);
  const lateFrom = t;
  t = feed(lag, t, 900, () => 2000);
  assert.equal(lag.lagging(t), false, 'late for under a second is not yet lag');
  t = feed(lag, t, 400, () => 2000);
  assert.ok(t - lateFrom > 1000);
  assert.equal(lag.lagging(t), true);
});

test('a short spike that recovers clears the lag', () => {
  const lag = new ArrivalLag();
  let t = feed(lag, 1_000_000, 1000, () => 100);
  t = feed(lag, t, 800, () => 2500);
  t = feed(lag, t, 40, () => 120);
  t = feed(lag, t, 2000, () => 110);
  assert.equal(lag.lagging(t), false);
});

test('after a reset it does not ask again within ten seconds, so a slow browser is not restarted in a loop', () => {
  const lag = new ArrivalLag();
  let t = feed(lag, 1_000_000, 1000, () => 100);
  t = feed(lag, t, 1500, () => 2000);
  assert.equal(lag.lagging(t), true);
  lag.reset(t);
  t = feed(lag, t, 1000, () => 100);
  t = feed(lag, t, 1500, () => 2000);
  assert.equal(lag.lagging(t), false, 'within 10 s of the reset');
  t = feed(lag, t, 8000, () => 2000 + 2000);
  assert.equal(lag.lagging(t), true, 'still late 10 s after the reset');
});
