import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  dayKey,
  dayStartMs,
  formatBytes,
  formatCodec,
  formatDelay,
  formatDuration,
  formatKbps,
} from '../../src-renderer/ui/format.js';

test('sizes, rates and delays read as people write them', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.5 KB');
  assert.equal(formatBytes(2_100_000_000), '2.1 GB');
  assert.equal(formatBytes(512_000_000_000), '512 GB');
  assert.equal(formatKbps(null), '–');
  assert.equal(formatKbps(322.4), '322 kbit/s');
  assert.equal(formatKbps(4200), '4.2 Mbit/s');
  assert.equal(formatDelay(240), '240 ms');
  assert.equal(formatDelay(3300), '3.3 s');
  assert.equal(formatDuration(45_000), '45 s');
  assert.equal(formatDuration(3_725_000), '1 h 2 min');
  assert.equal(formatDuration(3 * 86_400_000), '3.0 days');
});

test('codec names as the probe gives them become H.264 and H.265', () => {
  assert.equal(formatCodec('h264'), 'H.264');
  assert.equal(formatCodec('avc1.4d400c'), 'H.264');
  assert.equal(formatCodec('hevc'), 'H.265');
  assert.equal(formatCodec('mjpeg'), 'MJPEG');
});

test('a day key and the local midnight it names go both ways', () => {
  const noon = new Date(2026, 10, 24, 12, 30).getTime();
  assert.equal(dayKey(noon), '2026-11-24');
  assert.equal(dayStartMs('2026-11-24'), new Date(2026, 10, 24).getTime());
  assert.equal(dayKey(dayStartMs('2026-01-05')), '2026-01-05');
});
