/**
 * The config file: the original service's shape (sys-thinstream-src README, `context`, `server`, `http`,
 * `streamsGrps[].streams[].versions[]`) plus a few additions of ours, each marked `ThinStream:` below.
 * A user of the original brings their file as it is.
 *
 * Every field is optional in the file: defaults (config-defaults.ts) fill what is missing, validation
 * (validate-config.ts) checks what is there, and resolve-config (src-main) turns it into the flat view the
 * runtime consumes. Keys these types do not name (the original's `cypher`, `threads`, keys disabled with a
 * trailing underscore such as `debug_`) are kept in the object, saved back untouched, and ignored.
 */

/** A size: bytes as a number, or a string with a 1024-based unit (`1536B`, `64MB`, `10GB`). See units.ts. */
export type SizeValue = number | string;
/** A duration: seconds as a number, or a string with units (`500ms`, `60s`, `1h`, `30d`). See units.ts. */
export type DurationValue = number | string;

/** One attribute of a certificate's distinguished name, as the original writes it: `{ "type": "CN", "value": "…" }`. */
export interface SubjectAttribute {
  /** Short name: C, ST, L, O, OU, CN (also E / emailAddress, serialNumber). */
  type: string;
  value: string;
}

/** How to make a certificate (the original's `def`). */
export interface CertificateDef {
  subject?: SubjectAttribute[];
  /** RSA key size. */
  bits?: number;
  daysValid?: number;
}

/** Where a private key lives: a PKCS#12 file at `path` protected by `pass`; `name` is its friendly name. */
export interface KeyRef {
  pass?: string;
  name?: string;
  path?: string;
}

/** `context.caCert`: the local root CA. The certificate (DER) at `path`, its key at `key.path`. */
export interface CaCertConfig {
  path?: string;
  def?: CertificateDef;
  key?: KeyRef;
}

/** The original's `deviceId`, `identityId`, `usrCert`: certificate definitions with the key inline. Kept, unused. */
export interface IdentityCertConfig extends CertificateDef {
  keypass?: string;
  keyname?: string;
  keypath?: string;
}

export interface StreamsStorageDefaults {
  /** Global storage limit for all recordings (`10GB`). Oldest segments are deleted to keep it. */
  limit?: SizeValue;
  isReadOnly?: boolean;
  keepUnknownFiles?: boolean;
  /** Whether streams wait for the start-up scan of existing recordings before recording. */
  waitForLoad?: boolean;
  initialLoadThreads?: number;
}

export interface StreamsStorageConfig {
  /** Folder of the recordings; relative paths are resolved against the config file's folder. */
  rootPath?: string;
  cfgFilename?: string;
  defaults?: StreamsStorageDefaults;
}

export interface FilesystemConfig {
  rootFolder?: string;
  streams?: StreamsStorageConfig;
  pkgs?: unknown[];
}

export interface ContextConfig {
  threads?: unknown;
  filesystem?: FilesystemConfig;
  cypher?: unknown;
  locale?: unknown;
  deviceId?: IdentityCertConfig;
  identityId?: IdentityCertConfig;
  usrCert?: IdentityCertConfig;
  caCert?: CaCertConfig;
}

/** The original writes `allways`; `always` is accepted too. `never` turns recording (or reading) off. */
export type WriteMode = 'allways' | 'always' | 'never';
export type ReadMode = 'allways' | 'always';
/** ThinStream: how RTP reaches us. `auto` tries UDP and falls back to TCP interleaved. */
export type RtspTransport = 'udp' | 'tcp' | 'auto';
/** ThinStream: when recordings are fsync'ed. `segment`: at each segment's close (and the folder on create). */
export type FsyncPolicy = 'never' | 'fragment' | 'segment';

export interface WriteFilesConfig {
  nameDigits?: number;
  buffKeyframes?: boolean;
  index?: unknown;
  payload?: {
    /** Segment length by time (`1h`). */
    divider?: DurationValue;
    /** Segment length by size (`1GB`): a file is cut at the next keyframe past it. */
    limit?: SizeValue;
  };
  /** ThinStream: fsync policy. */
  fsync?: FsyncPolicy;
  /** ThinStream: recordings of this stream older than this are deleted (`30d`). */
  maxAge?: DurationValue;
}

export interface WriteParams {
  mode?: WriteMode;
  files?: WriteFilesConfig;
  /** ThinStream: storage limit of this stream's recordings (all its files together), inside the global limit. */
  limit?: SizeValue;
}

