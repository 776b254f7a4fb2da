/**
 * What a receiver reports about one source (RFC 3550 §6.4.1): extended highest sequence number and
 * packets received (Appendix A.1), cumulative and fraction lost (A.3), interarrival jitter (A.8).
 */

const RTP_SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;

export interface ReceptionReport {
  /** Lost since the previous report, as an 8-bit fixed-point fraction (§6.4.1). */
  fractionLost: number;
  /** Expected minus received since the start, clamped to 24 bits signed (may be negative with duplicates). */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units, rounded. */
  jitter: number;
}

export class ReceptionStats {
  private readonly clockRate: number;
  private started = false;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit = 0;
  private haveTransit = false;
  /** Interarrival jitter J in timestamp units (A.8), kept as a real number. */
  jitter = 0;

  constructor(clockRate: number) {
    this.clockRate = clockRate;
  }

  get hasData(): boolean {
    return this.started;
  }

  /** Extended highest sequence number received: cycles of 2^16 plus the highest 16-bit number. */
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }

  /** update_seq of A.1 plus the jitter of A.8, for every packet of the source as it arrives. */
  update(seq: number, ts32: number, arrivalMs: number): void {
    if (!this.started) {
      this.started = true;
      this.initSeq(seq);
    } else {
      const udelta = (seq - this.maxSeq) & 0xffff;
      if (udelta < MAX_DROPOUT) {
        if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
        this.maxSeq = seq;
      } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
        // A very large jump: a restart if the next packet follows it (A.1).
        if (seq === this.badSeq) {
          this.initSeq(seq);
        } else {
          this.badSeq = (seq + 1) & 0xffff;
          return;
        }
      }
      // else: duplicate or reordered, counted as received.
    }
    this.received++;

    // A.8: J += (|D(i-1,i)| - J) / 16, with transit times in timestamp units modulo 2^32.
    const arrival32 = Math.floor((arrivalMs * this.clockRate) / 1000) % 4294967296;
    const transit = (arrival32 - ts32) >>> 0;
    if (this.haveTransit) {
      let d = (transit - this.transit) | 0;
      if (d < 0) d = -d;
      this.jitter += (d - this.jitter) / 16;
    }
    this.transit = transit;
    this.haveTransit = true;
  }

  /** The figures of one report block; moves the "prior" marks of A.3 (call once per report sent). */
  report(): ReceptionReport {
    const extendedMax = this.cycles + this.maxSeq;
    const expected = extendedMax - this.baseSeq + 1;
    let lost = expected - this.received;
    if (lost > 0x7fffff) lost = 0x7fffff;
    else if (lost < -0x800000) lost = -0x800000;
    const expectedInterval = expected - this.expectedPrior;
    this.expectedPrior = expected;
    const receivedInterval = this.received - this.receivedPrior;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost =
      expectedInterval === 0 || lostInterval <= 0
        ? 0
        : Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
    return {
      fractionLost,
      cumulativeLost: lost,
      extendedHighestSeq: extendedMax >>> 0,
      jitter: Math.round(this.jitter),
    };
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }
}
