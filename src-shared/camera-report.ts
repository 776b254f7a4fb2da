/**
 * A camera report (issue 9): what `thinstream probe <url> --report report.json` and the config editor's
 * "Download camera report" (`POST /api/v1/probe` with `report: true`) record about one camera, for a user
 * to attach to a bug report, and what our test camera replays (`thinstream camera --replay report.json`).
 *
 * It holds the RTSP dialogue, the SDP, the headers of the first seconds of RTP/RTCP (never payloads: a
 * few header bytes describe each payload's shape), the parameter sets, the tolerances that fired and the
 * result or the error. Credentials are never in it: user:pass is taken out of every URL; Authorization
 * is reduced to its scheme and harmless parameters; nonces, cnonces, opaques and digest responses are
 * replaced by `[redacted]`, and so is the password wherever it appears.
 *
 * Times (`t`) are milliseconds since the probe started, on one monotonic clock for messages and packets.
 */
import { ThinStreamError, isErrorCode, type ErrorInfo } from './errors.js';

export const CAMERA_REPORT_FORMAT = 'thinstream-camera-report/1';

/** What `thinstream probe --json` prints (src-main/cli/probe-command.ts ProbeResult). */
export interface CameraReportResult {
  codec: string;
  profile: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  frames: number;
  keyframes: number;
  bitrateKbps: number;
  lostPackets: number;
  transport: 'udp' | 'tcp';
  firstFrameMs: number | null;
  quirks: string[];
}

/** One RTSP request or response, as written on the wire (header names as the camera wrote them). */
export interface ReportMessage {
  kind: 'message';
  t: number;
  /** Which control connection, from 1 (a redirect or a UDP→TCP fallback opens another). */
  conn: number;
  /** `sent` by ThinStream, `received` from the camera. */
  dir: 'sent' | 'received';
  /** `DESCRIBE rtsp://cam/stream RTSP/1.0` or `RTSP/1.0 200 OK`. */
  line: string;
  headers: Array<[string, string]>;
  /** The body as text (the SDP), '' when none. */
  body: string;
  /** The camera ended its lines with a bare LF instead of CRLF. */
  bareLf?: boolean;
}

/** A control connection opened, or closed (by the camera, or by ThinStream at the end). */
export interface ReportConnectionEvent {
  kind: 'open' | 'close';
  t: number;
  conn: number;
  /** open: `host:port`; close: why (`the camera closed the connection`, `probe finished`). */
  detail: string;
  /** close: who closed it. */
  by?: 'camera' | 'client';
}

export type ReportDialogueEntry = ReportMessage | ReportConnectionEvent;

/**
 * The shape of an H.264 payload (RFC 6184) without its content: the NAL unit header (or the STAP-A / FU-A
 * indicator), the FU header, the NAL units inside a STAP-A, whether a slice starts a picture, and where
 * Annex B start codes sit inside the payload (a camera quirk).
 */
export interface ReportPayloadShape {
  /** Payload bytes (after header, CSRCs, extension; without padding). */
  len: number;
  /** First payload byte: the NAL unit header, or the aggregation/fragmentation indicator (type 24, 28). */
  nal: number;
  /** FU-A/FU-B (types 28, 29): the FU header (S, E, R bits and the NAL unit type). */
  fu?: number;
  /** STAP-A (type 24): [NAL header, size] of each aggregated NAL unit. */
  stap?: Array<[number, number]>;
  /** FU-A start that repeats the start of the unfinished NAL unit before it: the camera began it again. */
  restart?: boolean;
  /** A slice (or a FU-A start of one) whose first_mb_in_slice is 0: the first slice of its picture. */
  first?: boolean;
  /** Annex B start codes (00 00 01) inside the payload: [offset of the NAL unit after it, its header byte]. */
  sc?: Array<[number, number]>;
}

/** How a packet arrived: over UDP, or interleaved on a channel of the RTSP connection (§10.12). */
export type ReportVia = 'udp' | number;

export interface ReportRtpPacket extends Partial<ReportPayloadShape> {
  kind: 'rtp';
  t: number;
  conn: number;
  via: ReportVia;
  /** Whole packet bytes. */
  bytes: number;
  seq: number;
  ts: number;
  m: boolean;
  pt: number;
  ssrc: number;
  /** CSRC count, extension words, padding bytes, when the packet had any (not replayed). */
  cc?: number;
  ext?: number;
  pad?: number;
  /** The packet was not RTP (too short, version ≠ 2): only its size is known. */
  malformed?: boolean;
}

