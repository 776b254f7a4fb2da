/**
 * Records a camera report (src-shared/camera-report.ts) while a session runs: it is the session's tap
 * (RtspSessionTap) for the dialogue and the packets, and the probe feeds it access units, the format,
 * the tolerances and the outcome. Pure but for the clock it is given: packets are reduced to their
 * headers and payload shape as they arrive, so nothing of the picture is kept.
 */
import type { AccessUnit, VideoFormat } from '../../src-shared/access-unit.js';
import {
  CAMERA_REPORT_FORMAT,
  type CameraReport,
  type CameraReportResult,
  type ReportDialogueEntry,
  type ReportMessage,
  type ReportPacket,
  type ReportRtcpPacket,
  type ReportRtpPacket,
  type ReportVia,
} from '../../src-shared/camera-report.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { NalType, indexOfStartCode, isVcl } from '../codec/h264/annexb.js';
import { parseRtcpCompound } from '../rtp/rtcp.js';
import { RtpPacketView, parseRtpPacket } from '../rtp/rtp-packet.js';
import type { RtspMessage } from './message.js';
import { ReportRedactor } from './report-redaction.js';
import type { RtspConnectionTap, RtspSessionTap } from './rtsp-session.js';

export interface CameraReportRecorderOptions {
  /** The probed URL (its user:pass is taken out) and the probe's options. */
  url: string;
  transport: 'udp' | 'tcp' | 'auto';
  seconds: number;
  timeoutMs: number;
  /** Credentials given apart from the URL; replaced wherever they appear. */
  user?: string;
  password?: string;
  versions: CameraReport['versions'];
  /** A monotonic clock in ms (performance.now) and the wall clock (Date.now). */
  nowMs(): number;
  wallMs(): number;
  /** Packets recorded at most, and for how long after the first (defaults 20 000 and 30 s). */
  maxPackets?: number;
  maxSeconds?: number;
}

const DEFAULT_MAX_PACKETS = 20_000;
const DEFAULT_MAX_SECONDS = 30;
/** Start codes recorded per payload at most (a payload full of them is noise, not a shape). */
const MAX_START_CODES = 64;
const MAX_STAP_UNITS = 64;
/** FU-A data bytes compared to tell a restarted NAL unit from a new one. */
const FU_HEAD_BYTES = 16;
const utf8 = new TextDecoder('utf-8', { fatal: false });

export class CameraReportRecorder implements RtspSessionTap {
  private readonly o: CameraReportRecorderOptions;
  private readonly redactor: ReportRedactor;
  private readonly startMs: number;
  private readonly createdMs: number;
  private readonly maxPackets: number;
  private readonly maxSeconds: number;
  private readonly view = new RtpPacketView();
  private readonly dialogue: ReportDialogueEntry[] = [];
  private readonly packets: ReportPacket[] = [];
  private readonly sps: string[] = [];
  private readonly pps: string[] = [];
  private readonly quirks: Array<{ name: string; detail: string }> = [];
  /** Per connection: the FU header and first data bytes of the fragmented NAL unit in progress. */
  private readonly openFu = new Map<number, Uint8Array>();
  private lastSps: Uint8Array | null = null;
  private lastPps: Uint8Array | null = null;
  private firstPacketMs = -1;
  private packetsLeftOut = 0;
  private connections = 0;
  private sdp: string | null = null;
  private video: CameraReport['video'] = null;

