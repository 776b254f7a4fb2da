/**
 * A big-endian byte writer for ISO base media file format boxes (ISO/IEC 14496-12 §4.2): each box is
 * a 32-bit size and a four-character type, then its fields; full boxes add version and flags.
 * Boxes nest with `begin()`/`end()`; `end()` patches the size once the content is known.
 * The buffer is reused between `reset()` calls, so writing a fragment header allocates nothing.
 */
export class BoxWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;
  private readonly open: number[] = [];

  constructor(initialBytes = 4096) {
    this.buf = new Uint8Array(initialBytes);
    this.view = new DataView(this.buf.buffer);
  }

  get length(): number {
    return this.pos;
  }

  reset(): void {
    this.pos = 0;
    this.open.length = 0;
  }

  /** The bytes written so far (a view: valid until the next write or reset). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** Starts a box; `end()` fills in its size. */
  begin(type: string): this {
    this.open.push(this.pos);
    this.u32(0);
    return this.fourcc(type);
  }

  /** Starts a full box (§4.2: version u8 and flags u24 follow the type). */
  beginFull(type: string, version: number, flags: number): this {
    this.begin(type);
    return this.u32(((version & 0xff) << 24) | (flags & 0xffffff));
  }

  end(): this {
    const start = this.open.pop();
    if (start === undefined) throw new Error('BoxWriter.end() without begin()');
    this.view.setUint32(start, this.pos - start);
    return this;
  }

  u8(value: number): this {
    this.ensure(1);
    this.buf[this.pos++] = value & 0xff;
    return this;
  }

  u16(value: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, value & 0xffff);
    this.pos += 2;
    return this;
  }

  u24(value: number): this {
    this.ensure(3);
    this.buf[this.pos] = (value >>> 16) & 0xff;
    this.buf[this.pos + 1] = (value >>> 8) & 0xff;
    this.buf[this.pos + 2] = value & 0xff;
    this.pos += 3;
    return this;
  }

  u32(value: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, value >>> 0);
    this.pos += 4;
    return this;
  }

  i32(value: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, value | 0);
    this.pos += 4;
    return this;
  }

  /** An unsigned 64-bit integer from a JS number (exact up to 2^53). */
  u64(value: number): this {
    this.ensure(8);
    const high = Math.floor(value / 0x1_0000_0000);
    this.view.setUint32(this.pos, high >>> 0);
    this.view.setUint32(this.pos + 4, (value - high * 0x1_0000_0000) >>> 0);
    this.pos += 8;
    return this;
  }

  fourcc(type: string): this {
    if (type.length !== 4) throw new Error(`box type must be four characters, got ${JSON.stringify(type)}`);
    this.ensure(4);
    for (let i = 0; i < 4; i++) this.buf[this.pos + i] = type.charCodeAt(i) & 0xff;
    this.pos += 4;
    return this;
  }

  zeros(count: number): this {
    this.ensure(count);
    this.buf.fill(0, this.pos, this.pos + count);
    this.pos += count;
    return this;
  }

  raw(bytes: Uint8Array): this {
    this.ensure(bytes.byteLength);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.byteLength;
    return this;
  }

  /** Overwrites a u32 already written at `offset` (a data offset known only later). */
  patchU32(offset: number, value: number): void {
    this.view.setUint32(offset, value >>> 0);
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.byteLength) return;
    let size = this.buf.byteLength * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
}