export interface ReportRtcpPacket {
  kind: 'rtcp';
  t: number;
  conn: number;
  via: ReportVia;
  bytes: number;
  /** Packet types of the compound (200 SR, 201 RR, 202 SDES, 203 BYE, …). */
  types: number[];
  /** The first packet's SSRC. */
  ssrc?: number;
  /** A sender report's timing (§6.4.1): NTP time in ms since the Unix epoch, RTP time, counts. */
  sr?: { ntpMs: number; rtpTs: number; packets: number; octets: number };
  malformed?: boolean;
}

export type ReportPacket = ReportRtpPacket | ReportRtcpPacket;

export interface CameraReport {
  format: typeof CAMERA_REPORT_FORMAT;
  /** When the probe started (ms since the epoch). */
  createdMs: number;
  versions: { thinstream: string; node: string; os: string };
  /** What was probed: the URL without user:pass, and the options. */
  probe: { url: string; transport: 'udp' | 'tcp' | 'auto'; seconds: number; timeoutMs: number };
  dialogue: ReportDialogueEntry[];
  /** The DESCRIBE answer's SDP, or null when there was none. */
  sdp: string | null;
  /** RTP and RTCP headers in arrival order, from SETUP to the end (at most the limits below). */
  packets: ReportPacket[];
  /** Packets after the limits (time or count) that were not recorded. */
  packetsLeftOut: number;
  limits: { seconds: number; packets: number };
  /** Parameter sets seen in-band (base64 NAL units without start codes), each once, in order. */
  parameterSets: { sps: string[]; pps: string[] };
  /** The picture format ThinStream read (from the latest SPS), or null. */
  video: {
    codecString: string;
    profile: string;
    level: string;
    width: number;
    height: number;
    fps: number | null;
  } | null;
  /** Tolerances that fired, in order, with what was seen. */
  quirks: Array<{ name: string; detail: string }>;
  result: CameraReportResult | null;
  error: ErrorInfo | null;
}

// ---- Reading a report back (thinstream camera --replay, tests): every field checked --------------

/** The most a report may hold when read back; a file beyond these is refused, not half-read. */
export const REPORT_READ_LIMITS = { dialogue: 10_000, packets: 200_000, textChars: 1_000_000 } as const;