  constructor(options: CameraReportRecorderOptions) {
    this.o = options;
    const fromUrl = /^[a-z]+:\/\/([^/@?#]*)@/i.exec(options.url)?.[1];
    const [urlUser, urlPassword] = fromUrl === undefined ? [] : fromUrl.split(':').map(safeDecode);
    this.redactor = new ReportRedactor([options.user, options.password, urlUser, urlPassword]);
    this.startMs = options.nowMs();
    this.createdMs = options.wallMs();
    this.maxPackets = options.maxPackets ?? DEFAULT_MAX_PACKETS;
    this.maxSeconds = options.maxSeconds ?? DEFAULT_MAX_SECONDS;
  }

  private now(): number {
    return Math.round((this.o.nowMs() - this.startMs) * 10) / 10;
  }

  private redact(text: string): string {
    return this.redactor.text(text);
  }

  connectionOpened(hostPort: string): RtspConnectionTap {
    const conn = ++this.connections;
    this.dialogue.push({ kind: 'open', t: this.now(), conn, detail: hostPort });
    return {
      message: (dir, message) => this.message(conn, dir, message),
      packet: (via, hint, packet) => this.packet(conn, via, hint, packet),
      closed: (by, detail) => {
        this.dialogue.push({ kind: 'close', t: this.now(), conn, detail: this.redact(detail), by });
      },
    };
  }

  private message(conn: number, dir: 'sent' | 'received', m: RtspMessage): void {
    const line = m.kind === 'request' ? `${m.method} ${m.uri} ${m.version}` : `${m.version} ${m.status} ${m.reason}`;
    const headers: Array<[string, string]> = [];
    for (const [name, value] of m.headers.entries()) headers.push([name, this.redactor.header(name, value)]);
    const entry: ReportMessage = {
      kind: 'message',
      t: this.now(),
      conn,
      dir,
      line: this.redact(line),
      headers,
      body: this.redact(utf8.decode(m.body)),
    };
    if (m.bareLf === true) entry.bareLf = true;
    this.dialogue.push(entry);
    // The DESCRIBE answer's SDP (the latest, after redirects): RFC 4566 §5 starts every description with v=.
    if (dir === 'received' && m.kind === 'response' && /^\s*v=/.test(entry.body)) this.sdp = entry.body;
  }

  private packet(conn: number, via: ReportVia, hint: 'rtp' | 'rtcp' | null, packet: Uint8Array): void {
    const t = this.now();
    if (this.firstPacketMs < 0) this.firstPacketMs = t;
    if (this.packets.length >= this.maxPackets || t - this.firstPacketMs > this.maxSeconds * 1000) {
      this.packetsLeftOut++;
      return;
    }
    // RFC 5761 §4: an unnamed channel's packet is RTCP when its second byte is 200–204.
    const rtcp = hint === 'rtcp' || (hint === null && packet.byteLength >= 2 && packet[1]! >= 200 && packet[1]! <= 204);
    this.packets.push(rtcp ? rtcpShape(t, conn, via, packet) : this.rtpShape(t, conn, via, packet));
  }

  private rtpShape(t: number, conn: number, via: ReportVia, packet: Uint8Array): ReportRtpPacket {
    const base = { kind: 'rtp' as const, t, conn, via, bytes: packet.byteLength };
    let h: RtpPacketView;
    try {
      h = parseRtpPacket(packet, this.view);
    } catch {
      return { ...base, seq: 0, ts: 0, m: false, pt: 0, ssrc: 0, malformed: true };
    }
    const p: ReportRtpPacket = {
      ...base,
      seq: h.sequenceNumber,
      ts: h.timestamp,
      m: h.marker,
      pt: h.payloadType,
      ssrc: h.ssrc,
      len: h.payloadLength,
      nal: h.payloadLength > 0 ? packet[h.payloadOffset]! : 0,
    };
    if (h.csrcCount > 0) p.cc = h.csrcCount;
    if (h.extension) p.ext = h.extensionLength / 4;
    if (h.paddingLength > 0) p.pad = h.paddingLength;
    const payload = packet.subarray(h.payloadOffset, h.payloadOffset + h.payloadLength);
    describePayload(p, payload);
    this.noteFuRestart(conn, p, payload);
    return p;
  }

  /**
   * Marks a FU-A start that repeats the first bytes of the NAL unit still open before it (quirk
   * `fu-a-restart`, which a depacketizer tells from a missing E bit by those bytes). Only a comparison is
   * kept in the report, never the bytes.
   */
  private noteFuRestart(conn: number, p: ReportRtpPacket, payload: Uint8Array): void {
    if (p.fu === undefined || payload.byteLength < 3) {
      this.openFu.delete(conn);
      return;
    }
    const start = (p.fu & 0x80) !== 0;
    const end = (p.fu & 0x40) !== 0;
    if (!start) {
      if (end) this.openFu.delete(conn);
      return;
    }
    const head = payload.slice(1, Math.min(payload.byteLength, 2 + FU_HEAD_BYTES));
    const open = this.openFu.get(conn);
    if (open !== undefined && sameBytes(head, open)) p.restart = true;
    if (end) this.openFu.delete(conn);
    else this.openFu.set(conn, head);
  }

  /** The probe's receiver produced a unit: its in-band SPS and PPS are kept, each distinct one once. */
  accessUnit(au: AccessUnit): void {
    for (const nal of au.nalus) {
      const type = nal[0]! & 0x1f;
      if (type === NalType.SPS && !sameBytes(nal, this.lastSps)) {
        this.lastSps = nal;
        pushOnce(this.sps, base64(nal));
      } else if (type === NalType.PPS && !sameBytes(nal, this.lastPps)) {
        this.lastPps = nal;
        pushOnce(this.pps, base64(nal));
      }
    }
  }

  format(f: VideoFormat): void {
    this.video = {
      codecString: f.codecString,
      profile: f.profile,
      level: f.level,
      width: f.width,
      height: f.height,
      fps: f.fps,
    };
  }

  quirk(name: string, detail: string): void {
    if (this.quirks.some((q) => q.name === name)) return;
    this.quirks.push({ name, detail: this.redact(detail) });
  }

  /** The report, with the probe's result or its error. */
  finish(outcome: { result: CameraReportResult } | { error: ErrorInfo }): CameraReport {
    return {
      format: CAMERA_REPORT_FORMAT,
      createdMs: this.createdMs,
      versions: this.o.versions,
      probe: {
        url: this.redact(this.o.url),
        transport: this.o.transport,
        seconds: this.o.seconds,
        timeoutMs: this.o.timeoutMs,
      },
      dialogue: [...this.dialogue],
      sdp: this.sdp,
      packets: [...this.packets],
      packetsLeftOut: this.packetsLeftOut,
      limits: { seconds: this.maxSeconds, packets: this.maxPackets },
      parameterSets: { sps: [...this.sps], pps: [...this.pps] },
      video: this.video,
      quirks: [...this.quirks],
      result: 'result' in outcome ? outcome.result : null,
      error:
        'error' in outcome
          ? {
              ...outcome.error,
              message: this.redact(outcome.error.message),
            }
          : null,
    };
  }
}

/** RFC 6184 §5.2–§5.8: the payload's NAL header, FU header, STAP-A units, first-slice bit and start codes. */
export function describePayload(p: ReportRtpPacket, payload: Uint8Array): void {
  const n = payload.byteLength;
  if (n === 0) return;
  const type = payload[0]! & 0x1f;
  if (type === NalType.FU_A || type === 29) {
    if (n >= 2) {
      p.fu = payload[1]!;
      const start = (payload[1]! & 0x80) !== 0;
      if (start && isVcl(payload[1]! & 0x1f) && n >= 3) p.first = (payload[2]! & 0x80) !== 0;
    }
  } else if (type === NalType.STAP_A) {
    const units: Array<[number, number]> = [];
    for (let pos = 1; pos + 2 <= n && units.length < MAX_STAP_UNITS;) {
      const size = (payload[pos]! << 8) | payload[pos + 1]!;
      if (size === 0 || pos + 2 + size > n) break;
      units.push([payload[pos + 2]!, size]);
      pos += 2 + size;
    }
    p.stap = units;
  } else if (isVcl(type) && n >= 2) {
    p.first = (payload[1]! & 0x80) !== 0;
  }
  let from = 0;
  const codes: Array<[number, number]> = [];
  while (from < n && codes.length < MAX_START_CODES) {
    const at = indexOfStartCode(payload.subarray(from));
    if (at === -1) break;
    const nalStart = from + at + 3;
    codes.push([nalStart, nalStart < n ? payload[nalStart]! : 0]);
    from = nalStart;
  }
  if (codes.length > 0) p.sc = codes;
}

function rtcpShape(t: number, conn: number, via: ReportVia, packet: Uint8Array): ReportRtcpPacket {
  const shape: ReportRtcpPacket = { kind: 'rtcp', t, conn, via, bytes: packet.byteLength, types: [] };
  try {
    const parts = parseRtcpCompound(packet);
    for (const part of parts) {
      shape.types.push(
        part.type === 'sr'
          ? 200
          : part.type === 'rr'
            ? 201
            : part.type === 'sdes'
              ? 202
              : part.type === 'bye'
                ? 203
                : part.packetType,
      );
      if (shape.ssrc === undefined) {
        if (part.type === 'sr' || part.type === 'rr') shape.ssrc = part.ssrc;
        else if (part.type === 'bye' && part.ssrcs[0] !== undefined) shape.ssrc = part.ssrcs[0];
      }
      if (part.type === 'sr' && shape.sr === undefined) {
        shape.sr = {
          ntpMs: Math.round(part.ntpMs),
          rtpTs: part.rtpTimestamp,
          packets: part.packetCount,
          octets: part.octetCount,
        };
      }
    }
  } catch {
    shape.malformed = true;
  }
  return shape;
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (b === null || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function pushOnce(list: string[], value: string): void {
  if (!list.includes(value)) list.push(value);
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
