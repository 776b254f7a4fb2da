/**
 * One timer per frame rate for every camera of the server: each tick, every listener sends its next
 * frame. Ticks are scheduled against a fixed origin (tick k at origin + k·period), so timer lateness does
 * not accumulate into drift; a late wake-up runs the ticks it missed, up to a bound, then resynchronizes.
 */
import { performance } from 'node:perf_hooks';

export interface TickListener {
  /** `wallMs`: the wall-clock time this tick stands for (ms since the epoch). */
  onTick(wallMs: number): void;
}

/** Ticks missed by more than this (a stalled event loop) are skipped rather than sent in a burst. */
const MAX_CATCH_UP_TICKS = 5;

export class FrameTicker {
  readonly fps: number;
  private readonly periodMs: number;
  private readonly listeners = new Set<TickListener>();
  /** A copy iterated during a tick, so listeners may remove themselves. */
  private snapshot: TickListener[] = [];
  private snapshotStale = true;
  private originMs = 0;
  private ticksDone = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly onTimer = (): void => this.run();

  constructor(fps: number) {
    this.fps = fps;
    this.periodMs = 1000 / fps;
  }

  get size(): number {
    return this.listeners.size;
  }

  add(listener: TickListener): void {
    this.listeners.add(listener);
    this.snapshotStale = true;
    if (this.timer === null) {
      this.originMs = performance.now();
      this.ticksDone = 0;
      this.schedule();
    }
  }

  delete(listener: TickListener): void {
    this.listeners.delete(listener);
    this.snapshotStale = true;
    if (this.listeners.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    const nextMs = this.originMs + (this.ticksDone + 1) * this.periodMs;
    this.timer = setTimeout(this.onTimer, Math.max(0, nextMs - performance.now()));
  }

  private run(): void {
    this.timer = null;
    const nowMs = performance.now();
    let due = Math.floor((nowMs - this.originMs) / this.periodMs) - this.ticksDone;
    if (due > MAX_CATCH_UP_TICKS) {
      // The loop stalled: restart the schedule from now instead of bursting every missed frame.
      this.originMs = nowMs - this.periodMs;
      this.ticksDone = 0;
      due = 1;
    }
    for (let i = 0; i < due; i++) {
      this.ticksDone++;
      const tickWallMs = performance.timeOrigin + this.originMs + this.ticksDone * this.periodMs;
      if (this.snapshotStale) {
        this.snapshot = [...this.listeners];
        this.snapshotStale = false;
      }
      for (const listener of this.snapshot) if (this.listeners.has(listener)) listener.onTick(tickWallMs);
    }
    if (this.listeners.size > 0) this.schedule();
  }
}
