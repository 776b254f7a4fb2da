/**
 * Slows password guessing: failed sign-ins are counted per client address and per user name over a
 * window; past the limit, further attempts are refused (429) until the window has moved on. A success
 * clears the user's count (not the address's: one address guessing many users stays limited).
 */
export interface SignInLimiterOptions {
  windowMs?: number;
  maxFailuresPerAddress?: number;
  maxFailuresPerUser?: number;
  now?: () => number;
}

export class SignInLimiter {
  private readonly byAddress = new Map<string, number[]>();
  private readonly byUser = new Map<string, number[]>();
  private readonly windowMs: number;
  private readonly maxPerAddress: number;
  private readonly maxPerUser: number;
  private readonly now: () => number;
  /** Bound on tracked keys, so a flood of addresses or names cannot grow memory. */
  private static readonly MAX_KEYS = 10_000;

  constructor(options: SignInLimiterOptions = {}) {
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxPerAddress = options.maxFailuresPerAddress ?? 20;
    this.maxPerUser = options.maxFailuresPerUser ?? 8;
    this.now = options.now ?? Date.now;
  }

  /** 0 when an attempt may go ahead, else the milliseconds to wait. */
  retryAfterMs(address: string, username: string): number {
    const nowMs = this.now();
    return Math.max(
      this.waitFor(this.byAddress, address, this.maxPerAddress, nowMs),
      this.waitFor(this.byUser, username, this.maxPerUser, nowMs),
    );
  }

  failed(address: string, username: string): void {
    const nowMs = this.now();
    this.record(this.byAddress, address, nowMs);
    this.record(this.byUser, username, nowMs);
  }

  succeeded(username: string): void {
    this.byUser.delete(username);
  }

  private waitFor(map: Map<string, number[]>, key: string, max: number, nowMs: number): number {
    const times = this.prune(map, key, nowMs);
    if (times.length < max) return 0;
    return times[times.length - max]! + this.windowMs - nowMs;
  }

  private record(map: Map<string, number[]>, key: string, nowMs: number): void {
    const times = this.prune(map, key, nowMs);
    if (times.length === 0) {
      if (map.size >= SignInLimiter.MAX_KEYS) {
        for (const k of map.keys()) if (this.prune(map, k, nowMs).length === 0) map.delete(k);
        if (map.size >= SignInLimiter.MAX_KEYS) map.delete(map.keys().next().value as string);
      }
      map.set(key, times);
    }
    times.push(nowMs);
    if (times.length > 100) times.splice(0, times.length - 100);
  }

  private prune(map: Map<string, number[]>, key: string, nowMs: number): number[] {
    const times = map.get(key);
    if (!times) return [];
    let drop = 0;
    while (drop < times.length && nowMs - times[drop]! >= this.windowMs) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length === 0) map.delete(key);
    return times;
  }
}
