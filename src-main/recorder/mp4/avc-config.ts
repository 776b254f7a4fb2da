/**
 * The AVC decoder configuration record (`avcC`, ISO/IEC 14496-15 §5.3.3.1) built from and parsed back
 * into SPS/PPS, and the few SPS fields it needs (ITU-T H.264 §7.3.2.1.1).
 */
import type { BoxCursor } from './box-reader.js';
import { Mp4ParseError } from './box-reader.js';
import type { BoxWriter } from './box-writer.js';

/** Profiles whose SPS carries chroma_format_idc and bit depths (H.264 §7.3.2.1.1), and avcC its extension. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);
/** Profiles for which 14496-15 §5.3.3.1.2 adds chroma_format and bit depths to avcC. */
const AVCC_EXTENDED_PROFILES = new Set([100, 110, 122, 144]);

export interface SpsHeader {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  chromaFormatIdc: number;
  bitDepthLumaMinus8: number;
  bitDepthChromaMinus8: number;
}

/** Reads the SPS fields up to the bit depths. Throws Mp4ParseError on an SPS too short to hold them. */
export function readSpsHeader(sps: Uint8Array): SpsHeader {
  if (sps.byteLength < 4 || (sps[0]! & 0x1f) !== 7) throw new Mp4ParseError('not an SPS NAL unit', 0);
  const header: SpsHeader = {
    profileIdc: sps[1]!,
    constraintFlags: sps[2]!,
    levelIdc: sps[3]!,
    chromaFormatIdc: 1,
    bitDepthLumaMinus8: 0,
    bitDepthChromaMinus8: 0,
  };
  if (!HIGH_PROFILES.has(header.profileIdc)) return header;
  const bits = new ExpGolombReader(removeEmulationPrevention(sps.subarray(4, Math.min(sps.byteLength, 40))));
  bits.ue(); // seq_parameter_set_id
  header.chromaFormatIdc = bits.ue();
  if (header.chromaFormatIdc === 3) bits.bit(); // separate_colour_plane_flag
  header.bitDepthLumaMinus8 = bits.ue();
  header.bitDepthChromaMinus8 = bits.ue();
  return header;
}

/** RFC 6381 §3.3: `avc1.PPCCLL`, profile_idc, constraint flags byte and level_idc in hex. */
export function codecStringOfSps(sps: Uint8Array): string {
  if (sps.byteLength < 4) throw new Mp4ParseError('SPS too short for a codec string', 0);
  const hex = (v: number): string => v.toString(16).padStart(2, '0');
  return `avc1.${hex(sps[1]!)}${hex(sps[2]!)}${hex(sps[3]!)}`;
}

export function profileName(profileIdc: number, constraintFlags: number): string {
  switch (profileIdc) {
    case 66:
      return (constraintFlags & 0x40) !== 0 ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 88:
      return 'Extended';
    case 100:
      return 'High';
    case 110:
      return 'High 10';
    case 122:
      return 'High 4:2:2';
    case 244:
      return 'High 4:4:4 Predictive';
    default:
      return `profile ${profileIdc}`;
  }
}

/** level_idc 31 → `3.1`; level 1b (level_idc 11 with constraint_set3 in Baseline/Main) → `1b`. */
export function levelName(levelIdc: number, profileIdc: number, constraintFlags: number): string {
  if (
    levelIdc === 9 ||
    (levelIdc === 11 && (constraintFlags & 0x10) !== 0 && (profileIdc === 66 || profileIdc === 77))
  ) {
    return '1b';
  }
  return `${Math.floor(levelIdc / 10)}.${levelIdc % 10}`;
}

