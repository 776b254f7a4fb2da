import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { TokenBucket, throttled } from '../../src-main/server/token-bucket.js';

test('a token bucket allows its burst, then its rate', () => {
  let nowMs = 0;
  const bucket = new TokenBucket(8_000_000, () => nowMs); // 1 MB/s, burst 1 MB
  assert.equal(bucket.burstBytes, 1_000_000);
  assert.ok(bucket.canTake(1_000_000, nowMs));
  bucket.take(1_000_000);
  assert.equal(bucket.canTake(1000, nowMs), false);
  assert.equal(bucket.waitMs(100_000, nowMs), 100);
  nowMs = 100;
  assert.ok(bucket.canTake(100_000, nowMs));
});

test('a throttled stream passes every byte, no faster than its cap', async () => {
  const data = Buffer.alloc(300 * 1024);
  for (let i = 0; i < data.byteLength; i++) data[i] = i % 251;
  const cap = 800_000; // 100 KB/s; burst 100 KB: 300 KB take about 2 s
  const t0 = Date.now();
  const out: Buffer[] = [];
  for await (const chunk of throttled(Readable.from([data.subarray(0, 150_000), data.subarray(150_000)]), [
    new TokenBucket(cap),
  ])) {
    out.push(chunk as Buffer);
  }
  const ms = Date.now() - t0;
  assert.deepEqual(Buffer.concat(out), data);
  assert.ok(ms >= 1500 && ms < 6000, `took ${ms} ms`);
});

test('an error in the source reaches the consumer of the throttled stream', async () => {
  const source = new Readable({
    read() {
      this.destroy(new Error('disk read failed'));
    },
  });
  await assert.rejects(async () => {
    for await (const _ of throttled(source, [new TokenBucket(800_000)])) void _;
  }, /disk read failed/);
});
