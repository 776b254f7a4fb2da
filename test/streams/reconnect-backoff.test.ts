import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ReconnectBackoff } from '../../src-main/streams/reconnect-backoff.js';

test('doubles from min to max with half of each wait random, and starts over after reset', () => {
  const lowest = new ReconnectBackoff(500, 30_000, () => 0);
  assert.deepEqual(
    Array.from({ length: 9 }, () => lowest.nextDelayMs()),
    [250, 500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000],
  );
  const highest = new ReconnectBackoff(500, 30_000, () => 0.999999);
  assert.deepEqual(
    Array.from({ length: 8 }, () => highest.nextDelayMs()),
    [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000],
  );
  highest.reset();
  assert.equal(highest.consecutiveFailures, 0);
  assert.equal(highest.nextDelayMs(), 500);
});

test('jitter spreads cameras that failed together', () => {
  const delays = new Set<number>();
  for (let i = 0; i < 20; i++) delays.add(new ReconnectBackoff(1000, 60_000).nextDelayMs());
  assert.ok(delays.size > 10);
  for (const d of delays) assert.ok(d >= 500 && d <= 1000);
});
