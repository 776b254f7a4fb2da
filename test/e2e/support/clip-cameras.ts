/**
 * Light cameras for browser tests that need many tiles but not GStreamer's live encoder: our own RTSP server
 * (src-main/rtsp/server) looping one cached x264 clip on /cam1 … /camN, each mount a camera in the config. The
 * first `withLowVersion` cameras get a second, lower version on /camN-low (the same clip), so enlarging a tile
 * visibly switches version.
 */
import { startRtspServer } from '../../../src-main/rtsp/server/index.js';
import type { RtspServer } from '../../../src-main/rtsp/server/index.js';
import { makeClip } from '../../support/clips.js';
import type { E2eCamera } from './e2e-server.js';

export interface ClipCameras {
  cameras: E2eCamera[];
  server: RtspServer;
  close(): Promise<void>;
}

export async function startClipCameras(options: { count: number; withLowVersion?: number }): Promise<ClipCameras> {
  const clip = await makeClip({ width: 320, height: 180, fps: 15, gopFrames: 15, bitrateKbps: 300, seconds: 4 });
  const twoVersions = options.withLowVersion ?? 0;
  const mounts = [];
  for (let i = 1; i <= options.count; i++) {
    mounts.push({ path: `/cam${i}`, source: clip.path });
    if (i <= twoVersions) mounts.push({ path: `/cam${i}-low`, source: clip.path });
  }
  const server = await startRtspServer({ mounts });
  const cameras: E2eCamera[] = [];
  for (let i = 1; i <= options.count; i++) {
    const versions = [{ sid: '1-main', url: server.url(`/cam${i}`) }];
    if (i <= twoVersions) versions.push({ sid: '2-low', url: server.url(`/cam${i}-low`) });
    cameras.push({ deviceUid: `cam-${i}`, name: `Camera ${i}`, versions });
  }
  return { cameras, server, close: () => server.close() };
}
