/**
 * The runtime's view of a config: flat, every default applied, sizes in bytes, durations in ms, paths absolute.
 * Made by resolveConfig() (src-main/config/resolve-config.ts) from a validated file; nothing downstream reads the
 * file's shape or parses `10GB` again.
 */
import type { StreamId } from '../access-unit.js';
import type { FsyncPolicy, RtspTransport, SubjectAttribute } from './config-types.js';

export interface ResolvedRecording {
  /** `write.mode` is `allways`/`always` (and the stream is enabled). */
  enabled: boolean;
  /** `<storage.rootPath>/<deviceUid>/<versionSid>`. */
  folder: string;
  /** A segment is cut at the next keyframe after this long (`write.files.payload.divider`). */
  dividerMs: number;
  /** … or after this many bytes (`write.files.payload.limit`), per file. */
  fileLimitBytes: number;
  nameDigits: number;
  fsync: FsyncPolicy;
  /** Recordings older than this are deleted (`write.files.maxAge`); null = no maximum age. */
  maxAgeMs: number | null;
  /** Storage limit of this stream's recordings together (`write.limit`); null = only the global limit. */
  streamLimitBytes: number | null;
}

export interface ResolvedStreamVersion {
  /** `<deviceUid>/<versionSid>`. */
  streamId: StreamId;
  deviceUid: string;
  versionSid: string;
  /** The camera's name (`device.name`, else its uid). */
  name: string;
  group: { uid: string; name: string };
  /** False when the version, its camera, its group, or the whole RTSP client is disabled. */
  enabled: boolean;
  /** rtsp:// or rtsps:// with the device's server/port applied; never carries credentials (safe to log). */
  url: string;
  /** `device.user`/`device.pass`, else the credentials written in the uri; undefined when none. */
  user: string | undefined;
  password: string | undefined;
  useSSL: boolean;
  transport: RtspTransport;
  assumeConnDroppedAfterMs: number;
  connectTimeoutMs: number;
  /** `server.rtsp.rtp.server.perStream.orderingQueueSz` (the supervisor uses 0 on TCP). */
  reorderQueueSize: number;
  recording: ResolvedRecording;
}

export interface ResolvedCamera {
  deviceUid: string;
  name: string;
  group: { uid: string; name: string };
  /** The camera and its group are enabled (a version may still be disabled). */
  enabled: boolean;
  /** In config order; the first is the main stream. */
  versions: ResolvedStreamVersion[];
}

export interface ResolvedStorage {
  /** Absolute (relative paths in the file are resolved against the config file's folder). */
  rootPath: string;
  /** Global limit of all recordings; 0 = none. */
  limitBytes: number;
  isReadOnly: boolean;
  keepUnknownFiles: boolean;
  waitForLoad: boolean;
  initialLoadThreads: number;
}

export interface ResolvedRtp {
  /** RTSP client enabled at all (`server.rtsp.isDisabled` false). */
  rtspEnabled: boolean;
  /** RTP over UDP allowed (`server.rtsp.rtp.isDisabled` false); when false every stream uses TCP interleaved. */
  udpEnabled: boolean;
  /** Local UDP port(s) for RTP, shared by every camera; 0 = any free port. */
  ports: number[];
  /** Local UDP port for RTCP; null when RTCP is disabled; 0 = any free port. */
  rtcpPort: number | null;
}

export interface ResolvedCertDef {
  subject: SubjectAttribute[];
  bits: number;
  daysValid: number;
}

export interface ResolvedKeyFile {
  /** Absolute path of the PKCS#12 file holding the key (and its certificate). */
  path: string;
  /** Its password; '' when the config has none (the file is then protected by an empty password). */
  pass: string;
  /** Friendly name inside the PKCS#12. */
  name: string;
}

export interface ResolvedTls {
  /** The server certificate, DER (the original's format), absolute path. */
  certPath: string;
  key: ResolvedKeyFile;
  def: ResolvedCertDef;
  /** `none`; `request` (isRequested: a valid client certificate signs in); `require` (isRequired). */
  clientCert: 'none' | 'request' | 'require';
}

export interface ResolvedBps {
  /** Bits per second; 0 = unlimited. */
  inBps: number;
  outBps: number;
}

export interface ResolvedHttpPort {
  /** Index in `http.ports`, for messages (`http.ports[0]`). */
  index: number;
  /** 0 = any free port (tests). */
  port: number;
  desc: string;
  enabled: boolean;
  /** null = plain HTTP (`ssl.isDisabled`). */
  tls: ResolvedTls | null;
  /** `conns.conns`: max connections on this port; 0 = unlimited. */
  maxConns: number;
  bps: ResolvedBps;
  perConn: {
    /** A connection idle this long is closed; 0 = never. */
    idleMs: number;
    /** A connection whose send queue stays full this long is dropped; 0 = never. */
    overqueueingMs: number;
    bps: ResolvedBps;
  };
}

export interface ResolvedHttp {
  /** `http.maxs.connsIn`: max connections over all ports; 0 = unlimited. */
  maxConns: number;
  idleMs: number;
  bps: ResolvedBps;
  /** Every entry of `http.ports`, disabled ones included (see `enabled`). */
  ports: ResolvedHttpPort[];
}

export interface ResolvedCerts {
  ca: { certPath: string; key: ResolvedKeyFile; def: ResolvedCertDef };
  /** Issued client certificates and revocations (JSON), beside the CA certificate. */
  registryPath: string;
  /** Template of client certificates (`context.usrCert`; the CN is the name given at issue). */
  clientDef: ResolvedCertDef;
  /** Default validity of server certificates when a port's def has none. */
  serverDaysValid: number;
}

export interface ResolvedConfig {
  /** The folder relative paths were resolved against. */
  configDir: string;
  storage: ResolvedStorage;
  rtp: ResolvedRtp;
  /** Every camera, in config order, disabled ones included. */
  cameras: ResolvedCamera[];
  /** Every stream version of every camera, flat, disabled ones included (see `enabled`). */
  streams: ResolvedStreamVersion[];
  http: ResolvedHttp;
  certs: ResolvedCerts;
}
