/**
 * A camera's picture source: an H.264 Annex-B clip, parsed once into access units, made loop-safe (it
 * starts at a keyframe, SPS and PPS precede every IDR, no end-of-stream NAL units), and packetized once
 * per set of packetizer options. Every camera serving the clip shares the packets.
 */
import { readFile } from 'node:fs/promises';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { NalType, accessUnitsOfAnnexB, isVcl, nalType } from '../../codec/h264/annexb.js';
import { packetizeAccessUnits, type PacketizedClip, type PacketizerOptions } from '../../codec/h264/packetizer.js';
import { BitReader, removeEmulationPrevention } from '../../codec/h264/bit-reader.js';
import { parseSps, type Sps } from '../../codec/h264/sps.js';

export interface ClipSourceOptions {
  /** Frames per second when the SPS has no VUI timing (or to override it). Default: from the SPS, else 25. */
  fps?: number;
  /** Names the clip in errors and logs; the file path when loaded from a file. */
  label?: string;
}

export class ClipSource {
  readonly label: string;
  /** Access units in sending order, NAL units without start codes (views into the clip's bytes). */
  readonly units: Uint8Array[][];
  readonly sps: Uint8Array;
  readonly pps: Uint8Array;
  readonly spsInfo: Sps;
  readonly fps: number;
  private readonly packetizations = new Map<string, PacketizedClip>();

  private constructor(label: string, units: Uint8Array[][], sps: Uint8Array, pps: Uint8Array, fps: number | undefined) {
    this.label = label;
    this.units = units;
    this.sps = sps;
    this.pps = pps;
    try {
      this.spsInfo = parseSps(sps);
    } catch (err) {
      throw new ThinStreamError('H264_INVALID', `clip ${label}: unreadable SPS: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const chosen = fps ?? this.spsInfo.fps ?? 25;
    if (!(chosen > 0 && chosen <= 240)) {
      throw new ThinStreamError('H264_INVALID', `clip ${label}: frame rate ${chosen} is outside 0–240 fps`);
    }
    this.fps = chosen;
  }

  static async fromFile(path: string, options: ClipSourceOptions = {}): Promise<ClipSource> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      throw new ThinStreamError('NOT_FOUND', `cannot read the clip ${path}: ${(err as Error).message}`, { cause: err });
    }
    return ClipSource.fromAnnexB(bytes, { label: path, ...options });
  }

  static fromAnnexB(bytes: Uint8Array, options: ClipSourceOptions = {}): ClipSource {
    const label = options.label ?? 'clip';
    const all = accessUnitsOfAnnexB(bytes);
    const firstKey = all.findIndex(isKeyframe);
    if (firstKey === -1)
      throw new ThinStreamError('H264_INVALID', `clip ${label}: no IDR frame in ${bytes.byteLength} bytes`);
    const sps = findNal(all, NalType.SPS);
    const pps = findNal(all, NalType.PPS);
    if (!sps || !pps) throw new ThinStreamError('H264_INVALID', `clip ${label}: no ${sps ? 'PPS' : 'SPS'} in the clip`);
    // Frames before the first keyframe cannot be decoded at the start of a loop: they are left out.
    const units = all.slice(firstKey).map((unit) => loopSafeUnit(unit, sps, pps));
    const bFrame = units.findIndex(hasBSlice);
    if (bFrame !== -1) {
      // Frames are sent in decode order with one timestamp step each, which is only right without reordering.
      throw new ThinStreamError(
        'H264_INVALID',
        `clip ${label}: frame ${bFrame} is a B-frame; the camera needs clips without B-frames (x264: -bf 0)`,
      );
    }
    return new ClipSource(label, units, sps, pps, options.fps);
  }

  get frames(): number {
    return this.units.length;
  }

  get width(): number {
    return this.spsInfo.width;
  }

  get height(): number {
    return this.spsInfo.height;
  }

  /** RFC 6184 §8.1 profile-level-id: profile_idc, constraint flags, level_idc as 6 hex digits. */
  get profileLevelId(): string {
    const { profileIdc, constraintFlags, levelIdc } = this.spsInfo;
    return [profileIdc, constraintFlags, levelIdc].map((b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** RFC 6184 §8.1 sprop-parameter-sets: base64 SPS, comma, base64 PPS. */
  get spropParameterSets(): string {
    return `${Buffer.from(this.sps).toString('base64')},${Buffer.from(this.pps).toString('base64')}`;
  }

  /** The packets of the clip for these options: made on first use, then shared. */
  packetized(options: PacketizerOptions): PacketizedClip {
    const key = JSON.stringify(options, Object.keys(options).sort());
    let clip = this.packetizations.get(key);
    if (!clip) {
      clip = packetizeAccessUnits(this.units, options);
      // Node's socket writes take Buffers; views made once here spare a conversion per packet sent.
      clip.payloads = clip.payloads.map((p) =>
        Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength),
      );
      this.packetizations.set(key, clip);
    }
    return clip;
  }
}

function isKeyframe(unit: readonly Uint8Array[]): boolean {
  return unit.some((nal) => nalType(nal) === NalType.IDR);
}

/** slice_type of the unit's first slice (§7.3.3: first_mb_in_slice ue(v), slice_type ue(v)) is B (1 or 6). */
function hasBSlice(unit: readonly Uint8Array[]): boolean {
  const slice = unit.find((nal) => isVcl(nalType(nal)));
  if (!slice || slice.byteLength < 2) return false;
  try {
    const bits = new BitReader(removeEmulationPrevention(slice.subarray(1, Math.min(slice.byteLength, 16))));
    bits.ue();
    return bits.ue() % 5 === 1;
  } catch {
    return false;
  }
}

function findNal(units: readonly (readonly Uint8Array[])[], type: number): Uint8Array | undefined {
  for (const unit of units) for (const nal of unit) if (nalType(nal) === type) return nal;
  return undefined;
}

/**
 * Drops end-of-sequence and end-of-stream NAL units (a decoder would stop at the loop point) and puts
 * SPS and PPS before the first slice of every keyframe that lacks them, so each loop and each client
 * starting at any keyframe can decode.
 */
function loopSafeUnit(unit: Uint8Array[], sps: Uint8Array, pps: Uint8Array): Uint8Array[] {
  const kept = unit.filter((nal) => {
    const type = nalType(nal);
    return type !== NalType.END_OF_SEQUENCE && type !== NalType.END_OF_STREAM;
  });
  if (!isKeyframe(kept)) return kept;
  const hasSps = kept.some((nal) => nalType(nal) === NalType.SPS);
  const hasPps = kept.some((nal) => nalType(nal) === NalType.PPS);
  if (hasSps && hasPps) return kept;
  const firstSlice = kept.findIndex((nal) => isVcl(nalType(nal)));
  const added = [...(hasSps ? [] : [sps]), ...(hasPps ? [] : [pps])];
  return [...kept.slice(0, firstSlice), ...added, ...kept.slice(firstSlice)];
}
