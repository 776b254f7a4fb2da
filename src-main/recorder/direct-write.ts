/**
 * Recordings written around the page cache (Linux `O_DIRECT`). A recording is written once and read rarely, so
 * copying it into the page cache only costs CPU (the kernel's copy is the largest single entry in the runtime's
 * profile at 64 cameras), evicts pages that are read, and leaves up to 30 s of video dirty in memory where a
 * power cut loses it. With direct I/O the device reads the bytes from our own buffer, and each fragment has
 * reached the device when its write returns (its volatile write cache, if any, is what the fsync policy flushes).
 *
 * Direct I/O wants the memory, the file offset and the length aligned to the device's block. Fragments are
 * copied into an aligned staging slab (a user-space copy of bytes still in the CPU's caches) and written from
 * it in whole blocks, the fragment's last partial block padded with a `free` box (ISO/IEC 14496-12 §8.1.2) to
 * the block's end. So the file is a valid fragmented MP4 after every write, even if the process dies before the
 * next: readers and the start-up scan skip `free` boxes. The next fragment is written over that padding,
 * starting again at the partial block; `close` cuts the file to its true length.
 *
 * A slab holds 1 MiB of file data, so a fragment up to that size (one second of an 8 Mbit/s camera) goes to disk
 * in one write: each write is a round trip through libuv's thread pool and a request to the device, and at 64
 * cameras 256 KiB slabs split each fragment into 2.4 writes. A larger fragment is written a slab at a time.
 * A slab costs memory only where it has been written: a WebAssembly memory's pages are committed when first
 * touched, so a 4 Mbit/s stream's slab holds about 500 KB. All slabs are one size (slabs of several sizes, kept
 * for reuse, made the resident total creep up over an hour as streams moved between sizes).
 */
import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

/** Alignment of offsets, lengths and memory: the page size, which covers every block size in use (512–4096). */
export const DIRECT_BLOCK = 4096;
/** Bytes written per full-slab write: a fragment up to this size goes out in one write. */
export const STAGING_BYTES = 1024 * 1024;
/** A slab holds a full write, and the spill of a padding that could not fit a `free` header in the block. */
const SLAB_BYTES = STAGING_BYTES + 2 * DIRECT_BLOCK;
/** Slabs per WebAssembly memory (each memory reserves address space, so they are shared). */
const SLABS_PER_MEMORY = 16;
const WASM_PAGE = 64 * 1024;
/** Smallest box: 32-bit size and a type. */
const BOX_HEADER_BYTES = 8;

/** The `open` flag, where this platform has it (Linux); elsewhere recordings are written through the cache. */
export const O_DIRECT: number | undefined = (constants as { O_DIRECT?: number }).O_DIRECT;

/**
 * Aligned slabs. A WebAssembly memory's buffer starts on a page boundary (V8 maps it with its page allocator),
 * which `Buffer.alloc` does not promise; slabs are cut at multiples of DIRECT_BLOCK from there, kept for reuse.
 */
class SlabPool {
  private readonly free: Uint8Array[] = [];

  take(): Uint8Array {
    const slab = this.free.pop();
    if (slab !== undefined) return slab;
    const pages = Math.ceil((SLAB_BYTES * SLABS_PER_MEMORY) / WASM_PAGE);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    for (let i = 1; i < SLABS_PER_MEMORY; i++)
      this.free.push(new Uint8Array(memory.buffer, i * SLAB_BYTES, SLAB_BYTES));
    return new Uint8Array(memory.buffer, 0, SLAB_BYTES);
  }

  give(slab: Uint8Array): void {
    this.free.push(slab);
  }
}

const pool = new SlabPool();

/** The one WebAssembly API used (Node has it; the main layer's libs do not declare it). */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer };
};

/** True for the errors a file system gives when it cannot do direct I/O (or not at this alignment). */
export function isDirectIoRefusal(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EINVAL' || code === 'EOPNOTSUPP' || code === 'ENOTSUP';
}

/** Appends to a file opened with O_DIRECT, from offset 0, in aligned blocks. */
export class DirectAppender {
  /** Writes issued (pwrite calls), for tests and measurements. */
  writes = 0;
  private slab: Uint8Array | null = pool.take();
  /** File offset of slab[0]; always a multiple of DIRECT_BLOCK. */
  private base = 0;
  /** Bytes of the slab that hold file data from `base`. */
  private fill = 0;
  private broken = false;

  constructor(private readonly fh: FileHandle) {}

  /**
   * Appends the pieces and writes them out, ending with the padded partial block. After a failure the appender
   * refuses further appends: the caller cuts the file back to its last complete fragment.
   */
  async append(parts: readonly Uint8Array[]): Promise<void> {
    const slab = this.slab;
    if (slab === null || this.broken) throw new Error('direct appender is closed');
    try {
      for (const part of parts) {
        let done = 0;
        while (done < part.byteLength) {
          const n = Math.min(part.byteLength - done, STAGING_BYTES - this.fill);
          slab.set(n === part.byteLength ? part : part.subarray(done, done + n), this.fill);
          this.fill += n;
          done += n;
          if (this.fill === STAGING_BYTES) {
            await this.writeSlab(STAGING_BYTES);
            this.base += STAGING_BYTES;
            this.fill = 0;
          }
        }
      }
      if (this.fill > 0) await this.writeTail(slab);
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }

  /** Gives the slab back; the caller truncates the file to its true length (dropping the padding) and closes it. */
  release(): void {
    if (this.slab !== null) pool.give(this.slab);
    this.slab = null;
  }

  /** Writes the partial last block(s), padded with a `free` box, and keeps the partial block for the next append. */
  private async writeTail(slab: Uint8Array): Promise<void> {
    const used = this.fill;
    let padded = Math.ceil(used / DIRECT_BLOCK) * DIRECT_BLOCK;
    if (padded > used && padded - used < BOX_HEADER_BYTES) padded += DIRECT_BLOCK;
    if (padded > used) {
      const size = padded - used;
      slab.fill(0, used, padded);
      slab[used] = size >>> 24;
      slab[used + 1] = (size >>> 16) & 0xff;
      slab[used + 2] = (size >>> 8) & 0xff;
      slab[used + 3] = size & 0xff;
      slab[used + 4] = 0x66; // f
      slab[used + 5] = 0x72; // r
      slab[used + 6] = 0x65; // e
      slab[used + 7] = 0x65; // e
    }
    await this.writeSlab(padded);
    const whole = Math.floor(used / DIRECT_BLOCK) * DIRECT_BLOCK;
    if (whole > 0) slab.copyWithin(0, whole, used);
    this.base += whole;
    this.fill = used - whole;
  }

  private async writeSlab(length: number): Promise<void> {
    let done = 0;
    while (done < length) {
      this.writes++;
      const { bytesWritten } = await this.fh.write(this.slab!, done, length - done, this.base + done);
      if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      // A short direct write ends on a block boundary (a full disk); the rest is tried again, and fails.
      done += bytesWritten;
    }
  }
}
