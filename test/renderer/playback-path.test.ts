import { test } from 'node:test';
import assert from 'node:assert/strict';
import { livePlaybackPath } from '../../src-renderer/live/playback-path.js';

test('MSE wherever it plays the codec, even where the browser also has HLS (MSE is seconds closer to live)', () => {
  assert.equal(livePlaybackPath(true, false), 'mse');
  assert.equal(livePlaybackPath(true, true), 'mse');
});

test('no MSE for the codec but HLS in the <video> (Safari on an iPhone): HLS', () => {
  assert.equal(livePlaybackPath(false, true), 'hls');
});

test('neither: the tile says the browser cannot play the stream', () => {
  assert.equal(livePlaybackPath(false, false), 'none');
});
