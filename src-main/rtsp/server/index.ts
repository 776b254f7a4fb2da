/** Our own RTSP camera: the demo camera, the benchmark farm, the quirky test camera (rtsp-server.ts), and camera reports replayed (report-replay.ts). */
export { startRtspServer } from './rtsp-server.js';
export type { RtspServer, RtspServerOptions, RtspServerMountOptions, RtspServerStats } from './rtsp-server.js';
export { ClipSource } from './clip-source.js';
export type { ClipSourceOptions } from './clip-source.js';
export { QUIRKS, QUIRK_NAMES, parseQuirks, isQuirkName } from './quirks.js';
export type { QuirkName } from './quirks.js';
export type { CameraCredentials } from './server-auth.js';
export { startDemoCamera, DEMO_CLIP_PATH, DEMO_PATH } from './demo-camera.js';
export type { DemoCameraOptions } from './demo-camera.js';
export { startReportReplay } from './report-replay.js';
export type { ReportReplay, ReportReplayOptions, ReportReplayStats } from './report-replay.js';