/** A stream's parameters: `server.defaults.streams.params`, overridden per version by `versions[].params`. */
export interface StreamParams {
  read?: { mode?: ReadMode; source?: string };
  write?: WriteParams;
  buffers?: unknown;
  rtsp?: {
    ports?: { rtp?: number; rtcp?: number };
    /** ThinStream: `udp | tcp | auto` (default `auto`). */
    transport?: RtspTransport;
  };
  rtp?: {
    /** No packet for this long → the connection is assumed dropped and is reopened (`60s`). */
    assumeConnDroppedAfter?: DurationValue;
  };
}

export interface StreamDevice {
  /** Unique among all devices: the first half of a stream id `<deviceUid>/<versionSid>`. */
  uid?: string;
  name?: string;
  /** Host name or address of the camera; applied to versions whose uri has no host. */
  server?: string;
  /** RTSP port; the original writes it as a string (`"554"`). */
  port?: number | string;
  useSSL?: boolean;
  user?: string;
  pass?: string;
}

export interface StreamVersion {
  /** Unique within its device: `1-high`, `2-mid`. */
  sid?: string;
  isDisabled?: boolean;
  /** `rtsp://host[:port]/path`, `rtsps://…`, or a path (`/media/video1`) resolved against the device. */
  uri?: string;
  params?: StreamParams | null;
}

export interface StreamConfig {
  isDisabled?: boolean;
  device?: StreamDevice;
  versions?: StreamVersion[];
}

export interface StreamsGroup {
  isDisabled?: boolean;
  uid?: string;
  name?: string;
  streams?: StreamConfig[];
}

export interface RetryTimeout {
  retries?: number;
  msConnect?: number;
}

export interface RtspServerSection {
  isDisabled?: boolean;
  requests?: { timeouts?: { min?: RetryTimeout; max?: RetryTimeout } };
  rtp?: {
    isDisabled?: boolean;
    server?: {
      /** Local UDP port(s) RTP arrives on, shared by every camera (0 = any free port). */
      ports?: number[];
      atomicStats?: boolean;
      packets?: { maxSize?: SizeValue; initAlloc?: SizeValue };
      perPort?: { packetsBuffSz?: number; allocBuffSz?: SizeValue };
      perStream?: { packetsBuffSz?: number; orderingQueueSz?: number };
    };
  };
  rtcp?: { isDisabled?: boolean; port?: number };
}

export type StatsLevel = 'error' | 'warning' | 'info' | 'debug' | 'verbose';

export interface ServerConfig {
  defaults?: { streams?: { params?: StreamParams; merger?: unknown } };
  buffers?: { maxKeep?: SizeValue; atomicStats?: boolean };
  rtsp?: RtspServerSection;
  telemetry?: Record<string, unknown>;
  streamsGrps?: StreamsGroup[];
}

/** Bits per second in and out; 0 = unlimited. */
export interface BpsLimits {
  in?: number;
  out?: number;
}

export interface HttpPortSsl {
  /** ThinStream: a port with no `ssl` section serves HTTPS (the original's example disables it explicitly). */
  isDisabled?: boolean;
  cert?: {
    /** Ask the client for a certificate from our CA (a valid one signs the device in). */
    isRequested?: boolean;
    /** Refuse clients without a valid certificate from our CA. */
    isRequired?: boolean;
    source?: {
      /** The server certificate (DER), made by `-genSSL`. */
      path?: string;
      def?: CertificateDef;
      key?: KeyRef;
    };
  };
}

export interface HttpPortConfig {
  isDisabled?: boolean;
  port?: number;
  desc?: string;
  conns?: { conns?: number; bps?: BpsLimits };
  perConn?: {
    recv?: unknown;
    sendQueue?: unknown;
    limits?: { secsIdle?: number; secsOverqueueing?: number; bps?: BpsLimits };
  };
  ssl?: HttpPortSsl;
}

export interface HttpConfig {
  maxs?: { connsIn?: number; secsIdle?: number; bps?: BpsLimits };
  ports?: HttpPortConfig[];
}

/** The whole file. */
export interface ThinStreamConfig {
  context?: ContextConfig;
  server?: ServerConfig;
  http?: HttpConfig;
}

/** A key the validator kept but ignores, or a setting it accepted with a caveat. Never stops a load. */
export interface ConfigWarning {
  /** JSON path of the key (`server.defaults.streams.params.write.files.debug_`). */
  path: string;
  message: string;
  /** `disabled`: a key switched off with a trailing underscore; `unknown`: a key neither we nor the original
   * know (a typo?); `unused`: a key of the original ThinStream does not use; `caveat`: accepted, but read this. */
  kind: 'disabled' | 'unknown' | 'unused' | 'caveat';
}
