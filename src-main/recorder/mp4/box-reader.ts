/**
 * Reading ISO base media boxes (ISO/IEC 14496-12 §4.2) from bytes: headers, children, full-box fields.
 * Every read is bounds-checked; a box that does not fit raises Mp4ParseError with its offset, the only
 * error these parsers let escape.
 */
import { ThinStreamError } from '../../../src-shared/errors.js';

export class Mp4ParseError extends ThinStreamError {
  /** Byte offset (in the buffer given to the parser, plus its base offset) where the problem is. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super('RECORDING_DAMAGED', `${message} (at byte ${offset})`);
    this.name = 'Mp4ParseError';
    this.offset = offset;
  }
}

export interface BoxHeader {
  type: string;
  /** Offset of the box's first byte. */
  start: number;
  /** Size of the whole box including its header; for size 0 ("to the end of the file", §4.2) the bytes left. */
  size: number;
  headerSize: number;
  /** True when the header said size 0, i.e. "runs to the end of the file". */
  toEnd: boolean;
}

/** The largest box header (size, type, largesize). */
export const MAX_BOX_HEADER_BYTES = 16;

/**
 * Reads the box header at `offset`. `available` is how many bytes the container holds from `offset`
 * (the file or parent box); null when the header itself is incomplete.
 */
export function readBoxHeader(bytes: Uint8Array, offset: number, available: number): BoxHeader | null {
  if (available < 8 || offset + 8 > bytes.byteLength) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size = view.getUint32(offset);
  const type = fourccAt(bytes, offset + 4);
  let headerSize = 8;
  let toEnd = false;
  if (size === 1) {
    if (available < 16 || offset + 16 > bytes.byteLength) return null;
    const high = view.getUint32(offset + 8);
    const low = view.getUint32(offset + 12);
    size = high * 0x1_0000_0000 + low;
    headerSize = 16;
  } else if (size === 0) {
    size = available;
    toEnd = true;
  }
  return { type, start: offset, size, headerSize, toEnd };
}

export function fourccAt(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!, bytes[offset + 3]!);
}

/**
 * A cursor over one box's payload. Offsets reported in errors are `base + position`, so a parser given
 * a slice of a file still names the file offset.
 */
export class BoxCursor {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    readonly base = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    if (end > bytes.byteLength) throw new Mp4ParseError('box runs past the end of the data', base + start);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  need(count: number, what: string): void {
    if (this.pos + count > this.end) {
      throw new Mp4ParseError(`${what}: needs ${count} bytes, ${this.end - this.pos} left`, this.base + this.pos);
    }
  }

  u8(what = 'u8'): number {
    this.need(1, what);
    return this.bytes[this.pos++]!;
  }

  u16(what = 'u16'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  u24(what = 'u24'): number {
    this.need(3, what);
    const v = (this.bytes[this.pos]! << 16) | (this.bytes[this.pos + 1]! << 8) | this.bytes[this.pos + 2]!;
    this.pos += 3;
    return v;
  }

  u32(what = 'u32'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  i32(what = 'i32'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  u64(what = 'u64'): number {
    this.need(8, what);
    const high = this.view.getUint32(this.pos);
    const low = this.view.getUint32(this.pos + 4);
    this.pos += 8;
    if (high >= 0x20_0000) throw new Mp4ParseError(`${what}: 64-bit value beyond 2^53`, this.base + this.pos - 8);
    return high * 0x1_0000_0000 + low;
  }

  skip(count: number, what = 'skip'): void {
    this.need(count, what);
    this.pos += count;
  }

  take(count: number, what = 'bytes'): Uint8Array {
    this.need(count, what);
    const out = this.bytes.subarray(this.pos, this.pos + count);
    this.pos += count;
    return out;
  }

  /** Version and flags of a full box (§4.2). */
  fullBox(what: string): { version: number; flags: number } {
    const word = this.u32(`${what} version/flags`);
    return { version: word >>> 24, flags: word & 0xffffff };
  }

  /** The next child box header inside [pos, end); null at the end. Throws when a child overruns its parent. */
  child(parent: string): BoxHeader | null {
    if (this.pos >= this.end) return null;
    const header = readBoxHeader(this.bytes, this.pos, this.end - this.pos);
    if (header === null) throw new Mp4ParseError(`truncated box header inside ${parent}`, this.base + this.pos);
    if (header.size < header.headerSize || this.pos + header.size > this.end) {
      throw new Mp4ParseError(
        `${header.type} box of ${header.size} bytes does not fit inside ${parent}`,
        this.base + this.pos,
      );
    }
    return header;
  }

  /** A cursor over a child's payload, and moves past the child. */
  enter(header: BoxHeader): BoxCursor {
    const inner = new BoxCursor(this.bytes, header.start + header.headerSize, header.start + header.size, this.base);
    this.pos = header.start + header.size;
    return inner;
  }
}
