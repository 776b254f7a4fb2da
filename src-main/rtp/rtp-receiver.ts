/**
 * One camera stream's RTP/RTCP receiver: packets in (UDP datagrams or interleaved frames), H.264 access
 * units out. Parses RTP (RFC 3550 §5.1) into one reused view, restores order (reorder-buffer.ts), unwraps
 * timestamps, depacketizes H.264 (RFC 6184), maps RTP time to wall clock from sender reports (§6.4.1),
 * and builds receiver reports (§6.4.2). Pure: no sockets, no timers; the session feeds it.
 *
 * It never throws: malformed packets are counted (`stats.malformed`) and described through `onMalformed`
 * (at most one call per 10 s); tolerated camera quirks are reported once each through `onQuirk`.
 *
 * Payloads are kept as views into the packets passed in (no copies but FU-A reassembly), so a caller must
 * not reuse a packet's buffer after passing it (Node's sockets give each read its own buffer).
 */
import type { AccessUnit, VideoFormat } from '../../src-shared/access-unit.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { H264Depacketizer, type H264DepacketizerSink } from '../codec/h264/depacketizer.js';
import type { SlabPool } from '../codec/h264/slab-pool.js';
import type { H264ParseError } from '../codec/h264/bit-reader.js';
import { ReceptionStats } from './reception-stats.js';
import { ReorderBuffer, type ReorderSink } from './reorder-buffer.js';
import { RtpPacketView, RtpParseError, parseRtpPacket } from './rtp-packet.js';
import { RtcpParseError, buildReceiverReport as buildRr, ntpMiddle32, parseRtcpCompound } from './rtcp.js';
import { TimestampUnwrapper } from './timestamp-unwrapper.js';
import { WallClockMapper } from './wall-clock.js';

export interface RtpReceiverOptions {
  /** `cam-door/1-high`: named in every error and log line. */
  streamLabel: string;
  /** From SDP a=rtpmap (90000 for H.264). */
  clockRate: number;
  /** From SDP; packets with another payload type are dropped and counted (quirk `unknown-payload-type`). null = any. */
  payloadType: number | null;
  /** The original's orderingQueueSz: packets held to restore order on UDP (default 16; 0 on TCP). */
  reorderQueueSize: number;
  /** SDP `sprop-parameter-sets` (base64, comma-separated) when present; in-band SPS/PPS win when they differ. */
  spropParameterSets?: string;
  onAccessUnit(au: AccessUnit): void;
  /** Called once SPS and PPS are known, and again whenever they change. */
  onFormat(format: VideoFormat): void;
  /** A camera quirk tolerated, by name (`marker-missing`, `ssrc-mismatch`, …); each name reported once per receiver. */
  onQuirk?(name: string, detail: string): void;
  /** Added: a malformed packet or NAL unit, described (at most one call per 10 s; the rest are counted). */
  onMalformed?(error: ThinStreamError): void;
  /** Added: how long a packet waits for a gap before it to fill, in ms (default 100). */
  reorderHoldMs?: number;
  /** Added: reused memory for NAL units (slab-pool.ts); units then carry a lease. Default: none. */
  slabPool?: SlabPool | null;
}

export interface RtpReceiverStats {
  packets: number;
  bytes: number;
  lostPackets: number;
  reordered: number;
  duplicates: number;
  malformed: number;
  frames: number;
  keyframes: number;
  droppedUnits: number;
  jitter90k: number;
  ssrc: number | null;
  lastPacketMs: number;
  /** Added: packets dropped on purpose (other payload type, other SSRC, too late, stray sequence numbers). */
  ignored: number;
  /** Added: sender sequence restarts followed. */
  sequenceRestarts: number;
  /** Added: timestamp jumps smoothed. */
  timestampJumps: number;
  /** Added: names of the quirks tolerated so far, in the order first seen. */
  quirks: string[];
  /** Added: how many times each quirk was tolerated (reported through onQuirk only the first time). */
  quirkCounts: Record<string, number>;
  /** Added: the camera's clock minus ours from its last RTCP sender report, ms; null before one. */
  cameraClockOffsetMs: number | null;
  /** Added: times the wall-clock timeline had to be re-anchored (see wall-clock.ts). */
  wallClockResyncs: number;
}

