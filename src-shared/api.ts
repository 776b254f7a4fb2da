/**
 * The HTTP API both viewers use (the Electron window and LAN browsers), versioned under /api/v1.
 * One table of routes; request and response bodies are typed here so the server and the renderer
 * import the same shapes. Errors always answer `{ error: ErrorInfo }` with the catalogue's status.
 *
 * Stream ids appear in paths as two segments: /streams/<deviceUid>/<versionSid>.
 */
import type { ErrorInfo } from './errors.js';
import type { StreamId } from './access-unit.js';
import type { StreamStatus } from './stream-status.js';

export const API_PREFIX = '/api/v1';

export interface ApiErrorBody {
  error: ErrorInfo;
}

// ---- Sign-in -------------------------------------------------------------------------------------

export interface SignInRequest {
  username: string;
  password: string;
}

export interface SessionInfo {
  username: string;
  role: 'admin' | 'viewer';
  /** How this session was made. */
  via: 'password' | 'client-certificate' | 'local-app';
}

/** GET /setup: whether first-run admin creation is still open. POST /setup creates the admin. */
export interface SetupStatus {
  needsAdmin: boolean;
  /** The request came with a session or a client certificate: the sign-in page goes straight to the app. */
  signedIn: boolean;
}

export interface SetupRequest {
  /** The one-time token the headless service printed in its setup link (the desktop app passes it itself). */
  token: string;
  username: string;
  password: string;
}

// ---- Streams and state ---------------------------------------------------------------------------

export interface StreamVersionSummary {
  versionSid: string;
  streamId: StreamId;
  status: StreamStatus;
  recording: boolean;
}

export interface CameraSummary {
  deviceUid: string;
  name: string;
  groupUid: string;
  groupName: string;
  enabled: boolean;
  /** In the order of the config; the first is the main (high) stream, the last the lowest. */
  versions: StreamVersionSummary[];
}

export interface StreamsResponse {
  cameras: CameraSummary[];
}

// ---- Recordings ------------------------------------------------------------------------------------

export interface RecordingSegment {
  /** Opaque id of the segment (its file name). */
  id: string;
  startMs: number;
  endMs: number;
  bytes: number;
  frames: number;
  /** True while it is being written. */
  open: boolean;
}

/** GET /recordings/<device>/<version>?from=<ms>&to=<ms> */
export interface RecordingsResponse {
  streamId: StreamId;
  segments: RecordingSegment[];
}

/** Client → server text messages on a playback socket (/playback/<device>/<version>?from=<ms>&speed=<n>). */
export type PlaybackControlMessage =
  | { type: 'seek'; timeMs: number }
  | { type: 'pause' }
  | { type: 'resume' }
  /** 0 means as fast as the viewer takes it. */
  | { type: 'speed'; speed: number }
  | { type: 'step'; direction: 'next-keyframe' | 'previous-keyframe' };

// ---- Config --------------------------------------------------------------------------------------

/** PUT /config answers this on success; a 400 carries every problem, each with its JSON path. */
export interface ConfigSaveResponse {
  applied: 'live' | 'restart-needed';
  /** What could not be applied without a restart, in words. */
  restartReasons: string[];
}

export interface ConfigErrorsBody {
  error: ErrorInfo;
  /** Every problem found, each with `path`, so the editor can show it beside its field. */
  errors: ErrorInfo[];
}

/** POST /probe: the config editor's "Test connection". Passwords may be omitted to use the stored one. */
export interface ProbeRequest {
  url: string;
  user?: string;
  password?: string;
  /** When editing an existing camera, its uid: the stored password is used if `password` is absent. */
  deviceUid?: string;
  transport?: 'udp' | 'tcp' | 'auto';
  seconds?: number;
  /**
   * Added (issue 9): answer a camera report (src-shared/camera-report.ts CameraReport, redacted) instead of the
   * result, with status 200 also when the camera fails (the failure is in the report's `error`): the config
   * editor's "Download camera report".
   */
  report?: boolean;
}

export interface ProbeResult {
  codec: string;
  profile: string;
  width: number;
  height: number;
  fps: number | null;
  frames: number;
  keyframes: number;
  bitrateKbps: number;
  lostPackets: number;
  transport: 'udp' | 'tcp';
  firstFrameMs: number;
  quirks: string[];
}

// ---- Users and certificates ----------------------------------------------------------------------

export interface UserSummary {
  username: string;
  role: 'admin' | 'viewer';
  createdMs: number;
}

export interface UserWriteRequest {
  username: string;
  password: string;
  role: 'admin' | 'viewer';
}

export interface CertificateSummary {
  serial: string;
  subject: string;
  notBeforeMs: number;
  notAfterMs: number;
  revoked: boolean;
  kind: 'ca' | 'server' | 'client';
}

export interface CertificatesResponse {
  ca: CertificateSummary;
  server: CertificateSummary[];
  clients: CertificateSummary[];
}

