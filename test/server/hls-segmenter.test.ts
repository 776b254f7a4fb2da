/**
 * The live HLS segmenter (src-main/server/hls/hls-segmenter.ts) on a real hub fed real x264 clips: one segment
 * per GOP that ffprobe decodes from a keyframe, a jump in camera time marked as a discontinuity, and a new
 * stream format mapped to a new init segment whose segments decode at the new size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeStreamId } from '../../src-shared/access-unit.js';
import { HlsSegmenter } from '../../src-main/server/hls/hls-segmenter.js';
import { Hub } from '../../src-main/streams/hub.js';
import { clipUnit, makeClip } from './support/clip-units.js';

function probe(file: string): { width: number; keys: string[] } {
  const json = JSON.parse(
    execFileSync(
      'ffprobe',
      [
        ...['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width:frame=key_frame'],
        ...['-of', 'json', file],
      ],
      { encoding: 'utf8' },
    ),
  ) as { streams: Array<{ width: number }>; frames: Array<{ key_frame: number }> };
  return { width: json.streams[0]!.width, keys: json.frames.map((f) => String(f.key_frame)) };
}

test('segments per GOP, a time jump as a discontinuity, a new format as a new init segment', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-hls-'));
  const hub = new Hub();
  const id = makeStreamId('cam', 'main');
  const small = makeClip({ width: 320, height: 240, gop: 25, seconds: 2 });
  const large = makeClip({ width: 640, height: 360, gop: 25, seconds: 2 });
  const closed: string[] = [];
  hub.addStream(id);
  hub.setFormat(id, small.format);
  const segmenter = new HlsSegmenter({ hub, log: (l) => closed.push(l) }, id, small.format, () => {});
  segmenter.start();
  try {
    // 3 s of the small clip (segments 0–2; the jump closes the third), 10 s of camera time later 2 s more (3, 4;
    // the new format closes the last), then the large clip (5, 6). The window keeps six: 1 to 6.
    for (let i = 0; i < 75; i++) hub.publish(id, clipUnit(small, i, Date.now()));
    for (let i = 0; i < 50; i++) hub.publish(id, clipUnit(small, i + 75 + 250, Date.now())); // 10 s skipped
    // The camera comes back at another size.
    hub.setFormat(id, large.format);
    for (let i = 0; i < 51; i++) hub.publish(id, clipUnit(large, i, Date.now()));

    const lines = segmenter.window.playlist().trimEnd().split('\n');
    const names = lines.filter((l) => l.endsWith('.m4s'));
    assert.deepEqual(names, ['1.m4s', '2.m4s', '3.m4s', '4.m4s', '5.m4s', '6.m4s'], lines.join('\n'));
    for (const d of lines.filter((l) => l.startsWith('#EXTINF:'))) {
      const s = Number(d.slice(8, -1));
      assert.ok(s > 0.9 && s < 1.1, `one 1-s GOP per segment: ${d}`);
    }
    // The jump: a discontinuity right before the first segment after it; the new size: another, with its map.
    const firstAfterJump = lines.indexOf('3.m4s');
    assert.equal(lines[firstAfterJump - 2], '#EXT-X-DISCONTINUITY', lines.join('\n'));
    const map2 = lines.indexOf('#EXT-X-MAP:URI="init-2.mp4"');
    assert.ok(map2 > firstAfterJump, lines.join('\n'));
    assert.equal(lines[map2 - 1], '#EXT-X-DISCONTINUITY');
    assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 2);

    // Every segment decodes from a keyframe at its own size, behind the init segment it names.
    let init = 1;
    for (const line of lines) {
      const map = /^#EXT-X-MAP:URI="init-(\d+)\.mp4"$/.exec(line);
      if (map) init = Number(map[1]);
      if (!line.endsWith('.m4s')) continue;
      const segment = segmenter.window.segment(Number(line.slice(0, -4)))!;
      const file = join(dir, `${line}.mp4`);
      writeFileSync(file, Buffer.concat([segmenter.window.init(init)!, segment.data]));
      const p = probe(file);
      assert.equal(p.width, init === 1 ? 320 : 640, line);
      assert.equal(p.keys[0], '1', `${line} starts with a keyframe`);
      assert.equal(p.keys.length, 25, `${line}: ${p.keys.length} frames`);
    }
    assert.equal(hub.stats().viewers, 1);
  } finally {
    segmenter.close('test over');
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(hub.stats().viewers, 0, 'closing leaves the hub');
  assert.match(closed.join('\n'), /HLS of cam\/main stopped \(test over\)/);
});
