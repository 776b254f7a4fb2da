/**
 * The storage folder's layout: `<rootPath>/<deviceUid>/<versionSid>/<segment>.mp4`. Lists stream folders
 * and the files in them; only stream folders are ever touched (a file at the root or a device level, or
 * anything starting with a dot, is not ours and is left alone whatever `keepUnknownFiles` says, so a root
 * path pointed at the wrong folder cannot delete someone's files).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeStreamId, type StreamId } from '../../src-shared/access-unit.js';

export interface StreamFolder {
  streamId: StreamId;
  deviceUid: string;
  versionSid: string;
  path: string;
}

/** A device uid or version sid usable as a folder name (no separators, no dot files, no traversal). */
export function isSafeFolderName(name: string): boolean {
  return name.length > 0 && name.length <= 128 && !name.startsWith('.') && !/[/\\\0]/.test(name);
}

export function streamFolderPath(rootPath: string, deviceUid: string, versionSid: string): string {
  if (!isSafeFolderName(deviceUid) || !isSafeFolderName(versionSid)) {
    throw new Error(`stream ${deviceUid}/${versionSid} cannot be a folder name`);
  }
  return join(rootPath, deviceUid, versionSid);
}

/** Every `<device>/<version>` folder under the root; a missing root is an empty list. */
export async function listStreamFolders(rootPath: string): Promise<StreamFolder[]> {
  const out: StreamFolder[] = [];
  for (const device of await readDirs(rootPath)) {
    for (const version of await readDirs(join(rootPath, device))) {
      out.push({
        streamId: makeStreamId(device, version),
        deviceUid: device,
        versionSid: version,
        path: join(rootPath, device, version),
      });
    }
  }
  return out;
}

async function readDirs(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isSafeFolderName(e.name)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR')
      return [];
    throw err;
  }
}

/** Regular files in a stream folder (not dot files); a missing folder is an empty list. */
export async function listFiles(path: string): Promise<string[]> {
  try {
    const entries = await readdir(path, { withFileTypes: true });
    return entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Runs `task` over `items` with at most `concurrency` at once (the original's initialLoadThreads). */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.max(1, Math.min(concurrency, items.length)); i++) workers.push(worker());
  await Promise.all(workers);
}
