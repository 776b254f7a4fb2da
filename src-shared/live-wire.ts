/**
 * The viewer wire format (DESIGN.md, "Data on the wire"): over one WebSocket per viewer, a JSON text
 * message describes the stream, then each binary message carries one access unit: a fixed header
 * followed by the unit's NAL units in Annex-B form (00 00 00 01 before each).
 *
 * Binary header, big-endian, ACCESS_UNIT_HEADER_BYTES long:
 *   0  u8   kind         1 = access unit
 *   1  u8   flags        bit 0 keyframe, bit 1 discontinuity (data lost before this unit)
 *   2  u16  headerBytes  length of this header; readers skip to it, so fields can be added at the end
 *   4  u32  durationUs   display duration of this unit in microseconds (0 when not known yet)
 *   8  f64  ptsUs        presentation time on the stream's timeline in microseconds (from pts90k)
 *  16  f64  wallMs       wall clock when the picture was taken, ms since the epoch (for "delay behind live")
 */
import type { StreamId } from './access-unit.js';
import type { ErrorInfo } from './errors.js';

export const ACCESS_UNIT_HEADER_BYTES = 24;
export const FRAME_KIND_ACCESS_UNIT = 1;
export const FLAG_KEYFRAME = 1;
export const FLAG_DISCONTINUITY = 2;

export interface AccessUnitHeader {
  keyframe: boolean;
  discontinuity: boolean;
  durationUs: number;
  ptsUs: number;
  wallMs: number;
}

/** Writes the header into ACCESS_UNIT_HEADER_BYTES of `target` from `offset` on. */
export function writeAccessUnitHeader(target: Uint8Array, header: AccessUnitHeader, offset = 0): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, ACCESS_UNIT_HEADER_BYTES);
  view.setUint8(0, FRAME_KIND_ACCESS_UNIT);
  view.setUint8(1, (header.keyframe ? FLAG_KEYFRAME : 0) | (header.discontinuity ? FLAG_DISCONTINUITY : 0));
  view.setUint16(2, ACCESS_UNIT_HEADER_BYTES);
  view.setUint32(4, Math.max(0, Math.min(0xffffffff, Math.round(header.durationUs))));
  view.setFloat64(8, header.ptsUs);
  view.setFloat64(16, header.wallMs);
}

/** Reads a binary message; returns null when it is not an access unit this version understands. */
export function readAccessUnitMessage(message: Uint8Array): { header: AccessUnitHeader; annexB: Uint8Array } | null {
  if (message.byteLength < ACCESS_UNIT_HEADER_BYTES) return null;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  if (view.getUint8(0) !== FRAME_KIND_ACCESS_UNIT) return null;
  const headerBytes = view.getUint16(2);
  if (headerBytes < ACCESS_UNIT_HEADER_BYTES || headerBytes > message.byteLength) return null;
  const flags = view.getUint8(1);
  return {
    header: {
      keyframe: (flags & FLAG_KEYFRAME) !== 0,
      discontinuity: (flags & FLAG_DISCONTINUITY) !== 0,
      durationUs: view.getUint32(4),
      ptsUs: view.getFloat64(8),
      wallMs: view.getFloat64(16),
    },
    annexB: message.subarray(headerBytes),
  };
}

/** The first text message on a viewer socket, and again whenever the format changes. */
export interface StreamDescriptionMessage {
  type: 'description';
  streamId: StreamId;
  mode: 'live' | 'playback';
  codec: 'h264';
  codecString: string;
  width: number;
  height: number;
  fps: number | null;
}

/** Text messages the server may send after the description. */
export type ServerTextMessage =
  | StreamDescriptionMessage
  | { type: 'state'; state: string; error: ErrorInfo | null }
  | { type: 'skipped'; droppedUnits: number; reason: 'slow-viewer' }
  | { type: 'end'; reason: string }
  | { type: 'error'; error: ErrorInfo };
