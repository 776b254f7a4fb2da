/**
 * Sequence parameter set (ITU-T H.264 §7.3.2.1.1, semantics §7.4.2.1.1) and its VUI (Annex E.1.1):
 * what a viewer or a file needs (profile, level, chroma format, display size after cropping, frame rate)
 * and the RFC 6381 codec string. Every profile, including the High 4:2:2 / 4:4:4 scaling lists.
 */
import { BitReader, H264ParseError, removeEmulationPrevention } from './bit-reader.js';

export interface Sps {
  profileIdc: number;
  /** constraint_set0..5 flags and reserved bits: the byte after profile_idc. */
  constraintFlags: number;
  levelIdc: number;
  spsId: number;
  /** 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4 (§6.2). */
  chromaFormatIdc: number;
  separateColourPlane: boolean;
  bitDepthLuma: number;
  bitDepthChroma: number;
  log2MaxFrameNum: number;
  picOrderCntType: number;
  maxNumRefFrames: number;
  frameMbsOnly: boolean;
  /** Size of the decoded picture in samples before cropping. */
  codedWidth: number;
  codedHeight: number;
  /** Display size after frame cropping (§7.4.2.1.1, equations 7-19 to 7-22). */
  width: number;
  height: number;
  crop: { left: number; right: number; top: number; bottom: number };
  /** Sample aspect ratio from the VUI (1:1 when absent or unspecified). */
  sarWidth: number;
  sarHeight: number;
  /** From VUI timing_info: time_scale / (2 · num_units_in_tick) (Annex E.2.1); null when absent. */
  fps: number | null;
  /** max_num_reorder_frames from the VUI bitstream restriction; null when absent. */
  maxNumReorderFrames: number | null;
  /** Set when the VUI was present but could not be read to its end (some cameras truncate it). */
  vuiError: string | null;
}

/** profile_idc values whose SPS carries chroma_format_idc, bit depths and scaling matrices (§7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** Table E-1: sample aspect ratios by aspect_ratio_idc. */
const SAR_TABLE: ReadonlyArray<readonly [number, number]> = [
  [1, 1],
  [1, 1],
  [12, 11],
  [10, 11],
  [16, 11],
  [40, 33],
  [24, 11],
  [20, 11],
  [32, 11],
  [80, 33],
  [18, 11],
  [15, 11],
  [64, 33],
  [160, 99],
  [4, 3],
  [3, 2],
  [2, 1],
];
const EXTENDED_SAR = 255;

/**
 * Parses an SPS NAL unit (with its one-byte NAL header, without start code). Throws H264ParseError
 * when the bytes are not an SPS or break §7.4.2.1.1's ranges; a damaged VUI is reported in `vuiError`.
 */
