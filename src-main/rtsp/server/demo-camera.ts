/**
 * The demo camera of the first run (issue 6): our RTSP server on loopback serving the clip shipped in
 * assets/demo/, ingested through the same RTSP path as a real camera.
 *
 *   const demo = await startDemoCamera();   // rtsp://127.0.0.1:<port>/demo
 *   demo.url('/demo'); …; await demo.close();
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRtspServer, type RtspServer } from './rtsp-server.js';

/** assets/demo/demo.h264 of the project folder (this file runs from out/src-main/rtsp/server/). */
export const DEMO_CLIP_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../assets/demo/demo.h264');

export const DEMO_PATH = '/demo';

export interface DemoCameraOptions {
  /** Default 0 (any free port); the runtime may keep a fixed one so the config's URL stays valid. */
  port?: number;
  /** Default 127.0.0.1: the demo is never exposed on the LAN. */
  host?: string;
  /** Where the clip is when the app is packaged elsewhere (Electron's resources folder). */
  clipPath?: string;
  log?: (line: string) => void;
}

/** Starts the demo camera; its stream is at `url(DEMO_PATH)`. */
export function startDemoCamera(options: DemoCameraOptions = {}): Promise<RtspServer> {
  return startRtspServer({
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    mounts: [{ path: DEMO_PATH, source: options.clipPath ?? DEMO_CLIP_PATH }],
    ...(options.log ? { log: options.log } : {}),
  });
}