/** Writes an `avcC` box with one SPS and one PPS (14496-15 §5.3.3.1), NAL lengths of 4 bytes. */
export function writeAvcC(w: BoxWriter, sps: Uint8Array, pps: Uint8Array): void {
  const header = readSpsHeader(sps);
  w.begin('avcC');
  w.u8(1); // configurationVersion
  w.u8(header.profileIdc).u8(header.constraintFlags).u8(header.levelIdc);
  w.u8(0xfc | 3); // reserved '111111', lengthSizeMinusOne = 3
  w.u8(0xe0 | 1); // reserved '111', numOfSequenceParameterSets = 1
  w.u16(sps.byteLength).raw(sps);
  w.u8(1); // numOfPictureParameterSets
  w.u16(pps.byteLength).raw(pps);
  if (AVCC_EXTENDED_PROFILES.has(header.profileIdc)) {
    w.u8(0xfc | (header.chromaFormatIdc & 3));
    w.u8(0xf8 | (header.bitDepthLumaMinus8 & 7));
    w.u8(0xf8 | (header.bitDepthChromaMinus8 & 7));
    w.u8(0); // numOfSequenceParameterSetExt
  }
  w.end();
}

export interface AvcConfig {
  sps: Uint8Array;
  pps: Uint8Array;
  /** Bytes in each sample's NAL length prefix (1, 2 or 4). */
  nalLengthBytes: number;
}

/** Parses an `avcC` payload; keeps the first SPS and PPS (copies, so the file buffer can go). */
export function readAvcC(cursor: BoxCursor): AvcConfig {
  const version = cursor.u8('avcC configurationVersion');
  if (version !== 1)
    throw new Mp4ParseError(`avcC configurationVersion ${version}, expected 1`, cursor.base + cursor.pos);
  cursor.skip(3, 'avcC profile/compatibility/level');
  const nalLengthBytes = (cursor.u8('avcC lengthSizeMinusOne') & 3) + 1;
  if (nalLengthBytes === 3) throw new Mp4ParseError('avcC NAL length size 3 is not allowed', cursor.base + cursor.pos);
  const spsCount = cursor.u8('avcC numOfSequenceParameterSets') & 0x1f;
  let sps: Uint8Array | null = null;
  for (let i = 0; i < spsCount; i++) {
    const len = cursor.u16('avcC SPS length');
    const nal = cursor.take(len, 'avcC SPS');
    if (sps === null) sps = nal.slice();
  }
  const ppsCount = cursor.u8('avcC numOfPictureParameterSets');
  let pps: Uint8Array | null = null;
  for (let i = 0; i < ppsCount; i++) {
    const len = cursor.u16('avcC PPS length');
    const nal = cursor.take(len, 'avcC PPS');
    if (pps === null) pps = nal.slice();
  }
  if (sps === null || sps.byteLength < 4) throw new Mp4ParseError('avcC has no usable SPS', cursor.base + cursor.pos);
  if (pps === null || pps.byteLength < 1) throw new Mp4ParseError('avcC has no PPS', cursor.base + cursor.pos);
  return { sps, pps, nalLengthBytes };
}

/** H.264 §7.4.1: drops emulation_prevention_three_byte (00 00 03 → 00 00). */
function removeEmulationPrevention(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  let n = 0;
  let zeros = 0;
  for (let i = 0; i < data.byteLength; i++) {
    const b = data[i]!;
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    zeros = b === 0 ? zeros + 1 : 0;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Exp-Golomb reader (H.264 §9.1) over an RBSP; reading past the end raises Mp4ParseError. */
class ExpGolombReader {
  private bitPos = 0;

  constructor(private readonly data: Uint8Array) {}

  bit(): number {
    const byte = this.bitPos >>> 3;
    if (byte >= this.data.byteLength) throw new Mp4ParseError('SPS ends inside a field', 4 + byte);
    const v = (this.data[byte]! >>> (7 - (this.bitPos & 7))) & 1;
    this.bitPos++;
    return v;
  }

  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) {
      if (++zeros > 31) throw new Mp4ParseError('Exp-Golomb code longer than 32 bits in SPS', 4 + (this.bitPos >>> 3));
    }
    let value = 0;
    for (let i = 0; i < zeros; i++) value = value * 2 + this.bit();
    return 2 ** zeros - 1 + value;
  }
}
