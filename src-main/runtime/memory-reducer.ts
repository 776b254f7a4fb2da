/**
 * Keeps the recorder's memory flat over days. V8 starts a full collection when its old space reaches a limit it
 * sets from the machine's memory, which on a desktop is hundreds of MB above what the recorder lives in. The
 * recorder's video memory is pooled (slab-pool.ts, ws-frame-pool.ts), so nothing outside the heap pushes V8 to
 * collect either: the few objects that outlive a GOP and then die (a finished file's index, a request's state)
 * pile up in the old space, with the buffers they hold, for hours. An hour's soak at 16 cameras showed the old
 * space growing by 13 MB and RSS by 16 % without one full collection (README, scale).
 *
 * So every `intervalMs` this looks at the old space's size, and when it has grown by `growthBytes` since the
 * smallest size seen (after the last collection, V8's or ours), it asks V8 for a full collection: about 10 ms
 * on a 30 MB heap, a few times an hour. A process that never grows never collects.
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const DEFAULT_REDUCER_INTERVAL_MS = 30_000;
/** Growth of the old space that triggers a collection: a few % of the recorder's RSS. */
export const DEFAULT_REDUCER_GROWTH_BYTES = 4 * 1024 * 1024;

export interface MemoryReducerOptions {
  intervalMs?: number;
  growthBytes?: number;
  /** Bytes in V8's old spaces (live and not yet collected); default from `v8.getHeapSpaceStatistics`. */
  oldSpaceBytes?: () => number;
  /** A full collection; default V8's `gc`. */
  collect?: () => void;
}

function oldSpaceBytes(): number {
  let bytes = 0;
  for (const s of getHeapSpaceStatistics()) {
    if (s.space_name === 'old_space' || s.space_name === 'large_object_space') bytes += s.space_used_size;
  }
  return bytes;
}

let v8Gc: (() => void) | null = null;

/** V8's full collection, exposed once for this process (the `--expose-gc` flag set at run time). */
function fullCollection(): void {
  if (v8Gc === null) {
    setFlagsFromString('--expose-gc');
    v8Gc = runInNewContext('gc') as () => void;
  }
  v8Gc();
}

export class MemoryReducer {
  /** Full collections asked for since start. */
  collections = 0;
  private low = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private readonly intervalMs: number;
  private readonly growthBytes: number;
  private readonly measure: () => number;
  private readonly collect: () => void;

  constructor(options: MemoryReducerOptions = {}) {
    this.intervalMs = options.intervalMs ?? DEFAULT_REDUCER_INTERVAL_MS;
    this.growthBytes = options.growthBytes ?? DEFAULT_REDUCER_GROWTH_BYTES;
    this.measure = options.oldSpaceBytes ?? oldSpaceBytes;
    this.collect = options.collect ?? fullCollection;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One look; returns true when it asked for a collection. */
  check(): boolean {
    const bytes = this.measure();
    if (bytes < this.low) this.low = bytes; // V8 collected by itself, or the first look
    if (bytes - this.low < this.growthBytes) return false;
    this.collect();
    this.collections++;
    this.low = this.measure();
    return true;
  }
}
