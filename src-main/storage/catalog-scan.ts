/**
 * The catalog's scan of the storage folders: at start (every file, `threads` at once, damaged tails cut)
 * and on rescans (only files not yet indexed, and files that have gone). What a file turns out to be:
 *   a segment            indexed (its damaged tail cut first when repairing);
 *   empty                our name and an MP4 start but no complete fragment: a crash while it was being
 *                        created; deleted when repairing (it holds no video);
 *   unknown              another name, or not a fragmented H.264 MP4: deleted unless kept.
 */
import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamId } from '../../src-shared/access-unit.js';
import { parseSegmentName } from '../recorder/segment-name.js';
import { forEachLimited, listFiles, listStreamFolders, type StreamFolder } from './folder-scan.js';
import type { SegmentInfo } from './segment-index.js';
import { scanSegmentFile } from './segment-scanner.js';

export interface ScanReport {
  streams: number;
  segments: number;
  bytes: number;
  /** Files whose damaged tail was cut (or would be, on read-only storage). */
  repaired: Array<{ path: string; cutBytes: number; reason: string }>;
  /** Files deleted: segments with no complete fragment, and unknown files when not kept. */
  removed: Array<{ path: string; reason: string }>;
  /** Unknown files left in place. */
  unknown: Array<{ path: string; reason: string }>;
  elapsedMs: number;
}

/** What the scan reads and changes in the catalog's index. */
export interface ScanIndex {
  has(streamId: StreamId, id: string): boolean;
  allSegments(streamId: StreamId): readonly SegmentInfo[];
  streamIds(): StreamId[];
  insert(segment: SegmentInfo): void;
  remove(segment: SegmentInfo, reason: string): boolean;
  bytesOf(streamId: StreamId): number;
  closed(): boolean;
}

export interface ScanOptions {
  rootPath: string;
  /** The start-up scan: every file, no settle time. */
  initial: boolean;
  /** Cut damaged tails and delete empty files (false on read-only storage). */
  repair: boolean;
  keepUnknownFiles: boolean;
  threads: number;
  /** On rescans, files changed more recently than this wait for the next one (a copy in progress). */
  settleMs: number;
  log: (line: string) => void;
}

export async function scanStorage(index: ScanIndex, o: ScanOptions): Promise<ScanReport> {
  const started = performance.now();
  const report: ScanReport = {
    streams: 0,
    segments: 0,
    bytes: 0,
    repaired: [],
    removed: [],
    unknown: [],
    elapsedMs: 0,
  };
  const folders = await listStreamFolders(o.rootPath);
  const work: Array<{ folder: StreamFolder; name: string }> = [];
  const seen = new Map<StreamId, Set<string>>();
  for (const folder of folders) {
    const names = await listFiles(folder.path);
    seen.set(folder.streamId, new Set(names));
    for (const name of names) if (!index.has(folder.streamId, name)) work.push({ folder, name });
  }
  // Forget segments whose files were removed by hand.
  for (const streamId of index.streamIds()) {
    const names = seen.get(streamId);
    for (const s of [...index.allSegments(streamId)]) {
      if (s.open || names?.has(s.id)) continue;
      // Not in the listing: gone, unless a recorder made it after the folder was listed.
      if ((await stat(s.path).catch(() => null)) === null) index.remove(s, 'the file was removed');
    }
  }
  await forEachLimited(work, o.threads, (item) => scanOne(index, o, item.folder, item.name, report));
  for (const streamId of index.streamIds()) {
    const n = index.allSegments(streamId).length;
    if (n === 0) continue;
    report.streams++;
    report.segments += n;
    report.bytes += index.bytesOf(streamId);
  }
  report.elapsedMs = performance.now() - started;
  if (o.initial || report.repaired.length + report.removed.length > 0) {
    o.log(
      `storage ${o.rootPath}: ${report.segments} segments in ${report.streams} streams, ` +
        `${(report.bytes / 1e6).toFixed(1)} MB; ${report.repaired.length} repaired, ${report.removed.length} removed, ` +
        `${report.unknown.length} unknown kept (${report.elapsedMs.toFixed(0)} ms)`,
    );
  }
  return report;
}

async function scanOne(
  index: ScanIndex,
  o: ScanOptions,
  folder: StreamFolder,
  name: string,
  report: ScanReport,
): Promise<void> {
  if (index.closed() || index.has(folder.streamId, name)) return;
  const path = join(folder.path, name);
  const parsed = parseSegmentName(name);
  if (!o.initial) {
    // A file still being copied in: look at it on the next rescan. (With settleMs 0, never: a file written in
    // this very millisecond has an mtime a fraction of a millisecond after Date.now(), which is truncated.)
    const st = await stat(path).catch(() => null);
    if (st === null || (o.settleMs > 0 && Date.now() - st.mtimeMs < o.settleMs)) return;
  }
  if (parsed === null) {
    await unknownFile(o, path, 'its name is not a segment name', report);
    return;
  }
  let outcome;
  try {
    outcome = await scanSegmentFile(
      { streamId: folder.streamId, path, id: name, sequence: parsed.sequence, startMs: parsed.startMs },
      { repair: o.repair },
    );
  } catch (err) {
    o.log(`cannot read ${path}: ${String(err)}`);
    return;
  }
  // A recorder registers a segment before it creates the file: never touch one it owns.
  if (index.has(folder.streamId, name)) return;
  if (outcome.kind === 'invalid') {
    await unknownFile(o, path, outcome.reason, report);
  } else if (outcome.kind === 'empty') {
    // Nothing playable: a crash while the file was being created. At most one fragment was lost.
    if (o.repair) {
      await unlink(path).catch(() => undefined);
      report.removed.push({ path, reason: outcome.reason });
      o.log(`removed ${path}: ${outcome.reason}`);
    } else {
      report.unknown.push({ path, reason: outcome.reason });
    }
  } else {
    if (outcome.truncatedBytes > 0) {
      const reason = outcome.damage ?? 'damaged tail';
      report.repaired.push({ path, cutBytes: outcome.truncatedBytes, reason });
      o.log(
        `${o.repair ? 'cut' : 'ignoring'} ${outcome.truncatedBytes} damaged bytes at the end of ${path}: ${reason}`,
      );
    }
    index.insert(outcome.segment);
  }
}

async function unknownFile(o: ScanOptions, path: string, reason: string, report: ScanReport): Promise<void> {
  if (o.keepUnknownFiles) {
    report.unknown.push({ path, reason });
    return;
  }
  try {
    await unlink(path);
    report.removed.push({ path, reason: `unknown file (${reason})` });
    o.log(`deleted unknown file ${path} (${reason}); set keepUnknownFiles to keep such files`);
  } catch (err) {
    o.log(`could not delete unknown file ${path}: ${String(err)}`);
  }
}
