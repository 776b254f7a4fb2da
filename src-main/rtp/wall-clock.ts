/**
 * Maps a stream's RTP timestamps to our wall clock, for AccessUnit.wallMs: the time recordings are filed
 * under and the "delay behind live" a viewer shows.
 *
 * Recordings need a timeline that never runs backwards and never jumps without cause, so the mapping is
 * anchored to our clock at the first packet and then advanced by RTP time (so a camera's drop-out stays a
 * gap), slewed toward our clock by at most `maxSlew` (1000 ppm: cameras' clocks run up to a few hundred ppm
 * fast or slow). Network jitter is filtered by steering on the least-delayed arrivals, which show where the
 * camera's clock really is. Only a disagreement of more than `resyncMs` (a camera that restarted its RTP
 * clock, an RTP clock far from its nominal rate) re-anchors at once, and that is counted.
 *
 * The camera's own clock from RTCP sender reports is not used for this: cameras' clocks are often minutes
 * off, and switching basis mid-stream when the first report arrives would move the timeline under a file
 * being written. (Before, it did: a recorder then opened a file dated earlier than the one before.)
 */
export class WallClockMapper {
  private readonly clockRate: number;
  private readonly maxSlew: number;
  private readonly resyncMs: number;
  private anchored = false;
  private lastTs32 = 0;
  private lastWallMs = 0;
  /** Smallest (arrival − mapped time) seen lately, rising slowly so a lasting change in delay is followed. */
  private minLagMs = 0;
  private resyncCount = 0;

  constructor(clockRate: number, options: { maxSlew?: number; resyncMs?: number } = {}) {
    this.clockRate = clockRate > 0 ? clockRate : 90000;
    this.maxSlew = options.maxSlew ?? 0.001;
    this.resyncMs = options.resyncMs ?? 2000;
  }

  /** Times the mapping had to jump (after the first anchor). */
  get resyncs(): number {
    return this.resyncCount;
  }

  /** Forgets the mapping: the next timestamp anchors afresh (a new SSRC, a new session). */
  reset(): void {
    this.anchored = false;
    this.minLagMs = 0;
  }

  /** Wall-clock ms for RTP timestamp `ts32` of a unit that arrived at `arrivalMs`. */
  map(ts32: number, arrivalMs: number): number {
    if (!this.anchored) return this.anchor(ts32, arrivalMs);
    const deltaMs = (((ts32 - this.lastTs32) | 0) * 1000) / this.clockRate;
    // A unit earlier than the latest (B-frames are sent out of presentation order): no new information.
    if (deltaMs <= 0) return this.lastWallMs + deltaMs;
    const expectedMs = this.lastWallMs + deltaMs;
    const lagMs = arrivalMs - expectedMs;
    if (lagMs > this.resyncMs || lagMs < -this.resyncMs) {
      this.resyncCount++;
      return this.anchor(ts32, arrivalMs);
    }
    this.minLagMs = Math.min(lagMs, this.minLagMs + deltaMs * 0.01);
    const maxStepMs = deltaMs * this.maxSlew;
    const stepMs = this.minLagMs > maxStepMs ? maxStepMs : this.minLagMs < -maxStepMs ? -maxStepMs : this.minLagMs;
    this.minLagMs -= stepMs;
    this.lastTs32 = ts32;
    this.lastWallMs = expectedMs + stepMs;
    return this.lastWallMs;
  }

  private anchor(ts32: number, arrivalMs: number): number {
    this.anchored = true;
    this.lastTs32 = ts32;
    this.lastWallMs = arrivalMs;
    this.minLagMs = 0;
    return arrivalMs;
  }
}