/** POST /certs/clients → the .p12 file (application/x-pkcs12) protected by `password`. */
export interface IssueClientCertRequest {
  name: string;
  password: string;
}

// ---- Telemetry -----------------------------------------------------------------------------------

export interface StorageTelemetry {
  rootPath: string;
  limitBytes: number;
  usedBytes: number;
  freeBytes: number;
  oldestMs: number | null;
  newestMs: number | null;
}

/** The recorder's memory: the process as the OS sees it, and the shared pool of video slabs inside it. */
export interface MemoryTelemetry {
  rssBytes: number;
  heapUsedBytes: number;
  /** ArrayBuffers outside the JS heap: video slabs, socket and disk buffers. */
  arrayBuffersBytes: number;
  slabs: SlabPoolTelemetry;
  /** The buffers live units go to WebSocket viewers in. */
  wsFrames: WsFramePoolTelemetry;
  /** Full collections the recorder asked V8 for since start, to keep its memory flat (memory-reducer.ts). */
  reducerCollections: number;
}

/** The pool NAL units are copied into (ingest): slabs holding video now, slabs waiting for reuse, and counters. */
export interface SlabPoolTelemetry {
  slabBytes: number;
  /** Slabs holding video the GOP cache, the recorder or a viewer still reads. */
  inUse: number;
  /** Slabs waiting for reuse. */
  free: number;
  /** Since start: slabs allocated, taken from the free list, pinned (left to the GC), handed back to the GC. */
  made: number;
  reused: number;
  pinned: number;
  dropped: number;
  /** Bookkeeping errors (a release without a hold): 0 unless there is a bug. */
  misuse: number;
}

/** The pool of WebSocket message buffers (live viewers): buffers waiting for reuse, and counters. */
export interface WsFramePoolTelemetry {
  /** Buffers a socket write (or a fan-out in progress) still holds. */
  inUse: number;
  /** Buffers waiting for reuse, and their bytes. */
  free: number;
  freeBytes: number;
  /**
   * Since start: buffers allocated, taken from a free list, frames too large for a class (own buffer), buffers
   * handed back to the GC because the free lists were full.
   */
  made: number;
  reused: number;
  oversize: number;
  dropped: number;
  /** Bookkeeping errors (a release without a hold): 0 unless there is a bug. */
  misuse: number;
}

export interface TelemetryResponse {
  nowMs: number;
  streams: StreamStatus[];
  storage: StorageTelemetry;
  server: { connections: number; viewers: number; bytesOut: number };
  memory: MemoryTelemetry;
}

/**
 * Every route: method, path (`:name` segments), and whether it needs a signed-in session.
 * The server registers from this table and a test walks it to prove each protected route answers 401.
 */
export const API_ROUTES = [
  { method: 'GET', path: '/api/v1/session', auth: false },
  { method: 'POST', path: '/api/v1/session', auth: false },
  { method: 'DELETE', path: '/api/v1/session', auth: true },
  { method: 'GET', path: '/api/v1/setup', auth: false },
  { method: 'POST', path: '/api/v1/setup', auth: false },
  { method: 'GET', path: '/api/v1/streams', auth: true },
  { method: 'GET', path: '/api/v1/streams/:deviceUid/:versionSid', auth: true },
  { method: 'GET', path: '/api/v1/recordings/:deviceUid/:versionSid', auth: true },
  { method: 'GET', path: '/api/v1/export/:deviceUid/:versionSid', auth: true },
  { method: 'GET', path: '/api/v1/live/:deviceUid/:versionSid', auth: true },
  { method: 'GET', path: '/api/v1/playback/:deviceUid/:versionSid', auth: true },
  { method: 'GET', path: '/api/v1/config', auth: true },
  { method: 'PUT', path: '/api/v1/config', auth: true },
  { method: 'POST', path: '/api/v1/probe', auth: true },
  { method: 'GET', path: '/api/v1/users', auth: true },
  { method: 'POST', path: '/api/v1/users', auth: true },
  { method: 'DELETE', path: '/api/v1/users/:username', auth: true },
  { method: 'GET', path: '/api/v1/certs', auth: true },
  { method: 'GET', path: '/api/v1/certs/ca', auth: true },
  { method: 'POST', path: '/api/v1/certs/clients', auth: true },
  { method: 'POST', path: '/api/v1/certs/clients/:serial/revoke', auth: true },
  { method: 'GET', path: '/api/v1/telemetry', auth: true },
  { method: 'GET', path: '/api/v1/discovery', auth: true },
  { method: 'GET', path: '/live/:deviceUid/:versionSid.mp4', auth: true },
  { method: 'GET', path: '/hls/:deviceUid/:versionSid/index.m3u8', auth: true },
  { method: 'GET', path: '/hls/:deviceUid/:versionSid/:file', auth: true },
  { method: 'POST', path: '/api/v1/discovery/stream-uris', auth: true },
  { method: 'POST', path: '/api/v1/discovery/url-patterns', auth: true },
] as const;