/** A report file that is not a camera report; `path` names the field at fault (`packets[3].seq`). */
export class CameraReportError extends ThinStreamError {
  constructor(path: string, expected: string, got: unknown) {
    super('BAD_REQUEST', `camera report: ${path}: expected ${expected}, got ${describe(got)}`, { path });
    this.name = 'CameraReportError';
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

type Fields = Record<string, unknown>;

function object(v: unknown, path: string): Fields {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CameraReportError(path, 'an object', v);
  return v as Fields;
}

function array(v: unknown, path: string, max: number): unknown[] {
  if (!Array.isArray(v)) throw new CameraReportError(path, 'an array', v);
  if (v.length > max) throw new CameraReportError(path, `at most ${max} entries`, `${v.length} entries`);
  return v;
}

function int(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw new CameraReportError(path, `an integer ${min}–${max}`, v);
  return v;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CameraReportError(path, 'a number', v);
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new CameraReportError(path, 'a string', v);
  if (v.length > REPORT_READ_LIMITS.textChars)
    throw new CameraReportError(path, 'a shorter string', `${v.length} chars`);
  return v;
}

function optional<T>(f: Fields, key: string, read: (v: unknown, path: string) => T, path: string): T | undefined {
  return f[key] === undefined ? undefined : read(f[key], `${path}.${key}`);
}

const UINT32 = 0xffffffff;
const byte = (v: unknown, p: string) => int(v, p, 0, 255);
const bool = (v: unknown, p: string) => {
  if (typeof v !== 'boolean') throw new CameraReportError(p, 'true or false', v);
  return v;
};
const via = (v: unknown, p: string): ReportVia => (v === 'udp' ? 'udp' : int(v, p, 0, 255));
const pairs = (v: unknown, p: string, max: number): Array<[number, number]> =>
  array(v, p, max).map((e, i) => {
    const pair = array(e, `${p}[${i}]`, 2);
    return [int(pair[0], `${p}[${i}][0]`, 0, 0xffff), int(pair[1], `${p}[${i}][1]`, 0, 0xffff)];
  });

function readEntry(v: unknown, path: string): ReportDialogueEntry {
  const f = object(v, path);
  const t = num(f['t'], `${path}.t`);
  const conn = int(f['conn'], `${path}.conn`, 1, 10_000);
  if (f['kind'] === 'open' || f['kind'] === 'close') {
    const e: ReportConnectionEvent = { kind: f['kind'], t, conn, detail: str(f['detail'], `${path}.detail`) };
    if (f['by'] !== undefined) {
      if (f['by'] !== 'camera' && f['by'] !== 'client')
        throw new CameraReportError(`${path}.by`, 'camera or client', f['by']);
      e.by = f['by'];
    }
    return e;
  }
  if (f['kind'] !== 'message') throw new CameraReportError(`${path}.kind`, 'message, open or close', f['kind']);
  if (f['dir'] !== 'sent' && f['dir'] !== 'received')
    throw new CameraReportError(`${path}.dir`, 'sent or received', f['dir']);
  const headers = array(f['headers'], `${path}.headers`, 256).map((h, i): [string, string] => {
    const pair = array(h, `${path}.headers[${i}]`, 2);
    return [str(pair[0], `${path}.headers[${i}][0]`), str(pair[1], `${path}.headers[${i}][1]`)];
  });
  const m: ReportMessage = {
    kind: 'message',
    t,
    conn,
    dir: f['dir'],
    line: str(f['line'], `${path}.line`),
    headers,
    body: str(f['body'], `${path}.body`),
  };
  if (optional(f, 'bareLf', bool, path) === true) m.bareLf = true;
  return m;
}

function readPacket(v: unknown, path: string): ReportPacket {
  const f = object(v, path);
  const common = {
    t: num(f['t'], `${path}.t`),
    conn: int(f['conn'], `${path}.conn`, 1, 10_000),
    via: via(f['via'], `${path}.via`),
    bytes: int(f['bytes'], `${path}.bytes`, 0, 0xffff),
  };
  const malformed = optional(f, 'malformed', bool, path);
  if (f['kind'] === 'rtcp') {
    const p: ReportRtcpPacket = {
      kind: 'rtcp',
      ...common,
      types: array(f['types'], `${path}.types`, 64).map((x, i) => byte(x, `${path}.types[${i}]`)),
    };
    const ssrc = optional(f, 'ssrc', (x, q) => int(x, q, 0, UINT32), path);
    if (ssrc !== undefined) p.ssrc = ssrc;
    if (f['sr'] !== undefined) {
      const sr = object(f['sr'], `${path}.sr`);
      p.sr = {
        ntpMs: num(sr['ntpMs'], `${path}.sr.ntpMs`),
        rtpTs: int(sr['rtpTs'], `${path}.sr.rtpTs`, 0, UINT32),
        packets: int(sr['packets'], `${path}.sr.packets`, 0, UINT32),
        octets: int(sr['octets'], `${path}.sr.octets`, 0, UINT32),
      };
    }
    if (malformed === true) p.malformed = true;
    return p;
  }
  if (f['kind'] !== 'rtp') throw new CameraReportError(`${path}.kind`, 'rtp or rtcp', f['kind']);
  const p: ReportRtpPacket = {
    kind: 'rtp',
    ...common,
    seq: int(f['seq'], `${path}.seq`, 0, 0xffff),
    ts: int(f['ts'], `${path}.ts`, 0, UINT32),
    m: bool(f['m'], `${path}.m`),
    pt: int(f['pt'], `${path}.pt`, 0, 127),
    ssrc: int(f['ssrc'], `${path}.ssrc`, 0, UINT32),
  };
  const len = optional(f, 'len', (x, q) => int(x, q, 0, 0xffff), path);
  if (len !== undefined) p.len = len;
  const nal = optional(f, 'nal', byte, path);
  if (nal !== undefined) p.nal = nal;
  const fu = optional(f, 'fu', byte, path);
  if (fu !== undefined) p.fu = fu;
  const stap = optional(f, 'stap', (x, q) => pairs(x, q, 256), path);
  if (stap !== undefined) p.stap = stap;
  const first = optional(f, 'first', bool, path);
  if (first !== undefined) p.first = first;
  if (optional(f, 'restart', bool, path) === true) p.restart = true;
  const sc = optional(f, 'sc', (x, q) => pairs(x, q, 256), path);
  if (sc !== undefined) p.sc = sc;
  for (const key of ['cc', 'ext', 'pad'] as const) {
    const n = optional(f, key, (x, q) => int(x, q, 0, 0xffff), path);
    if (n !== undefined) p[key] = n;
  }
  if (malformed === true) p.malformed = true;
  return p;
}

function readResult(v: unknown, path: string): CameraReportResult {
  const f = object(v, path);
  const nullable = (key: string) => (f[key] === null ? null : num(f[key], `${path}.${key}`));
  const transport = f['transport'];
  if (transport !== 'udp' && transport !== 'tcp')
    throw new CameraReportError(`${path}.transport`, 'udp or tcp', transport);
  return {
    codec: str(f['codec'], `${path}.codec`),
    profile: f['profile'] === null ? null : str(f['profile'], `${path}.profile`),
    width: nullable('width'),
    height: nullable('height'),
    fps: nullable('fps'),
    frames: num(f['frames'], `${path}.frames`),
    keyframes: num(f['keyframes'], `${path}.keyframes`),
    bitrateKbps: num(f['bitrateKbps'], `${path}.bitrateKbps`),
    lostPackets: num(f['lostPackets'], `${path}.lostPackets`),
    transport,
    firstFrameMs: nullable('firstFrameMs'),
    quirks: array(f['quirks'], `${path}.quirks`, 1000).map((q, i) => str(q, `${path}.quirks[${i}]`)),
  };
}

/** Reads a parsed report file, checking every field; throws CameraReportError naming the first bad one. */
export function readCameraReport(value: unknown): CameraReport {
  const f = object(value, 'report');
  if (f['format'] !== CAMERA_REPORT_FORMAT) throw new CameraReportError('format', CAMERA_REPORT_FORMAT, f['format']);
  const versions = object(f['versions'], 'versions');
  const probe = object(f['probe'], 'probe');
  const transport = probe['transport'];
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'auto')
    throw new CameraReportError('probe.transport', 'udp, tcp or auto', transport);
  const sets = object(f['parameterSets'], 'parameterSets');
  const limits = object(f['limits'], 'limits');
  const strings = (v: unknown, p: string) => array(v, p, 1000).map((s, i) => str(s, `${p}[${i}]`));
  let video: CameraReport['video'] = null;
  if (f['video'] !== null) {
    const v = object(f['video'], 'video');
    video = {
      codecString: str(v['codecString'], 'video.codecString'),
      profile: str(v['profile'], 'video.profile'),
      level: str(v['level'], 'video.level'),
      width: int(v['width'], 'video.width', 0, 65535),
      height: int(v['height'], 'video.height', 0, 65535),
      fps: v['fps'] === null ? null : num(v['fps'], 'video.fps'),
    };
  }
  let error: ErrorInfo | null = null;
  if (f['error'] !== null) {
    const e = object(f['error'], 'error');
    if (!isErrorCode(e['code'])) throw new CameraReportError('error.code', 'an error code', e['code']);
    error = { code: e['code'], message: str(e['message'], 'error.message') };
  }
  return {
    format: CAMERA_REPORT_FORMAT,
    createdMs: num(f['createdMs'], 'createdMs'),
    versions: {
      thinstream: str(versions['thinstream'], 'versions.thinstream'),
      node: str(versions['node'], 'versions.node'),
      os: str(versions['os'], 'versions.os'),
    },
    probe: {
      url: str(probe['url'], 'probe.url'),
      transport,
      seconds: num(probe['seconds'], 'probe.seconds'),
      timeoutMs: num(probe['timeoutMs'], 'probe.timeoutMs'),
    },
    dialogue: array(f['dialogue'], 'dialogue', REPORT_READ_LIMITS.dialogue).map((e, i) =>
      readEntry(e, `dialogue[${i}]`),
    ),
    sdp: f['sdp'] === null ? null : str(f['sdp'], 'sdp'),
    packets: array(f['packets'], 'packets', REPORT_READ_LIMITS.packets).map((p, i) => readPacket(p, `packets[${i}]`)),
    packetsLeftOut: int(f['packetsLeftOut'], 'packetsLeftOut', 0, Number.MAX_SAFE_INTEGER),
    limits: { seconds: num(limits['seconds'], 'limits.seconds'), packets: num(limits['packets'], 'limits.packets') },
    parameterSets: { sps: strings(sets['sps'], 'parameterSets.sps'), pps: strings(sets['pps'], 'parameterSets.pps') },
    video,
    quirks: array(f['quirks'], 'quirks', 1000).map((q, i) => {
      const e = object(q, `quirks[${i}]`);
      return { name: str(e['name'], `quirks[${i}].name`), detail: str(e['detail'], `quirks[${i}].detail`) };
    }),
    result: f['result'] === null ? null : readResult(f['result'], 'result'),
    error,
  };
}
