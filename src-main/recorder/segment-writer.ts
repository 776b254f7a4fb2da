/**
 * One segment file on disk, written append-only at known offsets. If a write fails (disk full, I/O
 * error) the file is cut back to the end of its last complete fragment before the error is passed on,
 * so what was already recorded stays playable. What is flushed when is the fsync policy:
 *   never     nothing is fsynced; the OS writes back when it likes (a power cut may lose ~30 s).
 *   fragment  fdatasync after every fragment (at most the fragment in flight is lost; costs IOPS).
 *   segment   fsync the folder after a file is created and the file when it is closed (the default).
 * Where the file system can (Linux, `O_DIRECT`), files are written around the page cache (direct-write.ts):
 * each fragment has then reached the device when its append resolves, whatever the policy (the policy's fsync
 * still flushes the device's own write cache and the file's size).
 */
import { constants } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DirectAppender, O_DIRECT, isDirectIoRefusal } from './direct-write.js';

export type FsyncPolicy = 'never' | 'fragment' | 'segment';

export class SegmentWriter {
  /** Bytes on disk that belong to complete boxes. */
  bytes: number;
  /** Milliseconds spent in write, truncate and fsync calls. */
  writeMs = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly fsync: FsyncPolicy,
    initBytes: number,
    private readonly direct: DirectAppender | null,
  ) {
    this.bytes = initBytes;
  }

  /** True when the file is written with direct I/O (direct-write.ts). */
  get directIo(): boolean {
    return this.direct !== null;
  }

  /** Writes issued with direct I/O so far, init segment included (0 through the page cache). */
  get directWrites(): number {
    return this.direct?.writes ?? 0;
  }

  /**
   * Creates the file (it must not exist) and writes the init segment. On failure nothing is left behind.
   * `tryDirect`: write around the page cache if the file system allows it; where it refuses, the file is
   * written through the cache (`directIo` says which).
   */
  static async create(path: string, init: Uint8Array, fsync: FsyncPolicy, tryDirect = false): Promise<SegmentWriter> {
    const started = performance.now();
    let writer =
      tryDirect && O_DIRECT !== undefined ? await SegmentWriter.createDirect(path, init, fsync, O_DIRECT) : null;
    if (writer === null) {
      // 'w', not 'wx', after a refused direct open: that open may have created the (empty) file already.
      const fh = await open(path, tryDirect ? 'w' : 'wx', 0o644);
      writer = new SegmentWriter(path, fh, fsync, init.byteLength, null);
      await writer.durably(() => writeFully(fh, init, 0));
    } else {
      await writer.durably(); // the direct open wrote the init segment already
    }
    writer.writeMs = performance.now() - started;
    return writer;
  }

  /** The file opened with O_DIRECT and its init segment written, or null where the file system refuses. */
  private static async createDirect(
    path: string,
    init: Uint8Array,
    fsync: FsyncPolicy,
    oDirect: number,
  ): Promise<SegmentWriter | null> {
    const { O_WRONLY, O_CREAT, O_EXCL } = constants;
    let fh: FileHandle;
    try {
      fh = await open(path, O_WRONLY | O_CREAT | O_EXCL | oDirect, 0o644);
    } catch (err) {
      if (isDirectIoRefusal(err)) return null;
      throw err;
    }
    const appender = new DirectAppender(fh);
    try {
      await appender.append([init]);
    } catch (err) {
      appender.release();
      await fh.close().catch(() => undefined);
      if (isDirectIoRefusal(err)) return null;
      await unlink(path).catch(() => undefined);
      throw err;
    }
    return new SegmentWriter(path, fh, fsync, init.byteLength, appender);
  }

  /** Runs `write` (the init segment), if any, and makes the new file durable per the policy; on failure removes it. */
  private async durably(write?: () => Promise<void>): Promise<void> {
    try {
      await write?.();
      if (this.fsync !== 'never') {
        await this.fh.datasync();
        await syncFolder(dirname(this.path));
      }
    } catch (err) {
      this.direct?.release();
      await this.fh.close().catch(() => undefined);
      await unlink(this.path).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Appends one fragment (moof+mdat), whole or as the pieces of one gathered write (`FragmentParts.parts`).
   * On failure the file is truncated back to `bytes` and the error thrown.
   */
  async append(data: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (this.closed) throw new Error(`segment ${this.path} is closed`);
    const started = performance.now();
    const length = isPartList(data) ? totalBytes(data) : data.byteLength;
    try {
      if (this.direct !== null) await this.direct.append(isPartList(data) ? data : [data]);
      else if (isPartList(data)) await writeFullyV(this.fh, data, this.bytes);
      else await writeFully(this.fh, data, this.bytes);
      if (this.fsync === 'fragment') await this.fh.datasync();
    } catch (err) {
      // Truncating frees blocks, so it works on a full disk too.
      await this.fh.truncate(this.bytes).catch(() => undefined);
      throw err;
    } finally {
      this.writeMs += performance.now() - started;
    }
    this.bytes += length;
  }

  /** Flushes per the policy and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const started = performance.now();
    try {
      // The padding after the last fragment goes; the file ends where its last box does.
      if (this.direct !== null) await this.fh.truncate(this.bytes);
      if (this.fsync !== 'never') await this.fh.sync();
    } finally {
      this.direct?.release();
      await this.fh.close();
      this.writeMs += performance.now() - started;
    }
  }

  /** Closes without flushing, ignoring errors (after a failed write). */
  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.direct !== null) await this.fh.truncate(this.bytes).catch(() => undefined);
    this.direct?.release();
    await this.fh.close().catch(() => undefined);
  }
}

async function writeFully(fh: FileHandle, data: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < data.byteLength) {
    const { bytesWritten } = await fh.write(data, done, data.byteLength - done, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
  }
}

function isPartList(data: Uint8Array | readonly Uint8Array[]): data is readonly Uint8Array[] {
  return Array.isArray(data);
}

function totalBytes(parts: readonly Uint8Array[]): number {
  let n = 0;
  for (const p of parts) n += p.byteLength;
  return n;
}

/** One pwritev for the whole list (libuv splits it past IOV_MAX); a short write goes on from where it stopped. */
async function writeFullyV(fh: FileHandle, parts: readonly Uint8Array[], position: number): Promise<void> {
  let rest = parts;
  let at = position;
  let left = totalBytes(parts);
  while (left > 0) {
    const { bytesWritten } = await fh.writev(rest as Uint8Array[], at);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    left -= bytesWritten;
    at += bytesWritten;
    if (left === 0) break;
    // Rare (a full disk): drop the pieces written, cut the one written in part.
    let skip = bytesWritten;
    let i = 0;
    while (skip >= rest[i]!.byteLength) skip -= rest[i++]!.byteLength;
    rest = [rest[i]!.subarray(skip), ...rest.slice(i + 1)];
  }
}

/** fsync of a folder makes a new entry in it durable (POSIX: the file's own fsync does not). */
export async function syncFolder(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } catch (err) {
    // Some filesystems (and Windows) refuse fsync on a folder: nothing more can be done there.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw err;
  } finally {
    await fh.close();
  }
}