const MALFORMED_REPORT_INTERVAL_MS = 10_000;
/** Camera clocks further than this from ours are not trusted for wall-clock time (only for its rate). */
const MAX_CLOCK_OFFSET_MS = 10_000;
/**
 * A new SSRC is followed after this many consecutive packets when the current one has fallen silent for
 * SSRC_SILENCE_MS, or after SSRC_SWITCH_ANYWAY_PACKETS consecutive packets whatever the current one does.
 */
const SSRC_SWITCH_PACKETS = 2;
const SSRC_SILENCE_MS = 200;
const SSRC_SWITCH_ANYWAY_PACKETS = 50;
/** payloadLength of a packet passed through ordering for its sequence number only (another payload type). */
const SEQUENCE_ONLY = -1;

export class RtpReceiver {
  private readonly options: RtpReceiverOptions;
  private readonly label: string;
  private readonly clockRate: number;
  private readonly view = new RtpPacketView();
  private readonly reorder: ReorderBuffer;
  private readonly unwrapper: TimestampUnwrapper;
  private readonly depacketizer: H264Depacketizer;
  private reception: ReceptionStats;
  private readonly quirksSeen = new Set<string>();
  private readonly quirkCounts = new Map<string, number>();

  private packets = 0;
  private bytes = 0;
  private malformedPackets = 0;
  private ignored = 0;
  private lastPacketMs = 0;
  private lastMalformedReportMs = -Infinity;
  private suppressedMalformed = 0;

  private ssrc: number | null = null;
  private expectedSsrc: number | null = null;
  private candidateSsrc = -1;
  private candidatePackets = 0;
  private lastSsrcPacketMs = 0;
  /** Loss to signal before the next delivered packet (after an SSRC change). */
  private forcedGap = 0;
  private firstSeq = -1;
  private firstTs32 = 0;
  private rtpInfo: { seq?: number; rtptime?: number } | null = null;
  private readonly spropMissing: boolean;

  // Sender report: RTP time ↔ wall clock.
  private srRtp32 = 0;
  private srArrivalMs = 0;
  private srMiddle32 = 0;
  private haveSr = false;
  /** Camera clock minus ours at the last sender report (telemetry only; wall time is ours, see wall-clock.ts). */
  private cameraClockOffsetMs: number | null = null;
  private readonly wallClock: WallClockMapper;

  constructor(options: RtpReceiverOptions) {
    this.options = options;
    this.label = options.streamLabel;
    this.clockRate = options.clockRate > 0 ? options.clockRate : 90000;
    this.reception = new ReceptionStats(this.clockRate);
    this.unwrapper = new TimestampUnwrapper(this.clockRate);
    this.wallClock = new WallClockMapper(this.clockRate);
    const reorderSink: ReorderSink = {
      deliver: (packet, offset, length, seq, ts32, marker, arrivalMs, lostBefore) =>
        this.deliver(packet, offset, length, seq, ts32, marker, arrivalMs, lostBefore),
      onSequenceRestart: (from, to) =>
        this.quirk('sequence-restart', `RTP sequence numbers restarted from ${from} to ${to}`),
    };
    this.reorder = new ReorderBuffer(options.reorderQueueSize, reorderSink, options.reorderHoldMs ?? 100);
    const h264Sink: H264DepacketizerSink = {
      onAccessUnit: (au) => this.options.onAccessUnit(au),
      onFormat: (format) => this.options.onFormat(format),
      onQuirk: (name, detail) => this.quirk(name, detail),
      onMalformed: (err, seq) => this.reportMalformed(err, seq, this.lastPacketMs),
      wallMsOf: (ts32, arrivalMs) => this.wallMsOf(ts32, arrivalMs),
    };
    this.depacketizer = new H264Depacketizer(
      this.label,
      h264Sink,
      options.spropParameterSets,
      options.slabPool ?? null,
    );
    this.spropMissing = options.spropParameterSets === undefined || options.spropParameterSets.trim() === '';
  }

