/**
 * Reading H.264 RBSP syntax (ITU-T H.264 §7.2): fixed-width bits u(n), exp-Golomb ue(v)/se(v) (§9.1),
 * after removing emulation-prevention bytes (§7.4.1: 00 00 03 → 00 00).
 */
import { ThinStreamError } from '../../../src-shared/errors.js';

/** A NAL unit or parameter set that does not follow the H.264 syntax. `offset` is in bytes of the RBSP. */
export class H264ParseError extends ThinStreamError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('H264_INVALID', `${message} (at byte ${offset})`);
    this.name = 'H264ParseError';
    this.offset = offset;
  }
}

/**
 * Returns the RBSP of a NAL unit's payload: `nal` without emulation_prevention_three_byte (§7.3.1).
 * Returns `nal` itself (no copy) when it holds none.
 */
export function removeEmulationPrevention(nal: Uint8Array): Uint8Array {
  const n = nal.byteLength;
  let first = -1;
  for (let i = 2; i < n; i++) {
    if (nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) {
      first = i;
      break;
    }
  }
  if (first === -1) return nal;
  const out = new Uint8Array(n);
  out.set(nal.subarray(0, first), 0);
  let o = first;
  let zeros = 0;
  for (let i = first + 1; i < n; i++) {
    const b = nal[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, o);
}

export class BitReader {
  private readonly data: Uint8Array;
  private bitPos = 0;
  private readonly bitLength: number;

  constructor(rbsp: Uint8Array) {
    this.data = rbsp;
    this.bitLength = rbsp.byteLength * 8;
  }

  get bitsLeft(): number {
    return this.bitLength - this.bitPos;
  }

  get byteOffset(): number {
    return this.bitPos >>> 3;
  }

  /** u(1) */
  flag(): boolean {
    return this.bits(1) === 1;
  }

  /** u(n) for n ≤ 32. */
  bits(n: number, what = 'field'): number {
    if (n > this.bitsLeft) throw new H264ParseError(`${what} runs past the end of the data`, this.byteOffset);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.data[this.bitPos >>> 3]!;
      value = value * 2 + ((byte >>> (7 - (this.bitPos & 7))) & 1);
      this.bitPos++;
    }
    return value;
  }

  skip(n: number, what = 'field'): void {
    if (n > this.bitsLeft) throw new H264ParseError(`${what} runs past the end of the data`, this.byteOffset);
    this.bitPos += n;
  }

  /** ue(v), §9.1. Values needing more than 31 leading zeros are refused (no syntax element is that large). */
  ue(what = 'ue(v) field'): number {
    let zeros = 0;
    while (this.bits(1, what) === 0) {
      zeros++;
      if (zeros > 31) throw new H264ParseError(`${what}: exp-Golomb code longer than 32 bits`, this.byteOffset);
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.bits(zeros, what);
  }

  /** se(v), §9.1.1. */
  se(what = 'se(v) field'): number {
    const k = this.ue(what);
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** ue(v) that must lie in [min, max] (the ranges §7.4.2 gives). */
  ueInRange(what: string, min: number, max: number): number {
    const at = this.byteOffset;
    const v = this.ue(what);
    if (v < min || v > max) throw new H264ParseError(`${what} is ${v}, expected ${min}..${max}`, at);
    return v;
  }

  seInRange(what: string, min: number, max: number): number {
    const at = this.byteOffset;
    const v = this.se(what);
    if (v < min || v > max) throw new H264ParseError(`${what} is ${v}, expected ${min}..${max}`, at);
    return v;
  }
}
