/**
 * What the HTTP server needs from the rest of the core. The runtime (src-main/runtime/) builds one of these
 * from the config, the hub, the recorder's catalog and the certificates; tests can build one from real parts.
 */
import type { Readable } from 'node:stream';
import type { StreamId, VideoFormat, AccessUnit } from '../../src-shared/access-unit.js';
import type {
  CameraSummary,
  CertificatesResponse,
  ConfigSaveResponse,
  ProbeRequest,
  ProbeResult,
  RecordingSegment,
  TelemetryResponse,
} from '../../src-shared/api.js';
import type { CameraReport } from '../../src-shared/camera-report.js';
import type { Hub } from '../streams/hub.js';
import type { SessionStore } from './auth/session-store.js';
import type { SetupToken } from './auth/setup-token.js';
import type { SignInLimiter } from './auth/sign-in-limiter.js';
import type { UsersStore } from './auth/users-store.js';
import type { TokenBucket } from './token-bucket.js';

/** A recorded access unit with the format it was recorded with. */
export interface RecordedUnit {
  au: AccessUnit;
  format: VideoFormat;
}

/** Reads recorded units from a time on, in order (the recorder's catalog reader, adapted). */
export interface PlaybackReader {
  /** The next unit, or null at the end of the recordings. */
  next(): Promise<RecordedUnit | null>;
  close(): Promise<void>;
}

export interface RecordingsService {
  segments(streamId: StreamId, fromMs: number, toMs: number): Promise<RecordingSegment[]>;
  /** A reader from the keyframe at or before `fromMs` (null when nothing is recorded from there on). */
  openReader(streamId: StreamId, fromMs: number): Promise<PlaybackReader | null>;
  /** The time of the keyframe after (or before) a position, for stepping; null when there is none. */
  stepTarget(
    streamId: StreamId,
    positionMs: number,
    direction: 'next-keyframe' | 'previous-keyframe',
  ): Promise<number | null>;
  /** One MP4 of the range, streamed as it is made. */
  exportMp4(streamId: StreamId, fromMs: number, toMs: number): Promise<Readable>;
}

export interface ConfigService {
  /** The config file with every secret replaced by REDACTED. */
  readRedacted(): unknown;
  /** Validates (throwing ConfigInvalidError with every problem), saves and applies. */
  write(incoming: unknown): Promise<ConfigSaveResponse>;
}

export interface CertificatesService {
  list(): Promise<CertificatesResponse>;
  caPem(): Promise<string>;
  /** A .p12 for a device, protected by `password`, and the new certificate's serial. */
  issueClient(name: string, password: string): Promise<{ p12: Buffer; serial: string }>;
  revoke(serial: string): Promise<void>;
  isRevoked(serial: string): boolean;
}

/** Per-connection limits of one HTTP port (the original's `http.ports[].perConn.limits`). */
export interface ConnectionLimits {
  secsIdle: number;
  secsOverqueueing: number;
  bpsIn: number;
  bpsOut: number;
  /** Bytes a viewer's socket may hold queued before it is skipped to the next keyframe. */
  sendQueueBytes: number;
}

export interface ServerContext {
  hub: Hub;
  users: UsersStore;
  sessions: SessionStore;
  signInLimiter: SignInLimiter;
  setupToken: SetupToken;
  /** The renderer bundle (out/renderer): signin.html and its assets are public, the rest needs a session. */
  rendererDir: string;
  log(line: string): void;
  /** Cameras and their versions with state, in config order. */
  cameras(): CameraSummary[];
  telemetry(): Promise<TelemetryResponse>;
  recordings: RecordingsService | null;
  config: ConfigService | null;
  certificates: CertificatesService | null;
  probe: ((request: ProbeRequest) => Promise<ProbeResult>) | null;
  /** Added (issue 9): POST /probe with `report: true`; absent where probing is not available. */
  probeReport?: (request: ProbeRequest) => Promise<CameraReport>;
  /** The overall caps (`http.maxs.bps`), shared by every port; null = none. */
  globalBpsIn: TokenBucket | null;
  globalBpsOut: TokenBucket | null;
}

/** What one listening port adds to the context. */
export interface PortContext {
  port: number;
  tls: boolean;
  /** Ask for a client certificate; a valid one signs a device in. */
  clientCertRequested: boolean;
  limits: ConnectionLimits;
  /** The port's own caps (`conns.bps`); null = none. */
  portBpsIn: TokenBucket | null;
  portBpsOut: TokenBucket | null;
}
