/**
 * How long a supervisor waits before the next connection attempt: exponential from `minMs` to `maxMs`,
 * with "equal jitter" (half fixed, half random) so that cameras behind one switch that rebooted together
 * are not all called again at the same instant.
 */
export class ReconnectBackoff {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly random: () => number;
  private failures = 0;

  constructor(minMs: number, maxMs: number, random: () => number = Math.random) {
    this.minMs = Math.max(1, minMs);
    this.maxMs = Math.max(this.minMs, maxMs);
    this.random = random;
  }

  /** The wait before the next attempt; each call counts one more failure. */
  nextDelayMs(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /** A session worked: start again from the shortest wait. */
  reset(): void {
    this.failures = 0;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }
}
