/**
 * One camera session's video: walks the shared packetized clip one frame per tick, writing only the RTP
 * header (its own SSRC, sequence numbers and timestamps from random starting points, RFC 3550 §5.1),
 * loops the clip with timestamps that keep increasing, drops to the next keyframe when the transport has
 * no room, and sends RTCP sender reports (§6.4.1) every few seconds.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { PacketizedClip } from '../../codec/h264/packetizer.js';
import { buildSenderReport } from '../../rtp/rtp-writer.js';
import type { TickListener } from './frame-ticker.js';
import type { MediaTransport } from './media-transport.js';
import type { QuirkName } from './quirks.js';

export interface SenderCounters {
  packetsSent: number;
  bytesSent: number;
  framesSent: number;
  framesDropped: number;
}

export interface VideoSenderOptions {
  clip: PacketizedClip;
  fps: number;
  payloadType: number;
  transport: MediaTransport;
  quirks: ReadonlySet<QuirkName>;
  /** SDES CNAME for sender reports. */
  cname: string;
  senderReportIntervalMs: number;
  /** Server-wide counters this sender adds to. */
  counters: SenderCounters;
}

/** Payload type of the packets quirk `unknown-pt-mixed` mixes in (not in the SDP). */
export const UNKNOWN_PAYLOAD_TYPE = 100;
const UNKNOWN_PAYLOAD = Buffer.from([0x54, 0x53, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef]);
const RTP_CLOCK_HZ = 90_000;

export class VideoSender implements TickListener {
  readonly ssrc: number;
  /** Sequence number and timestamp of the first packet (what PLAY's RTP-Info announces, §12.33). */
  readonly firstSeq: number;
  readonly firstTimestamp: number;
  private readonly o: VideoSenderOptions;
  private readonly ticksPerFrame: number;
  private seq: number;
  private timestampBase: number;
  /** Frames (ticks) since the start, sent or dropped: the timestamp follows it. */
  private tick = 0;
  private frameIndex = 0;
  private waitingForKeyframe = false;
  private packetCount = 0;
  private octetCount = 0;
  private lastReportWallMs = -Infinity;
  private readonly counters: SenderCounters;

  constructor(options: VideoSenderOptions) {
    this.o = options;
    this.counters = options.counters;
    const random = randomBytes(10);
    // A decimal SSRC of fewer than 9 digits would read as hex; the quirk's camera uses 10-digit ones.
    this.ssrc = options.quirks.has('ssrc-decimal')
      ? 1_000_000_000 + (random.readUInt32BE(0) % 3_294_967_295)
      : random.readUInt32BE(0) || 1;
    this.seq = random.readUInt16BE(4);
    this.timestampBase = random.readUInt32BE(6);
    this.firstSeq = this.seq;
    this.firstTimestamp = this.timestampBase;
    // §5.1: the clock rate is the nominal 90 kHz; a drifting camera's clock is 500 ppm fast.
    const drift = options.quirks.has('clock-drift-500ppm') ? 1.0005 : 1;
    this.ticksPerFrame = (RTP_CLOCK_HZ / options.fps) * drift;
  }

  /** Frames this sender has sent and dropped. */
  get framesSent(): number {
    return this.tick;
  }

  onTick(wallMs: number): void {
    this.sendFrame(wallMs);
  }

  /** Sends the next frame of the clip (or drops it when the transport is full), then advances. */
  sendFrame(wallMs: number): void {
    const { clip, transport, quirks } = this.o;
    const frame = this.frameIndex;
    const first = clip.frameStart[frame]!;
    const end = clip.frameStart[frame + 1]!;
    const extra = quirks.has('unknown-pt-mixed') ? 1 : 0;
    const packets = end - first + extra;
    const timestamp = this.timestampBase + Math.round(this.tick * this.ticksPerFrame);
    const keyframe = clip.keyframes[frame] === 1;

    let send = !this.waitingForKeyframe || keyframe;
    if (send && !transport.hasRoom(packets, clip.frameBytes[frame]! + extra * UNKNOWN_PAYLOAD.byteLength)) {
      // The client cannot keep up: skip to the next keyframe rather than queue without bound.
      this.waitingForKeyframe = true;
      send = false;
    }
    if (send) {
      this.waitingForKeyframe = false;
      transport.beginFrame();
      for (let i = first; i < end; i++) {
        const payload = clip.payloads[i]!;
        transport.sendRtp(clip.markers[i] === 1, this.o.payloadType, this.seq, timestamp, this.ssrc, payload);
        this.seq = (this.seq + 1) & 0xffff;
        this.octetCount += payload.byteLength;
        this.counters.bytesSent += payload.byteLength + 12;
      }
      if (extra) {
        transport.sendRtp(false, UNKNOWN_PAYLOAD_TYPE, this.seq, timestamp, this.ssrc, UNKNOWN_PAYLOAD);
        this.seq = (this.seq + 1) & 0xffff;
        this.counters.bytesSent += UNKNOWN_PAYLOAD.byteLength + 12;
      }
      transport.endFrame();
      this.packetCount += packets;
      this.counters.packetsSent += packets;
      this.counters.framesSent++;
      if (wallMs - this.lastReportWallMs >= this.o.senderReportIntervalMs) this.sendReport(wallMs, timestamp);
    } else {
      // Sequence numbers of dropped packets are used up, so the client sees the loss (RFC 3550 §A.3).
      this.seq = (this.seq + packets) & 0xffff;
      this.counters.framesDropped++;
    }
    this.advance();
  }

  private advance(): void {
    this.tick++;
    this.frameIndex++;
    if (this.frameIndex < this.o.clip.frames) return;
    this.frameIndex = 0;
    const quirks = this.o.quirks;
    // A restart a receiver can tell from loss: more than 3000 ahead or 100 behind (RFC 3550 A.1's MAX_DROPOUT and
    // MAX_MISORDER). A restart landing inside that window looks exactly like lost or late packets, to anyone.
    if (quirks.has('seq-restart')) this.seq = (this.seq + 3002 + randomInt(65536 - 3002 - 102)) & 0xffff;
    if (quirks.has('ts-jump')) this.timestampBase += 10 * RTP_CLOCK_HZ + randomBytes(2).readUInt16BE(0);
  }

  private sendReport(wallMs: number, rtpTimestamp: number): void {
    this.lastReportWallMs = wallMs;
    this.o.transport.sendRtcp(
      buildSenderReport({
        ssrc: this.ssrc,
        wallMs,
        rtpTimestamp,
        packetCount: this.packetCount,
        octetCount: this.octetCount,
        cname: this.o.cname,
      }),
    );
  }
}
