/**
 * Tells when a live socket's units arrive later than they used to: (arrival − capture time) against the smallest
 * seen on this connection. The smallest holds the clock difference between camera/server and browser and the
 * usual network time, so this works without synchronised clocks. Lag that lasts means data is queued somewhere
 * (the server's send queue, a browser too busy to read the socket); dropping the buffer does not help then —
 * only a fresh start at the server's latest keyframe does.
 */

/** Late by more than this beyond the best seen ... */
const LATE_MS = 1500;
/** ... for this long in a row, the connection is restarted. */
const LATE_FOR_MS = 1000;
/** Never more often than this, so a browser that is simply too slow is not restarted in a loop. */
const MIN_RESYNC_INTERVAL_MS = 10_000;

export class ArrivalLag {
  private bestMs = Infinity;
  private lateSinceMs = -1;
  private lastResetMs = -Infinity;

  note(wallMs: number, nowMs: number): void {
    const ageMs = nowMs - wallMs;
    if (ageMs < this.bestMs) this.bestMs = ageMs;
    if (ageMs - this.bestMs > LATE_MS) {
      if (this.lateSinceMs < 0) this.lateSinceMs = nowMs;
    } else this.lateSinceMs = -1;
  }

  lagging(nowMs: number): boolean {
    return (
      this.lateSinceMs >= 0 &&
      nowMs - this.lateSinceMs > LATE_FOR_MS &&
      nowMs - this.lastResetMs > MIN_RESYNC_INTERVAL_MS
    );
  }

  reset(nowMs = Date.now()): void {
    this.bestMs = Infinity;
    this.lateSinceMs = -1;
    this.lastResetMs = nowMs;
  }
}
