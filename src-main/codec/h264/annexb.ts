/**
 * H.264 Annex B byte streams (ITU-T H.264 Annex B): NAL units separated by 00 00 01 or 00 00 00 01.
 * Used for clips on disk, the viewer wire format, and cameras that put start codes inside RTP payloads.
 */

/** NAL unit types of ITU-T H.264 Table 7-1 that this project acts on. */
export const NalType = {
  SLICE: 1,
  IDR: 5,
  SEI: 6,
  SPS: 7,
  PPS: 8,
  AUD: 9,
  END_OF_SEQUENCE: 10,
  END_OF_STREAM: 11,
  FILLER: 12,
  STAP_A: 24,
  FU_A: 28,
} as const;

export function nalType(nal: Uint8Array): number {
  return nal.byteLength === 0 ? 0 : nal[0]! & 0x1f;
}

export function isVcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

/**
 * Splits Annex B bytes into NAL units (views into `data`, no copies). Bytes before the first start
 * code are returned as a NAL unit only when `leading` is true (a payload that starts without one).
 * Trailing zero bytes of a NAL (trailing_zero_8bits) are dropped.
 */
export function splitAnnexB(data: Uint8Array, leading = false): Uint8Array[] {
  const nalus: Uint8Array[] = [];
  let nalStart = -1;
  let i = 0;
  const n = data.byteLength;
  if (leading) nalStart = 0;
  while (i + 2 < n) {
    // A start code is 00 00 01; find the next zero pair quickly.
    if (data[i + 2]! > 1) {
      i += 3;
      continue;
    }
    if (data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1) {
      if (nalStart !== -1) pushTrimmed(nalus, data, nalStart, i);
      nalStart = i + 3;
      i += 3;
      continue;
    }
    i++;
  }
  if (nalStart !== -1 && nalStart < n) pushTrimmed(nalus, data, nalStart, n);
  return nalus;
}

function pushTrimmed(out: Uint8Array[], data: Uint8Array, start: number, end: number): void {
  let e = end;
  while (e > start && data[e - 1] === 0) e--;
  if (e > start) out.push(data.subarray(start, e));
}

/**
 * Index of the first 00 00 01 in `data`, or -1. A well-formed NAL unit never holds one (§7.4.1's
 * emulation prevention), so finding one inside a NAL unit means a camera put Annex B bytes there.
 * Skips three bytes at a time past any byte above 1 (no start code can end within those three).
 */
export function indexOfStartCode(data: Uint8Array): number {
  const n = data.byteLength;
  let i = 2;
  while (i < n) {
    const b = data[i]!;
    if (b > 1) {
      i += 3;
    } else if (b === 1 && data[i - 1] === 0 && data[i - 2] === 0) {
      return i - 2;
    } else {
      i++;
    }
  }
  return -1;
}

/** True when `data` has a 3- or 4-byte start code at offset 0. */
export function startsWithStartCode(data: Uint8Array): boolean {
  return (
    data.byteLength >= 3 &&
    data[0] === 0 &&
    data[1] === 0 &&
    (data[2] === 1 || (data[2] === 0 && data.byteLength >= 4 && data[3] === 1))
  );
}

/** True when the slice is the first of its picture: first_mb_in_slice, ue(v), is 0 exactly when its first bit is 1. */
export function isFirstSliceOfPicture(nal: Uint8Array): boolean {
  return nal.byteLength > 1 && (nal[1]! & 0x80) !== 0;
}

/**
 * Groups NAL units of an Annex B stream into access units (H.264 §7.4.1.2.3, simplified to what
 * encoders emit: a new unit begins at an AUD, SPS, PPS or SEI after a slice, or at a slice whose
 * first_mb_in_slice is 0 after a slice).
 */
export class AnnexBAccessUnitSplitter {
  private current: Uint8Array[] = [];
  private hasVcl = false;

  /** Feeds one NAL unit; returns the finished access unit it closed, if any. */
  push(nal: Uint8Array): Uint8Array[] | null {
    const type = nalType(nal);
    let finished: Uint8Array[] | null = null;
    if (this.hasVcl) {
      const startsNew =
        type === NalType.AUD ||
        type === NalType.SPS ||
        type === NalType.PPS ||
        type === NalType.SEI ||
        (isVcl(type) && isFirstSliceOfPicture(nal));
      if (startsNew) {
        finished = this.current;
        this.current = [];
        this.hasVcl = false;
      }
    }
    this.current.push(nal);
    if (isVcl(type)) this.hasVcl = true;
    return finished;
  }

  /** Returns the last unit at the end of the stream. */
  flush(): Uint8Array[] | null {
    if (!this.hasVcl) return null;
    const last = this.current;
    this.current = [];
    this.hasVcl = false;
    return last;
  }
}

/** Splits a whole Annex B clip into access units (arrays of NAL units, views into `data`). */
export function accessUnitsOfAnnexB(data: Uint8Array): Uint8Array[][] {
  const splitter = new AnnexBAccessUnitSplitter();
  const units: Uint8Array[][] = [];
  for (const nal of splitAnnexB(data)) {
    const done = splitter.push(nal);
    if (done) units.push(done);
  }
  const last = splitter.flush();
  if (last) units.push(last);
  return units;
}

/** Writes NAL units as Annex B (4-byte start codes) into one buffer. */
export function toAnnexB(nalus: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const nal of nalus) total += 4 + nal.byteLength;
  const out = new Uint8Array(total);
  let pos = 0;
  for (const nal of nalus) {
    out[pos + 3] = 1;
    out.set(nal, pos + 4);
    pos += 4 + nal.byteLength;
  }
  return out;
}
