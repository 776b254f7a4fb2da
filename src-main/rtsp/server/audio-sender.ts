/**
 * The audio track of quirk `extra-media`: G.711 μ-law silence (RTP/AVP payload type 0, 8 kHz, RFC 3551
 * §4.5.14), 20 ms per packet, paced by the video's ticker. A camera with a microphone sends this next to
 * its video; clients that only want video must set it aside.
 */
import { randomBytes } from 'node:crypto';
import { buildSenderReport } from '../../rtp/rtp-writer.js';
import type { TickListener } from './frame-ticker.js';
import type { MediaTransport } from './media-transport.js';
import type { SenderCounters } from './video-sender.js';

export const PCMU_PAYLOAD_TYPE = 0;
const SAMPLE_RATE_HZ = 8000;
const SAMPLES_PER_PACKET = 160;
/** μ-law of a zero sample is 0xFF (G.711). */
const SILENCE = Buffer.alloc(SAMPLES_PER_PACKET, 0xff);

export interface AudioSenderOptions {
  fps: number;
  transport: MediaTransport;
  cname: string;
  senderReportIntervalMs: number;
  counters: SenderCounters;
}

export class AudioSender implements TickListener {
  readonly ssrc: number;
  readonly firstSeq: number;
  readonly firstTimestamp: number;
  private readonly o: AudioSenderOptions;
  private seq: number;
  private samplesSent = 0;
  private ticks = 0;
  private packetCount = 0;
  private lastReportWallMs = -Infinity;

  constructor(options: AudioSenderOptions) {
    this.o = options;
    const random = randomBytes(10);
    this.ssrc = random.readUInt32BE(0) || 1;
    this.seq = random.readUInt16BE(4);
    this.firstSeq = this.seq;
    this.firstTimestamp = random.readUInt32BE(6);
  }

  onTick(wallMs: number): void {
    this.ticks++;
    const due = Math.floor((this.ticks * SAMPLE_RATE_HZ) / this.o.fps) - this.samplesSent;
    const packets = Math.floor(due / SAMPLES_PER_PACKET);
    if (packets === 0 || !this.o.transport.hasRoom(packets, packets * SAMPLES_PER_PACKET)) return;
    this.o.transport.beginFrame();
    for (let i = 0; i < packets; i++) {
      const timestamp = this.firstTimestamp + this.samplesSent;
      // The marker starts the talkspurt (RFC 3551 §4.1): only the first packet of the session.
      this.o.transport.sendRtp(this.samplesSent === 0, PCMU_PAYLOAD_TYPE, this.seq, timestamp, this.ssrc, SILENCE);
      this.seq = (this.seq + 1) & 0xffff;
      this.samplesSent += SAMPLES_PER_PACKET;
      this.packetCount++;
      this.o.counters.packetsSent++;
      this.o.counters.bytesSent += 12 + SAMPLES_PER_PACKET;
    }
    this.o.transport.endFrame();
    if (wallMs - this.lastReportWallMs >= this.o.senderReportIntervalMs) {
      this.lastReportWallMs = wallMs;
      this.o.transport.sendRtcp(
        buildSenderReport({
          ssrc: this.ssrc,
          wallMs,
          rtpTimestamp: this.firstTimestamp + this.samplesSent,
          packetCount: this.packetCount,
          octetCount: this.packetCount * SAMPLES_PER_PACKET,
          cname: this.o.cname,
        }),
      );
    }
  }
}