export function parseSps(nal: Uint8Array): Sps {
  if (nal.byteLength < 4) throw new H264ParseError(`SPS of ${nal.byteLength} bytes is too short`, 0);
  if ((nal[0]! & 0x1f) !== 7) throw new H264ParseError(`NAL type ${nal[0]! & 0x1f} is not an SPS (7)`, 0);
  const r = new BitReader(removeEmulationPrevention(nal.subarray(1)));
  const profileIdc = r.bits(8);
  const constraintFlags = r.bits(8);
  const levelIdc = r.bits(8);
  const spsId = r.ueInRange('seq_parameter_set_id', 0, 31);

  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  let bitDepthLuma = 8;
  let bitDepthChroma = 8;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ueInRange('chroma_format_idc', 0, 3);
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    bitDepthLuma = 8 + r.ueInRange('bit_depth_luma_minus8', 0, 6);
    bitDepthChroma = 8 + r.ueInRange('bit_depth_chroma_minus8', 0, 6);
    r.skip(1); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      // seq_scaling_matrix_present_flag: 8 lists, or 12 for 4:4:4 (§7.3.2.1.1)
      const lists = chromaFormatIdc === 3 ? 12 : 8;
      for (let i = 0; i < lists; i++) if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  const log2MaxFrameNum = 4 + r.ueInRange('log2_max_frame_num_minus4', 0, 12);
  const picOrderCntType = r.ueInRange('pic_order_cnt_type', 0, 2);
  if (picOrderCntType === 0) {
    r.ueInRange('log2_max_pic_order_cnt_lsb_minus4', 0, 12);
  } else if (picOrderCntType === 1) {
    r.skip(1); // delta_pic_order_always_zero_flag
    r.se('offset_for_non_ref_pic');
    r.se('offset_for_top_to_bottom_field');
    const cycle = r.ueInRange('num_ref_frames_in_pic_order_cnt_cycle', 0, 255);
    for (let i = 0; i < cycle; i++) r.se('offset_for_ref_frame');
  }
  const maxNumRefFrames = r.ueInRange('max_num_ref_frames', 0, 16);
  r.skip(1); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = 1 + r.ueInRange('pic_width_in_mbs_minus1', 0, 1023);
  const heightMapUnits = 1 + r.ueInRange('pic_height_in_map_units_minus1', 0, 1023);
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.skip(1); // mb_adaptive_frame_field_flag
  r.skip(1); // direct_8x8_inference_flag

  const codedWidth = widthMbs * 16;
  const codedHeight = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16;
  const crop = { left: 0, right: 0, top: 0, bottom: 0 };
  if (r.flag()) {
    crop.left = r.ue('frame_crop_left_offset');
    crop.right = r.ue('frame_crop_right_offset');
    crop.top = r.ue('frame_crop_top_offset');
    crop.bottom = r.ue('frame_crop_bottom_offset');
  }
  // Equations 7-19..7-22: crop units depend on ChromaArrayType and field coding.
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 3 ? 1 : 2;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const width = codedWidth - cropUnitX * (crop.left + crop.right);
  const height = codedHeight - cropUnitY * (crop.top + crop.bottom);
  if (width <= 0 || height <= 0) {
    throw new H264ParseError(
      `frame cropping (${crop.left},${crop.right},${crop.top},${crop.bottom}) leaves no picture of ${codedWidth}x${codedHeight}`,
      r.byteOffset,
    );
  }

  const sps: Sps = {
    profileIdc,
    constraintFlags,
    levelIdc,
    spsId,
    chromaFormatIdc,
    separateColourPlane,
    bitDepthLuma,
    bitDepthChroma,
    log2MaxFrameNum,
    picOrderCntType,
    maxNumRefFrames,
    frameMbsOnly,
    codedWidth,
    codedHeight,
    width,
    height,
    crop,
    sarWidth: 1,
    sarHeight: 1,
    fps: null,
    maxNumReorderFrames: null,
    vuiError: null,
  };
  // vui_parameters_present_flag; an SPS cut short right here still has everything but the VUI.
  if (r.bitsLeft > 0 && r.flag()) {
    try {
      parseVui(r, sps);
    } catch (err) {
      if (!(err instanceof H264ParseError)) throw err;
      sps.vuiError = err.message;
    }
  }
  return sps;
}

/** scaling_list() of §7.3.2.1.1.1: only its length matters to us. */
function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) {
      const delta = r.seInRange('delta_scale', -128, 127);
      next = (last + delta + 256) % 256;
    }
    last = next === 0 ? last : next;
  }
}

/** vui_parameters() of Annex E.1.1. */
function parseVui(r: BitReader, sps: Sps): void {
  if (r.flag()) {
    // aspect_ratio_info_present_flag
    const idc = r.bits(8, 'aspect_ratio_idc');
    if (idc === EXTENDED_SAR) {
      const w = r.bits(16, 'sar_width');
      const h = r.bits(16, 'sar_height');
      if (w > 0 && h > 0) {
        sps.sarWidth = w;
        sps.sarHeight = h;
      }
    } else {
      const sar = SAR_TABLE[idc];
      if (sar) [sps.sarWidth, sps.sarHeight] = sar;
    }
  }
  if (r.flag()) r.skip(1); // overscan_info_present_flag → overscan_appropriate_flag
  if (r.flag()) {
    // video_signal_type_present_flag: video_format, video_full_range_flag, colour description
    r.skip(4);
    if (r.flag()) r.skip(24);
  }
  if (r.flag()) {
    // chroma_loc_info_present_flag
    r.ue('chroma_sample_loc_type_top_field');
    r.ue('chroma_sample_loc_type_bottom_field');
  }
  if (r.flag()) {
    // timing_info_present_flag (E.2.1): a frame lasts 2 ticks for progressive frame-coded video.
    const numUnitsInTick = r.bits(32, 'num_units_in_tick');
    const timeScale = r.bits(32, 'time_scale');
    r.skip(1); // fixed_frame_rate_flag
    if (numUnitsInTick > 0 && timeScale > 0) {
      const fps = timeScale / (2 * numUnitsInTick);
      if (fps >= 0.01 && fps <= 1000) sps.fps = Math.round(fps * 1000) / 1000;
    }
  }
  const nalHrd = r.flag();
  if (nalHrd) skipHrd(r);
  const vclHrd = r.flag();
  if (vclHrd) skipHrd(r);
  if (nalHrd || vclHrd) r.skip(1); // low_delay_hrd_flag
  r.skip(1); // pic_struct_present_flag
  if (r.flag()) {
    // bitstream_restriction_flag
    r.skip(1); // motion_vectors_over_pic_boundaries_flag
    r.ue('max_bytes_per_pic_denom');
    r.ue('max_bits_per_mb_denom');
    r.ue('log2_max_mv_length_horizontal');
    r.ue('log2_max_mv_length_vertical');
    sps.maxNumReorderFrames = r.ueInRange('max_num_reorder_frames', 0, 16);
    r.ue('max_dec_frame_buffering');
  }
}

