/**
 * What a missing setting means. Where the original's README example sets a value, the default is that value,
 * except where noted: an absent key means the same in every file, whatever the example did.
 */
import type { CertificateDef, FsyncPolicy, RtspTransport, SubjectAttribute } from './config-types.js';

export const CONFIG_DEFAULTS = {
  storage: {
    /** Relative to the config file's folder. */
    rootPath: 'recordings',
    limit: '10GB',
    isReadOnly: false,
    /** The example says false (delete unknown files); absent, we keep them: never delete what we do not know. */
    keepUnknownFiles: true,
    waitForLoad: true,
    initialLoadThreads: 4,
  },
  stream: {
    recording: true,
    nameDigits: 6,
    divider: '1h',
    fileLimit: '1GB',
    fsync: 'segment' as FsyncPolicy,
    /** 0 = no maximum age; recordings go only when the storage limits need room. */
    maxAge: 0,
    /** 0 = no per-stream limit; only the global one applies. */
    streamLimit: 0,
    transport: 'auto' as RtspTransport,
    /** The example says 60s; absent, 10s, so a stalled camera is reconnected within seconds. */
    assumeConnDroppedAfter: '10s',
  },
  rtsp: {
    rtpPorts: [8000],
    rtcpPort: 8001,
    orderingQueueSz: 16,
    /** `requests.timeouts.max.msConnect`. */
    connectTimeoutMs: 5000,
    retries: 1,
  },
  http: {
    /** A port with no `ssl` section serves HTTPS. */
    sslEnabled: true,
    secsIdle: 30,
    secsOverqueueing: 15,
  },
  certs: {
    caCertPath: 'thinstream_ca.cert.der',
    caKeyPath: 'thinstream_ca.key.p12',
    caKeyName: 'thinstream_ca',
    /** Issued client certificates and revocations, beside the CA certificate. */
    registryFilename: 'thinstream_ca.issued.json',
    bits: 2048,
    caDaysValid: 3650,
    serverDaysValid: 825,
    clientDaysValid: 825,
  },
} as const;

export function defaultSubject(commonName: string): SubjectAttribute[] {
  return [
    { type: 'O', value: 'ThinStream' },
    { type: 'OU', value: 'ThinStream' },
    { type: 'CN', value: commonName },
  ];
}

export function defaultCaDef(): Required<CertificateDef> {
  return { subject: defaultSubject('ThinStream Local CA'), bits: 2048, daysValid: CONFIG_DEFAULTS.certs.caDaysValid };
}

/** Original write/read modes that mean "on". */
export const ALWAYS_MODES = ['allways', 'always'] as const;

/** A device uid or version sid names a folder and a URL segment: letters, digits, `.`, `_`, `-`. */
export const ID_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$/;

/** Subject attribute short names a certificate may use. */
export const SUBJECT_TYPES = ['C', 'ST', 'L', 'O', 'OU', 'CN', 'E', 'emailAddress', 'serialNumber', 'DC'] as const;
