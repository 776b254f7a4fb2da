/**
 * Parameter sets (SPS, PPS) from SDP `sprop-parameter-sets` (RFC 6184 §8.1) and in-band, and the
 * VideoFormat built from them.
 */
import type { VideoFormat } from '../../../src-shared/access-unit.js';
import { NalType, nalType } from './annexb.js';
import { BitReader, H264ParseError, removeEmulationPrevention } from './bit-reader.js';
import { codecString, levelName, profileName, type Sps } from './sps.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes `sprop-parameter-sets`: base64 NAL units separated by commas (RFC 6184 §8.1). Lenient in
 * what cameras write (spaces, URL-safe alphabet, missing padding); throws H264ParseError on a set that is
 * not base64 at all, naming its position.
 */
export function parseSpropParameterSets(value: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const parts = value.split(',');
  for (let i = 0; i < parts.length; i++) {
    const text = parts[i]!.trim().replace(/-/g, '+').replace(/_/g, '/');
    if (text.length === 0) continue;
    if (!BASE64.test(text)) {
      throw new H264ParseError(
        `sprop-parameter-sets entry ${i + 1} is not base64: ${JSON.stringify(text.slice(0, 40))}`,
        0,
      );
    }
    const bytes = new Uint8Array(Buffer.from(text, 'base64'));
    if (bytes.byteLength > 0) out.push(bytes);
  }
  return out;
}

/** pic_parameter_set_id and seq_parameter_set_id of a PPS NAL unit (§7.3.2.2). */
export function parsePpsIds(nal: Uint8Array): { ppsId: number; spsId: number } {
  if (nalType(nal) !== NalType.PPS) throw new H264ParseError(`NAL type ${nalType(nal)} is not a PPS (8)`, 0);
  const r = new BitReader(removeEmulationPrevention(nal.subarray(1, Math.min(nal.byteLength, 16))));
  const ppsId = r.ueInRange('pic_parameter_set_id', 0, 255);
  const spsId = r.ueInRange('seq_parameter_set_id', 0, 31);
  return { ppsId, spsId };
}

export function videoFormatOf(
  spsNal: Uint8Array,
  sps: Sps,
  ppsNal: Uint8Array,
  measuredFps: number | null,
): VideoFormat {
  return {
    codec: 'h264',
    codecString: codecString(spsNal),
    width: sps.width,
    height: sps.height,
    fps: sps.fps ?? measuredFps,
    profile: profileName(sps.profileIdc, sps.constraintFlags),
    level: levelName(sps.profileIdc, sps.constraintFlags, sps.levelIdc),
    sps: spsNal,
    pps: ppsNal,
  };
}

export function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
