/**
 * What GET /api/v1/telemetry answers: every stream's state and counters (from the hub, fed by the supervisors),
 * storage use (from the recordings catalog, and the disk's free space from statfs), and the server's own
 * counters (open connections, viewers, bytes sent), and its memory (RSS, and the video slab and WebSocket frame
 * pools' counts).
 */
import { statfs } from 'node:fs/promises';
import type { MemoryTelemetry, StorageTelemetry, TelemetryResponse } from '../../src-shared/api.js';
import type { StreamStatus } from '../../src-shared/stream-status.js';
import { SlabPool } from '../codec/h264/slab-pool.js';
import type { WsFramePool } from '../streams/ws-frame-pool.js';

export interface TelemetrySources {
  streams(): StreamStatus[];
  storage: {
    rootPath: string;
    limitBytes: number;
    /** Bytes and time span of the recordings kept, from the catalog; null while it is not known. */
    recordings(): { usedBytes: number; oldestMs: number | null; newestMs: number | null } | null;
  };
  server(): TelemetryResponse['server'];
  memory(): MemoryTelemetry;
}

/** Counts for a runtime whose ingest has not started: an empty pool's. */
const NO_POOL = new SlabPool();

/** The process's memory as the OS and V8 count it, and the video slab and WebSocket frame pools' counts. */
export function memoryTelemetry(pool: SlabPool | null, frames: WsFramePool, reducerCollections = 0): MemoryTelemetry {
  const m = process.memoryUsage();
  const slabs = (pool ?? NO_POOL).snapshot();
  const wsFrames = frames.snapshot();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    arrayBuffersBytes: m.arrayBuffers,
    slabs,
    wsFrames,
    reducerCollections,
  };
}

/** Free bytes on the disk holding `path` (its nearest existing parent), or 0 when it cannot be read. */
export async function freeBytesAt(path: string): Promise<number> {
  let p = path;
  for (let i = 0; i < 64; i++) {
    try {
      const s = await statfs(p);
      return s.bavail * s.bsize;
    } catch {
      const parent = p.replace(/[/\\][^/\\]*$/, '');
      if (parent === p || parent === '') return 0;
      p = parent;
    }
  }
  return 0;
}

export async function collectTelemetry(
  sources: TelemetrySources,
  nowMs: number = Date.now(),
): Promise<TelemetryResponse> {
  const recordings = sources.storage.recordings();
  const storage: StorageTelemetry = {
    rootPath: sources.storage.rootPath,
    limitBytes: sources.storage.limitBytes,
    usedBytes: recordings?.usedBytes ?? 0,
    freeBytes: await freeBytesAt(sources.storage.rootPath),
    oldestMs: recordings?.oldestMs ?? null,
    newestMs: recordings?.newestMs ?? null,
  };
  return { nowMs, streams: sources.streams(), storage, server: sources.server(), memory: sources.memory() };
}