  get stats(): RtpReceiverStats {
    const r = this.reorder.stats;
    const d = this.depacketizer.stats;
    return {
      packets: this.packets,
      bytes: this.bytes,
      lostPackets: r.lost,
      reordered: r.reordered,
      duplicates: r.duplicates,
      malformed: this.malformedPackets + d.malformed,
      frames: d.frames,
      keyframes: d.keyframes,
      droppedUnits: d.droppedUnits,
      jitter90k: Math.round((this.reception.jitter * 90000) / this.clockRate),
      ssrc: this.ssrc,
      lastPacketMs: this.lastPacketMs,
      ignored: this.ignored + r.late + r.strays,
      sequenceRestarts: r.restarts,
      timestampJumps: this.unwrapper.jumps,
      cameraClockOffsetMs: this.cameraClockOffsetMs,
      wallClockResyncs: this.wallClock.resyncs,
      quirks: [...this.quirksSeen],
      quirkCounts: Object.fromEntries(this.quirkCounts),
    };
  }

  /**
   * The session ended: units still being assembled are dropped and the slabs go back to the pool. Packets pushed
   * afterwards are counted but make no unit.
   */
  close(): void {
    this.depacketizer.close();
  }

  /** The latest format reported through onFormat, or null. */
  get format(): VideoFormat | null {
    return this.depacketizer.currentFormat;
  }

  /** One RTP packet: `packet[start..end)` (default: all of it), valid only during the call. */
  pushRtp(packet: Uint8Array, arrivalMs: number, start = 0, end = packet.byteLength): void {
    this.packets++;
    this.bytes += end - start;
    this.lastPacketMs = arrivalMs;
    try {
      // RFC 5761 §4: RTCP multiplexed onto the RTP channel has packet types 200–204 in the second byte.
      if (end - start >= 2 && packet[start + 1]! >= 200 && packet[start + 1]! <= 204) {
        this.quirk('rtcp-on-rtp-channel', 'RTCP packets arrive on the RTP channel');
        this.packets--;
        this.pushRtcp(packet.subarray(start, end), arrivalMs);
        return;
      }
      const h = parseRtpPacket(packet, this.view, start, end);
      const pt = this.options.payloadType;
      if (pt !== null && h.payloadType !== pt) {
        this.ignored++;
        this.quirk('unknown-payload-type', `RTP payload type ${h.payloadType} mixed into the stream of type ${pt}`);
        // Same source: it used a sequence number, so pass it through ordering (no gap), not to H.264.
        if (this.ssrc !== null && h.ssrc === this.ssrc) {
          this.reception.update(h.sequenceNumber, h.timestamp, arrivalMs);
          this.reorder.push(packet, h.payloadOffset, SEQUENCE_ONLY, h.sequenceNumber, h.timestamp, false, arrivalMs);
        }
        return;
      }
      if (!this.acceptSsrc(h.ssrc, arrivalMs)) {
        this.ignored++;
        return;
      }
      if (this.firstSeq === -1) {
        this.firstSeq = h.sequenceNumber;
        this.firstTs32 = h.timestamp;
        this.checkRtpInfo();
        if (this.spropMissing) {
          this.quirk(
            'sprop-parameter-sets-missing',
            'the SDP has no sprop-parameter-sets; waiting for in-band SPS/PPS',
          );
        }
      }
      this.reception.update(h.sequenceNumber, h.timestamp, arrivalMs);
      this.reorder.push(packet, h.payloadOffset, h.payloadLength, h.sequenceNumber, h.timestamp, h.marker, arrivalMs);
    } catch (err) {
      this.malformedPackets++;
      this.reportMalformed(err, end - start >= 4 ? (packet[start + 2]! << 8) | packet[start + 3]! : -1, arrivalMs);
    }
  }