/**
 * Files of the renderer bundle (out/renderer/) the server gives without a session: the sign-in page and its
 * own assets (`signin.html`, `signin.js`, `signin.css`, their source maps, any `signin.*`) and the icon.
 * Everything else (index.html, app.js, …) needs a session; `/` without one redirects to /signin.html.
 */
export const PUBLIC_ASSET_PATTERN = /^(?:signin\.[A-Za-z0-9.-]+|favicon\.(?:ico|svg|png))$/;

/** The session cookie's name (HttpOnly, SameSite=Strict, Secure on TLS ports). */
export const SESSION_COOKIE_NAME = 'thinstream_session';

// ---- Finding cameras (issue 9) -------------------------------------------------------------------

/**
 * One camera that answered an ONVIF WS-Discovery probe. GET /discovery (admins) answers these within a bounded
 * time: `?timeoutMs=` (default 3000, at most 10000); `?host=<address>[&port=<n>]` probes that one address by
 * unicast (a camera on another subnet, where multicast does not reach) instead of the LAN by multicast.
 */
export interface DiscoveredCamera {
  /** The address the answer came from. */
  address: string;
  /** The device's WS-Addressing endpoint (`urn:uuid:…`): stable across address changes. */
  endpoint: string;
  /** The device service URL to ask for profiles (POST /discovery/stream-uris `xaddr`). */
  xaddr: string;
  /** Every device service URL the camera listed. */
  xaddrs: string[];
  /** From the camera's ONVIF scopes (`name`, `hardware`, a manufacturer scope, `location`); null when absent. */
  name: string | null;
  model: string | null;
  manufacturer: string | null;
  location: string | null;
  /** The id of the CAMERA_URL_PATTERNS entry whose brand the scopes name (src-shared/camera-url-patterns.ts). */
  brandHint: string | null;
  scopes: string[];
  types: string[];
}

export interface DiscoveryResponse {
  mode: 'multicast' | 'unicast';
  cameras: DiscoveredCamera[];
  durationMs: number;
  /** Datagrams that were not a usable ProbeMatches (other WS-Discovery traffic, malformed XML), each in words. */
  ignored: string[];
}

/** POST /discovery/stream-uris: ask one ONVIF camera for its media profiles and their RTSP addresses. */
export interface StreamUrisRequest {
  /** The device service URL from discovery, or a host (`192.168.1.20`, `cam.local:8080`) for the ONVIF default path. */
  xaddr: string;
  user?: string;
  password?: string;
  timeoutMs?: number;
}

export interface OnvifProfileInfo {
  token: string;
  name: string;
  /** `H264`, `H265`, `JPEG`, `MPEG4`…, as the camera names it; null when the profile has no video encoder. */
  encoding: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  /** The RTSP address (never with credentials in it), or null when the camera gave none. */
  uri: string | null;
  /** Why there is no URI, when there is none. */
  problem: string | null;
  /** H.264: ThinStream can record it. */
  supported: boolean;
}

/** The answer: never echoes the password. */
export interface StreamUrisResponse {
  xaddr: string;
  /** The media service the profiles came from. */
  mediaXaddr: string;
  manufacturer: string | null;
  model: string | null;
  firmware: string | null;
  profiles: OnvifProfileInfo[];
  /** Suggested main and sub stream addresses: the largest and the smallest supported profile. */
  mainUri: string | null;
  subUri: string | null;
  /** Camera oddities worked around, by name (`clock-offset`, `media-xaddr-rewritten`, …). */
  quirks: string[];
}

/** POST /discovery/url-patterns: try brand URL patterns against one host with RTSP DESCRIBE. */
export interface UrlPatternCheckRequest {
  host: string;
  /** Overrides each pattern's port. */
  port?: number;
  user?: string;
  password?: string;
  /** Pattern ids to try (default: all). */
  patterns?: string[];
  channel?: number;
  timeoutMs?: number;
}

export type UrlPatternOutcome =
  /** DESCRIBE answered 200 with SDP: the stream exists (and the credentials, if any, were accepted). */
  | 'ok'
  /** 401 and no credentials were given: the camera is there and wants a user and password. */
  | 'needs-credentials'
  /** The credentials were refused (401 again, or 403). */
  | 'auth-refused'
  | 'not-found'
  | 'other-status'
  | 'unreachable'
  | 'timeout'
  /** Not tried: an earlier refusal stopped further attempts (cameras lock out after a few wrong logins). */
  | 'skipped';

export interface UrlPatternCheck {
  patternId: string;
  stream: 'main' | 'sub';
  url: string;
  outcome: UrlPatternOutcome;
  status: number | null;
  message: string;
}

export interface UrlPatternCheckResponse {
  host: string;
  checks: UrlPatternCheck[];
}
