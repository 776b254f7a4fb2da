/**
 * Turns 32-bit RTP timestamps (RFC 3550 §5.1, random start, wrapping) into an ever-growing count in
 * clock units, and keeps it monotonic-ish when a camera's timestamps jump: a step that disagrees with
 * the time that passed on arrival by more than a few seconds (or goes back further than B-frame
 * reordering can) is replaced by the arrival time that passed, or one frame, and reported.
 */

/** A forward step this much larger than the arrival time that passed is a jump, not elapsed time. */
const JUMP_TOLERANCE_MS = 3000;
/** Backward steps up to this are B-frame reordering; beyond it, a jump. */
const MAX_REORDER_BACK_MS = 1000;

export class TimestampUnwrapper {
  private readonly clockRate: number;
  private started = false;
  private last32 = 0;
  private ext = 0;
  private lastChangeMs = 0;
  /** The last normal forward step, used to continue across a jump (one frame). */
  private frameStep: number;
  /** How many jumps were smoothed. */
  jumps = 0;
  /** What the last call to unwrap() smoothed, or null when it found no jump. */
  lastJump: string | null = null;

  constructor(clockRate: number) {
    this.clockRate = clockRate;
    this.frameStep = Math.round(clockRate / 25);
  }

  /** The extended timestamp of `ts32`; sets `lastJump` when this call smoothed a jump. */
  unwrap(ts32: number, arrivalMs: number): number {
    this.lastJump = null;
    if (!this.started) {
      this.started = true;
      this.last32 = ts32;
      this.ext = ts32;
      this.lastChangeMs = arrivalMs;
      return this.ext;
    }
    if (ts32 === this.last32) return this.ext;
    const delta = (ts32 - this.last32) | 0;
    const deltaMs = (delta * 1000) / this.clockRate;
    const elapsedMs = Math.max(0, arrivalMs - this.lastChangeMs);
    if ((delta > 0 && deltaMs - elapsedMs <= JUMP_TOLERANCE_MS) || (delta < 0 && -deltaMs <= MAX_REORDER_BACK_MS)) {
      if (delta > 0 && delta < this.clockRate) this.frameStep = delta;
      this.ext += delta;
    } else {
      const step = Math.max(this.frameStep, Math.round((elapsedMs * this.clockRate) / 1000));
      this.lastJump = `RTP timestamp jumped by ${Math.round(deltaMs)} ms after ${Math.round(elapsedMs)} ms; continued ${Math.round((step * 1000) / this.clockRate)} ms later`;
      this.jumps++;
      this.ext += step;
    }
    this.last32 = ts32;
    this.lastChangeMs = arrivalMs;
    return this.ext;
  }

  /** Forgets everything: the next timestamp starts a new count from itself. */
  reset(): void {
    this.started = false;
  }
}
