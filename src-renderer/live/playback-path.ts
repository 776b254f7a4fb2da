/** Which way a live tile plays its stream in this browser (use-stream-player.ts asks). */

/**
 * How a live stream plays here: through MSE (the low-delay path), through the browser's own HLS where there
 * is no MSE for the codec (Safari on an iPhone; a few seconds behind live), or not at all.
 */
export function livePlaybackPath(mseSupportsCodec: boolean, videoCanPlayHls: boolean): 'mse' | 'hls' | 'none' {
  if (mseSupportsCodec) return 'mse';
  return videoCanPlayHls ? 'hls' : 'none';
}
