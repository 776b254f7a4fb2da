/** The live HLS window (src-main/server/hls/hls-window.ts): the playlist RFC 8216 asks for, as it slides. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HlsWindow } from '../../src-main/server/hls/hls-window.js';

const bytes = (n: number): Uint8Array => new Uint8Array([n]);

function tags(playlist: string): string[] {
  return playlist.trimEnd().split('\n');
}

test('a new window lists its segments after the header, each with its duration and the init segment once', () => {
  const w = new HlsWindow({ segments: 3, targetDurationS: 6 });
  w.setInit(bytes(100));
  w.add(bytes(0), 2, false);
  w.add(bytes(1), 1.96, false);
  assert.deepEqual(tags(w.playlist()), [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    '#EXT-X-TARGETDURATION:6',
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-DISCONTINUITY-SEQUENCE:0',
    '#EXT-X-MAP:URI="init-1.mp4"',
    '#EXTINF:2.000,',
    '0.m4s',
    '#EXTINF:1.960,',
    '1.m4s',
  ]);
  assert.deepEqual(w.init(1), bytes(100));
  assert.deepEqual(w.segment(1)?.data, bytes(1));
  assert.equal(w.segment(2), null, 'not made yet');
});

test('the window slides: the media sequence follows the oldest segment kept, older ones are gone', () => {
  const w = new HlsWindow({ segments: 3, targetDurationS: 6 });
  w.setInit(bytes(100));
  for (let i = 0; i < 5; i++) w.add(bytes(i), 2, false);
  const lines = tags(w.playlist());
  assert.ok(lines.includes('#EXT-X-MEDIA-SEQUENCE:2'));
  assert.deepEqual(
    lines.filter((l) => l.endsWith('.m4s')),
    ['2.m4s', '3.m4s', '4.m4s'],
  );
  assert.equal(w.segment(1), null);
  assert.deepEqual(w.segment(4)?.data, bytes(4));
  assert.equal(w.segmentCount, 3);
});

test('a gap is a discontinuity; once its segment leads the window the tag goes and the sequence counts it', () => {
  const w = new HlsWindow({ segments: 2, targetDurationS: 6 });
  w.setInit(bytes(100));
  w.add(bytes(0), 2, true); // the first segment of all: nothing before it to break from
  w.add(bytes(1), 2, true);
  let lines = tags(w.playlist());
  assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.ok(lines.indexOf('#EXT-X-DISCONTINUITY') < lines.indexOf('1.m4s'));
  assert.ok(lines.includes('#EXT-X-DISCONTINUITY-SEQUENCE:0'));
  w.add(bytes(2), 2, false); // segment 1 (the discontinuity) now leads
  lines = tags(w.playlist());
  assert.ok(!lines.includes('#EXT-X-DISCONTINUITY'));
  assert.ok(lines.includes('#EXT-X-DISCONTINUITY-SEQUENCE:1'));
});

test('a new format maps a new init segment after a discontinuity; the old init goes with its last segment', () => {
  const w = new HlsWindow({ segments: 2, targetDurationS: 6 });
  w.setInit(bytes(100));
  w.add(bytes(0), 2, false);
  w.setInit(bytes(101));
  w.add(bytes(1), 2, false);
  assert.deepEqual(tags(w.playlist()).slice(5), [
    '#EXT-X-MAP:URI="init-1.mp4"',
    '#EXTINF:2.000,',
    '0.m4s',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-MAP:URI="init-2.mp4"',
    '#EXTINF:2.000,',
    '1.m4s',
  ]);
  w.add(bytes(2), 2, false);
  assert.equal(w.init(1), null, 'no segment needs init 1 any more');
  assert.deepEqual(w.init(2), bytes(101));
  assert.ok(tags(w.playlist()).includes('#EXT-X-DISCONTINUITY-SEQUENCE:1'));
});

test('a segment before any init segment is a programming error', () => {
  assert.throws(() => new HlsWindow({ segments: 2, targetDurationS: 6 }).add(bytes(0), 2, false), /before setInit/);
});
