/**
 * Builds the viewer wire frame of one access unit (src-shared/live-wire.ts): the fixed header, then the
 * unit's NAL units in Annex-B form. A keyframe that does not carry its parameter sets in-band gets the
 * stream's SPS and PPS put in front, so a decoder (jmuxer, MSE) can start on any keyframe it is given.
 */
import type { AccessUnit, VideoFormat } from '../../src-shared/access-unit.js';
import { ACCESS_UNIT_HEADER_BYTES, writeAccessUnitHeader } from '../../src-shared/live-wire.js';

const NAL_SPS = 7;
const NAL_PPS = 8;
const START_CODE_BYTES = 4;

function hasParameterSets(au: AccessUnit): boolean {
  let sps = false;
  let pps = false;
  for (const nal of au.nalus) {
    const type = nal.byteLength === 0 ? 0 : nal[0]! & 0x1f;
    if (type === NAL_SPS) sps = true;
    else if (type === NAL_PPS) pps = true;
  }
  return sps && pps;
}

function putNal(target: Buffer, pos: number, nal: Uint8Array): number {
  target[pos] = 0;
  target[pos + 1] = 0;
  target[pos + 2] = 0;
  target[pos + 3] = 1;
  target.set(nal, pos + START_CODE_BYTES);
  return pos + START_CODE_BYTES + nal.byteLength;
}

/** The length of `au`'s wire frame, and whether its keyframe gets the stream's SPS and PPS put in front. */
export function wireFrameBytes(au: AccessUnit, format: VideoFormat | null): number {
  let bytes = ACCESS_UNIT_HEADER_BYTES;
  if (needsParameterSets(au, format)) bytes += 2 * START_CODE_BYTES + format.sps.byteLength + format.pps.byteLength;
  const nalus = au.nalus;
  for (let i = 0; i < nalus.length; i++) bytes += START_CODE_BYTES + nalus[i]!.byteLength;
  return bytes;
}

function needsParameterSets(au: AccessUnit, format: VideoFormat | null): format is VideoFormat {
  return au.keyframe && format !== null && !hasParameterSets(au);
}

/**
 * Writes `au`'s wire frame into `target` from `offset` on; `target` must have `wireFrameBytes(au, format)` bytes
 * there. `durationUs` 0 means not known yet.
 */
export function writeWireFrame(
  target: Buffer,
  offset: number,
  au: AccessUnit,
  format: VideoFormat | null,
  durationUs: number,
): void {
  writeAccessUnitHeader(
    target,
    {
      keyframe: au.keyframe,
      discontinuity: au.discontinuity,
      durationUs,
      ptsUs: (au.pts90k * 1000) / 90,
      wallMs: au.wallMs,
    },
    offset,
  );
  let pos = offset + ACCESS_UNIT_HEADER_BYTES;
  if (needsParameterSets(au, format)) {
    pos = putNal(target, pos, format.sps);
    pos = putNal(target, pos, format.pps);
  }
  const nalus = au.nalus;
  for (let i = 0; i < nalus.length; i++) pos = putNal(target, pos, nalus[i]!);
}

/** One buffer per access unit, its own (never written to after). `durationUs` 0 means not known yet. */
export function buildWireFrame(au: AccessUnit, format: VideoFormat | null, durationUs: number): Buffer {
  const frame = Buffer.allocUnsafe(wireFrameBytes(au, format));
  writeWireFrame(frame, 0, au, format, durationUs);
  return frame;
}
