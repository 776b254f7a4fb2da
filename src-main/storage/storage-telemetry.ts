/**
 * What the storage looks like right now: bytes used by recordings (in total and per stream), the oldest
 * and newest recording, the disk's free and total bytes (`statfs` on the root), and what retention
 * deleted. The API's `StorageTelemetry` plus detail; recorders add their own write counters (stats()).
 */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StreamId } from '../../src-shared/access-unit.js';
import type { StorageTelemetry } from '../../src-shared/api.js';
import type { RecordingCatalog } from './recording-catalog.js';
import type { RetentionPolicy } from './retention-policy.js';

export interface StreamStorageTelemetry {
  streamId: StreamId;
  bytes: number;
  segments: number;
  oldestMs: number | null;
  newestMs: number | null;
}

export interface StorageTelemetryDetail extends StorageTelemetry {
  /** Size of the file system holding the root. */
  diskBytes: number;
  /** Bytes retention deleted since start. */
  deletedBytes: number;
  streams: StreamStorageTelemetry[];
}

export async function storageTelemetry(
  catalog: RecordingCatalog,
  retention?: RetentionPolicy | null,
): Promise<StorageTelemetryDetail> {
  const usage = catalog.usage();
  const streams: StreamStorageTelemetry[] = [];
  let oldestMs: number | null = null;
  let newestMs: number | null = null;
  for (const [streamId, s] of usage.streams) {
    streams.push({ streamId, ...s });
    if (s.oldestMs !== null && (oldestMs === null || s.oldestMs < oldestMs)) oldestMs = s.oldestMs;
    if (s.newestMs !== null && (newestMs === null || s.newestMs > newestMs)) newestMs = s.newestMs;
  }
  streams.sort((a, b) => a.streamId.localeCompare(b.streamId));
  const disk = await diskSpace(catalog.rootPath);
  const limit = retention?.globalLimitBytes ?? Infinity;
  return {
    rootPath: catalog.rootPath,
    limitBytes: Number.isFinite(limit) ? limit : 0,
    usedBytes: usage.totalBytes,
    freeBytes: disk.freeBytes,
    oldestMs,
    newestMs,
    diskBytes: disk.totalBytes,
    deletedBytes: retention?.deletedBytes ?? 0,
    streams,
  };
}

/** Free (for an unprivileged writer) and total bytes of the file system holding `path` or its nearest parent. */
export async function diskSpace(path: string): Promise<{ freeBytes: number; totalBytes: number }> {
  for (let p = path; ; p = dirname(p)) {
    try {
      const s = await statfs(p);
      return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      if (dirname(p) === p) return { freeBytes: 0, totalBytes: 0 };
    }
  }
}