  pushRtcp(packet: Uint8Array, arrivalMs: number): void {
    try {
      for (const p of parseRtcpCompound(packet)) {
        if (p.type === 'sr') {
          if (this.ssrc !== null && p.ssrc !== this.ssrc) {
            this.quirk('rtcp-ssrc-mismatch', `sender report for SSRC ${hex(p.ssrc)}, stream has ${hex(this.ssrc)}`);
            continue;
          }
          const offset = p.ntpMs - arrivalMs;
          this.cameraClockOffsetMs = offset;
          if (Math.abs(offset) > MAX_CLOCK_OFFSET_MS) {
            this.quirk('rtcp-clock-off', `the camera's clock is ${Math.round(offset / 1000)} s off ours; using ours`);
          }
          this.srRtp32 = p.rtpTimestamp;
          this.srArrivalMs = arrivalMs;
          this.srMiddle32 = ntpMiddle32(p.ntpSeconds, p.ntpFraction);
          this.haveSr = true;
        } else if (p.type === 'bye') {
          this.quirk('rtcp-bye', `the camera sent BYE${p.reason ? `: ${p.reason}` : ''}`);
        }
      }
    } catch (err) {
      this.malformedPackets++;
      this.reportMalformed(err, -1, arrivalMs);
    }
  }

  buildReceiverReport(ourSsrc: number, nowMs: number): Uint8Array | null {
    if (!this.reception.hasData || this.ssrc === null) return null;
    const r = this.reception.report();
    return buildRr(
      ourSsrc,
      {
        ssrc: this.ssrc,
        fractionLost: r.fractionLost,
        cumulativeLost: r.cumulativeLost,
        extendedHighestSeq: r.extendedHighestSeq,
        jitter: r.jitter,
        lastSr: this.haveSr ? this.srMiddle32 : 0,
        delaySinceLastSr: this.haveSr ? Math.max(0, Math.round((nowMs - this.srArrivalMs) * 65.536)) : 0,
      },
      `thinstream-${hex(ourSsrc)}`,
    );
  }

  setExpectedSsrc(ssrc: number): void {
    this.expectedSsrc = ssrc >>> 0;
    if (this.ssrc !== null && this.ssrc !== this.expectedSsrc) {
      this.quirk(
        'ssrc-mismatch',
        `SSRC ${hex(this.expectedSsrc)} announced, ${hex(this.ssrc)} on the wire; the wire wins`,
      );
    }
  }

  setRtpInfo(info: { seq?: number; rtptime?: number }): void {
    this.rtpInfo = info;
    if (this.firstSeq !== -1) this.checkRtpInfo();
  }

  flush(): void {
    try {
      this.reorder.flush();
      this.depacketizer.flush();
    } catch (err) {
      this.reportMalformed(err, -1, this.lastPacketMs);
    }
  }

  private deliver(
    packet: Uint8Array,
    offset: number,
    length: number,
    seq: number,
    ts32: number,
    marker: boolean,
    arrivalMs: number,
    lostBefore: number,
  ): void {
    if (length === SEQUENCE_ONLY) {
      this.forcedGap += lostBefore;
      return;
    }
    const ext = this.unwrapper.unwrap(ts32, arrivalMs);
    if (this.unwrapper.lastJump !== null) this.quirk('timestamp-jump', this.unwrapper.lastJump);
    const pts90k = this.clockRate === 90000 ? ext : Math.round((ext * 90000) / this.clockRate);
    const gap = lostBefore + this.forcedGap;
    this.forcedGap = 0;
    this.depacketizer.push(packet, offset, length, seq, pts90k, ts32, marker, arrivalMs, gap);
  }

