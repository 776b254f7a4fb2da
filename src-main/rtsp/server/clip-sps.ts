/**
 * What the server needs from a clip's SPS (ITU-T H.264 §7.3.2.1.1): picture size for logs and SDP, frame
 * rate from the VUI timing for pacing, and profile/level for `profile-level-id` (RFC 6184 §8.1).
 * A small reader of its own; the depacketizer's full SPS parser (helper h264) is the one the ingest uses.
 */
import { ThinStreamError } from '../../../src-shared/errors.js';

export interface ClipSps {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  width: number;
  height: number;
  /** From VUI timing_info (time_scale / 2·num_units_in_tick), or null when absent. */
  fps: number | null;
}

/** Profiles whose SPS carries chroma format, bit depths and scaling lists (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

export function readClipSps(nal: Uint8Array): ClipSps {
  const bits = new BitReader(unescapeRbsp(nal.subarray(1)));
  const profileIdc = bits.u(8);
  const constraintFlags = bits.u(8);
  const levelIdc = bits.u(8);
  bits.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = bits.ue();
    if (chromaFormatIdc === 3) bits.u(1); // separate_colour_plane_flag
    bits.ue(); // bit_depth_luma_minus8
    bits.ue(); // bit_depth_chroma_minus8
    bits.u(1); // qpprime_y_zero_transform_bypass_flag
    if (bits.u(1)) {
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (bits.u(1)) skipScalingList(bits, i < 6 ? 16 : 64);
    }
  }
  bits.ue(); // log2_max_frame_num_minus4
  const pocType = bits.ue();
  if (pocType === 0) bits.ue();
  else if (pocType === 1) {
    bits.u(1);
    bits.se();
    bits.se();
    const cycle = bits.ue();
    for (let i = 0; i < cycle; i++) bits.se();
  }
  bits.ue(); // max_num_ref_frames
  bits.u(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = bits.ue() + 1;
  const heightMapUnits = bits.ue() + 1;
  const frameMbsOnly = bits.u(1);
  if (!frameMbsOnly) bits.u(1);
  bits.u(1); // direct_8x8_inference_flag
  let crop = [0, 0, 0, 0];
  if (bits.u(1)) crop = [bits.ue(), bits.ue(), bits.ue(), bits.ue()];
  // Table 6-1: SubWidthC, SubHeightC; §7.4.2.1.1: CropUnitX/Y.
  const cropUnitX = chromaFormatIdc === 0 || chromaFormatIdc === 3 ? 1 : 2;
  const cropUnitY = (chromaFormatIdc === 1 ? 2 : 1) * (2 - frameMbsOnly);
  const width = widthMbs * 16 - cropUnitX * (crop[0]! + crop[1]!);
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropUnitY * (crop[2]! + crop[3]!);
  let fps: number | null = null;
  if (bits.u(1)) fps = readVuiFps(bits);
  return { profileIdc, constraintFlags, levelIdc, width, height, fps };
}

/** VUI up to timing_info (Annex E.1.1). */
function readVuiFps(bits: BitReader): number | null {
  if (bits.u(1) && bits.u(8) === 255) {
    bits.u(16);
    bits.u(16);
  }
  if (bits.u(1)) bits.u(1);
  if (bits.u(1)) {
    bits.u(4);
    if (bits.u(1)) bits.u(24);
  }
  if (bits.u(1)) {
    bits.ue();
    bits.ue();
  }
  if (!bits.u(1)) return null;
  const unitsInTick = bits.u(32);
  const timeScale = bits.u(32);
  return unitsInTick > 0 && timeScale > 0 ? timeScale / (2 * unitsInTick) : null;
}

function skipScalingList(bits: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + bits.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Removes emulation-prevention bytes (00 00 03 → 00 00, §7.4.1). */
function unescapeRbsp(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  let n = 0;
  let zeros = 0;
  for (const byte of data) {
    if (zeros >= 2 && byte === 3) {
      zeros = 0;
      continue;
    }
    out[n++] = byte;
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, n);
}

class BitReader {
  private pos = 0;
  constructor(private readonly data: Uint8Array) {}

  u(count: number): number {
    let value = 0;
    for (let i = 0; i < count; i++) {
      const byte = this.data[this.pos >> 3];
      if (byte === undefined) throw new ThinStreamError('H264_INVALID', `SPS ends after ${this.pos} bits`);
      value = value * 2 + ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return value;
  }

  /** Exp-Golomb ue(v), §9.1. */
  ue(): number {
    let zeros = 0;
    while (this.u(1) === 0) {
      if (++zeros > 31) throw new ThinStreamError('H264_INVALID', `SPS exp-Golomb code longer than 32 bits`);
    }
    return 2 ** zeros - 1 + this.u(zeros);
  }

  /** se(v), §9.1.1. */
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}
