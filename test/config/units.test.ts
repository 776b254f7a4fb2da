import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  durationToMs,
  formatDuration,
  formatSize,
  parseDuration,
  parseSize,
  sizeToBytes,
} from '../../src-shared/config/units.js';
import { ThinStreamError } from '../../src-shared/errors.js';

test('sizes are 1024-based: the original example values and plain numbers as bytes', () => {
  assert.deepEqual(parseSize('10GB'), { ok: true, value: 10 * 1024 ** 3 });
  assert.deepEqual(parseSize('1536B'), { ok: true, value: 1536 });
  assert.deepEqual(parseSize('64MB'), { ok: true, value: 64 * 1024 ** 2 });
  assert.deepEqual(parseSize('2MB'), { ok: true, value: 2 * 1024 ** 2 });
  assert.deepEqual(parseSize('1GB'), { ok: true, value: 1024 ** 3 });
  assert.deepEqual(parseSize(4096), { ok: true, value: 4096 });
  assert.deepEqual(parseSize('4096'), { ok: true, value: 4096 });
  assert.deepEqual(parseSize('1.5KB'), { ok: true, value: 1536 });
  assert.deepEqual(parseSize('3 gib'), { ok: true, value: 3 * 1024 ** 3 });
  assert.deepEqual(parseSize('2T'), { ok: true, value: 2 * 1024 ** 4 });
});

test('a bad size says what a size looks like', () => {
  const bad = parseSize('10 gigs');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.reason : '', /"gigs" is not a size unit; use B, KB, MB, GB or TB \(1024-based\)/);
  for (const value of ['GB', '', '-5MB', 'ten', true, null, {}, -1, Number.NaN, '1e3MB']) {
    const r = parseSize(value);
    assert.equal(r.ok, false, `parseSize(${JSON.stringify(value)}) should fail`);
  }
  assert.throws(
    () => sizeToBytes('lots', 'context.filesystem.streams.defaults.limit'),
    (err: unknown) =>
      err instanceof ThinStreamError &&
      err.code === 'CONFIG_INVALID' &&
      err.path === 'context.filesystem.streams.defaults.limit' &&
      /got "lots"/.test(err.message),
  );
});

test('durations: 1h, 60s, 500ms, 30d, sums, and plain numbers as seconds', () => {
  assert.deepEqual(parseDuration('1h'), { ok: true, value: 3_600_000 });
  assert.deepEqual(parseDuration('60s'), { ok: true, value: 60_000 });
  assert.deepEqual(parseDuration('500ms'), { ok: true, value: 500 });
  assert.deepEqual(parseDuration('30d'), { ok: true, value: 30 * 86_400_000 });
  assert.deepEqual(parseDuration('5m'), { ok: true, value: 300_000 });
  assert.deepEqual(parseDuration('5min'), { ok: true, value: 300_000 });
  assert.deepEqual(parseDuration('1h30m'), { ok: true, value: 5_400_000 });
  assert.deepEqual(parseDuration('1h 30m 15s'), { ok: true, value: 5_415_000 });
  assert.deepEqual(parseDuration('2w'), { ok: true, value: 14 * 86_400_000 });
  assert.deepEqual(parseDuration(15), { ok: true, value: 15_000 });
  assert.deepEqual(parseDuration('15'), { ok: true, value: 15_000 });
  assert.deepEqual(parseDuration(0.25), { ok: true, value: 250 });
  assert.equal(durationToMs('1.5s'), 1500);
});

test('a bad duration says which units exist', () => {
  const bad = parseDuration('10 years');
  assert.equal(bad.ok, false);
  assert.match(!bad.ok ? bad.reason : '', /"years" is not a duration unit; use ms, s, m, h, d or w/);
  for (const value of ['h', '', '1h-', '-1s', '1h foo', 'one hour', false, [], -3, Number.POSITIVE_INFINITY]) {
    assert.equal(parseDuration(value).ok, false, `parseDuration(${JSON.stringify(value)}) should fail`);
  }
});

test('formatting sizes and durations reads back to the same value', () => {
  for (const bytes of [0, 1, 1536, 64 * 1024 ** 2, 10 * 1024 ** 3, 3 * 1024 ** 4]) {
    const text = formatSize(bytes);
    const back = parseSize(text);
    assert.ok(back.ok && back.value === bytes, `${bytes} → ${text}`);
  }
  assert.equal(formatSize(10 * 1024 ** 3), '10GB');
  for (const ms of [0, 500, 60_000, 3_600_000, 5_415_250, 30 * 86_400_000]) {
    const text = formatDuration(ms);
    const back = parseDuration(text);
    assert.ok(back.ok && back.value === ms, `${ms} → ${text}`);
  }
  assert.equal(formatDuration(5_400_000), '1h30m');
});