  private acceptSsrc(wire: number, arrivalMs: number): boolean {
    if (this.ssrc === null) {
      if (this.expectedSsrc !== null && wire !== this.expectedSsrc) {
        this.quirk(
          'ssrc-mismatch',
          `SSRC ${hex(this.expectedSsrc)} announced, ${hex(wire)} on the wire; the wire wins`,
        );
      }
      this.ssrc = wire;
      this.lastSsrcPacketMs = arrivalMs;
      return true;
    }
    if (wire === this.ssrc) {
      this.candidatePackets = 0;
      this.lastSsrcPacketMs = arrivalMs;
      return true;
    }
    if (wire === this.candidateSsrc) this.candidatePackets++;
    else {
      this.candidateSsrc = wire;
      this.candidatePackets = 1;
    }
    const silent = arrivalMs - this.lastSsrcPacketMs >= SSRC_SILENCE_MS;
    if (this.candidatePackets < (silent ? SSRC_SWITCH_PACKETS : SSRC_SWITCH_ANYWAY_PACKETS)) return false;
    // The camera restarted its RTP state under a new SSRC: follow it from a clean slate.
    this.quirk('ssrc-changed', `SSRC changed from ${hex(this.ssrc)} to ${hex(wire)} mid-stream`);
    this.reorder.flush();
    this.reorder.reset();
    this.reception = new ReceptionStats(this.clockRate);
    this.ssrc = wire;
    this.lastSsrcPacketMs = arrivalMs;
    this.candidatePackets = 0;
    this.candidateSsrc = -1;
    this.forcedGap = 1;
    this.haveSr = false;
    this.wallClock.reset();
    return true;
  }

  private checkRtpInfo(): void {
    const info = this.rtpInfo;
    if (info === null) return;
    const seqAhead = info.seq === undefined ? 0 : (this.firstSeq - info.seq) & 0xffff;
    const tsOffMs =
      info.rtptime === undefined ? 0 : (Math.abs((this.firstTs32 - info.rtptime) | 0) * 1000) / this.clockRate;
    if (seqAhead > 100 || tsOffMs > 10_000) {
      this.quirk(
        'rtp-info-mismatch',
        `RTP-Info seq=${info.seq ?? '-'} rtptime=${info.rtptime ?? '-'}, first packet seq=${this.firstSeq} rtptime=${this.firstTs32}`,
      );
    }
  }

  /** Our clock, advanced by RTP time (wall-clock.ts); re-anchors are counted in stats.wallClockResyncs. */
  private wallMsOf(ts32: number, arrivalMs: number): number {
    return this.wallClock.map(ts32, arrivalMs);
  }

  private quirk(name: string, detail: string): void {
    this.quirkCounts.set(name, (this.quirkCounts.get(name) ?? 0) + 1);
    if (this.quirksSeen.has(name)) return;
    this.quirksSeen.add(name);
    this.options.onQuirk?.(name, `${this.label}: ${detail}`);
  }

  private reportMalformed(err: unknown, seq: number, nowMs: number): void {
    const report = this.options.onMalformed;
    if (report === undefined) return;
    if (nowMs - this.lastMalformedReportMs < MALFORMED_REPORT_INTERVAL_MS) {
      this.suppressedMalformed++;
      return;
    }
    this.lastMalformedReportMs = nowMs;
    const where = seq >= 0 ? `RTP seq ${seq} on ${this.label}` : this.label;
    const more = this.suppressedMalformed > 0 ? ` (${this.suppressedMalformed} more since the last report)` : '';
    this.suppressedMalformed = 0;
    let error: ThinStreamError;
    if (err instanceof RtpParseError || err instanceof RtcpParseError || isH264ParseError(err)) {
      error = new ThinStreamError(err.code, `${where}: ${err.message}${more}`, { cause: err });
    } else {
      const message = err instanceof Error ? err.message : String(err);
      error = new ThinStreamError('INTERNAL', `${where}: unexpected error ${message}${more}`, { cause: err });
    }
    report(error);
  }
}

function isH264ParseError(err: unknown): err is H264ParseError {
  return err instanceof ThinStreamError && err.code === 'H264_INVALID';
}

function hex(ssrc: number): string {
  return `0x${(ssrc >>> 0).toString(16).padStart(8, '0')}`;
}