/** hrd_parameters() of Annex E.1.2. */
function skipHrd(r: BitReader): void {
  const cpbCnt = 1 + r.ueInRange('cpb_cnt_minus1', 0, 31);
  r.skip(8); // bit_rate_scale, cpb_size_scale
  for (let i = 0; i < cpbCnt; i++) {
    r.ue('bit_rate_value_minus1');
    r.ue('cpb_size_value_minus1');
    r.skip(1); // cbr_flag
  }
  r.skip(20); // four delay/offset lengths of 5 bits
}

/** Profile name of Annex A.2 as people say it (`Constrained Baseline`, `High 4:2:2`, …). */
export function profileName(profileIdc: number, constraintFlags: number): string {
  const set1 = (constraintFlags & 0x40) !== 0;
  const set3 = (constraintFlags & 0x10) !== 0;
  const set4 = (constraintFlags & 0x08) !== 0;
  const set5 = (constraintFlags & 0x04) !== 0;
  switch (profileIdc) {
    case 66:
      return set1 ? 'Constrained Baseline' : 'Baseline';
    case 77:
      return 'Main';
    case 88:
      return 'Extended';
    case 100:
      if (set4 && set5) return 'Constrained High';
      if (set4) return 'Progressive High';
      return 'High';
    case 110:
      if (set3) return 'High 10 Intra';
      return set4 ? 'Progressive High 10' : 'High 10';
    case 122:
      return set3 ? 'High 4:2:2 Intra' : 'High 4:2:2';
    case 244:
      return set3 ? 'High 4:4:4 Intra' : 'High 4:4:4 Predictive';
    case 44:
      return 'CAVLC 4:4:4 Intra';
    case 83:
      return 'Scalable Baseline';
    case 86:
      return 'Scalable High';
    case 118:
      return 'Multiview High';
    case 128:
      return 'Stereo High';
    case 134:
      return 'MFC High';
    case 138:
      return 'Multiview Depth High';
    default:
      return `profile ${profileIdc}`;
  }
}

/** Level as written in Table A-1 (`3.1`, `1b`). */
export function levelName(profileIdc: number, constraintFlags: number, levelIdc: number): string {
  // Level 1b: level_idc 9, or 11 with constraint_set3 in Baseline/Main/Extended (§A.3.1, §A.3.2).
  if (levelIdc === 9) return '1b';
  if (
    levelIdc === 11 &&
    (constraintFlags & 0x10) !== 0 &&
    (profileIdc === 66 || profileIdc === 77 || profileIdc === 88)
  )
    return '1b';
  return levelIdc % 10 === 0 ? String(levelIdc / 10) : (levelIdc / 10).toFixed(1);
}

/** RFC 6381 §3.3 codec string `avc1.PPCCLL` from the three bytes after the SPS NAL header. */
export function codecString(spsNal: Uint8Array): string {
  const hex = (b: number | undefined): string => (b ?? 0).toString(16).padStart(2, '0');
  return `avc1.${hex(spsNal[1])}${hex(spsNal[2])}${hex(spsNal[3])}`;
}
