/**
 * RFC 6184 packetizer for our own RTSP server: access units → RTP payloads, done once per clip and shared
 * by every camera that serves it (each camera only rewrites the 12-byte RTP header, rtp-writer.ts).
 *
 * Well-behaved output: single NAL unit packets (§5.6) and FU-A fragments (§5.8) for NAL units larger than
 * `maxPayloadBytes`, optionally STAP-A (§5.7.1) for runs of small NAL units; the marker bit on the last
 * packet of each access unit (§5.1). Packetization mode 1 (non-interleaved).
 *
 * Some camera quirks (src-main/rtsp/server/quirks.ts) live here because they change payload bytes:
 * `annexBInPayload`, `fuAStartEnd`, `fuARestart`, `parameterSetsAfterIdr` and the marker modes.
 */
import { NalType, isVcl, nalType } from './annexb.js';

export type MarkerMode = 'last-of-unit' | 'none' | 'every-packet';

export interface PacketizerOptions {
  /** Largest RTP payload (the packet is 12 bytes more). 1400 keeps packets under a 1500-byte MTU. */
  maxPayloadBytes: number;
  /** Aggregate runs of small NAL units of one access unit into STAP-A packets. */
  stapA?: boolean;
  marker?: MarkerMode;
  /** Quirk: each access unit as Annex-B bytes (start codes between NAL units) in one single-NAL or FU-A payload. */
  annexBInPayload?: boolean;
  /** Quirk: slices that fit in one packet are sent as one FU-A fragment with both S and E set. */
  fuAStartEnd?: boolean;
  /** Quirk: a fragmented NAL unit's first fragment is sent, then the NAL unit again from its start (S before E). */
  fuARestart?: boolean;
  /** Quirk: in keyframes, SPS and PPS follow the IDR slices instead of preceding them. */
  parameterSetsAfterIdr?: boolean;
}

/**
 * A packetized clip: flat arrays indexed by packet and by frame, so a sender walks them without
 * allocating. Payloads are views into the clip where no bytes had to be added, else small copies.
 */
export interface PacketizedClip {
  payloads: Uint8Array[];
  /** 1 where the packet carries the marker bit. */
  markers: Uint8Array;
  /** Packet index of the first packet of each frame; `frameStart[frames]` = packet count. */
  frameStart: Uint32Array;
  /** 1 where the frame is a keyframe (holds an IDR slice). */
  keyframes: Uint8Array;
  /** Payload bytes of each frame. */
  frameBytes: Uint32Array;
  frames: number;
  maxPacketsPerFrame: number;
  maxFrameBytes: number;
}

const FU_HEADER_BYTES = 2;
const START_CODE = Uint8Array.of(0, 0, 0, 1);

export function packetizeAccessUnits(
  units: readonly (readonly Uint8Array[])[],
  options: PacketizerOptions,
): PacketizedClip {
  if (!(options.maxPayloadBytes >= 16)) throw new RangeError(`maxPayloadBytes ${options.maxPayloadBytes} is below 16`);
  const payloads: Uint8Array[] = [];
  const markers: number[] = [];
  const frameStart = new Uint32Array(units.length + 1);
  const keyframes = new Uint8Array(units.length);
  const frameBytes = new Uint32Array(units.length);
  let maxPacketsPerFrame = 0;
  let maxFrameBytes = 0;
  const markerMode = options.marker ?? 'last-of-unit';

  units.forEach((unit, frame) => {
    frameStart[frame] = payloads.length;
    const keyframe = unit.some((nal) => nalType(nal) === NalType.IDR);
    keyframes[frame] = keyframe ? 1 : 0;
    const nalus = keyframe && options.parameterSetsAfterIdr ? parameterSetsLast(unit) : unit;
    const first = payloads.length;
    if (options.annexBInPayload) pushAnnexBUnit(payloads, nalus, options.maxPayloadBytes);
    else pushNalUnits(payloads, nalus, options);
    const count = payloads.length - first;
    let bytes = 0;
    for (let i = first; i < payloads.length; i++) {
      bytes += payloads[i]!.byteLength;
      markers.push(
        markerMode === 'every-packet' || (markerMode === 'last-of-unit' && i === payloads.length - 1) ? 1 : 0,
      );
    }
    frameBytes[frame] = bytes;
    maxPacketsPerFrame = Math.max(maxPacketsPerFrame, count);
    maxFrameBytes = Math.max(maxFrameBytes, bytes);
  });
  frameStart[units.length] = payloads.length;
  return {
    payloads,
    markers: Uint8Array.from(markers),
    frameStart,
    keyframes,
    frameBytes,
    frames: units.length,
    maxPacketsPerFrame,
    maxFrameBytes,
  };
}

function pushNalUnits(out: Uint8Array[], nalus: readonly Uint8Array[], options: PacketizerOptions): void {
  const max = options.maxPayloadBytes;
  let i = 0;
  while (i < nalus.length) {
    const nal = nalus[i]!;
    if (options.stapA) {
      const run = stapARun(nalus, i, max);
      if (run > 1) {
        out.push(buildStapA(nalus.slice(i, i + run)));
        i += run;
        continue;
      }
    }
    if (nal.byteLength <= max) {
      if (options.fuAStartEnd && isVcl(nalType(nal)) && nal.byteLength + 1 <= max)
        out.push(buildFuA(nal, 1, nal.byteLength, true, true));
      else out.push(nal);
    } else {
      pushFragments(out, nal, max, options.fuARestart === true);
    }
    i++;
  }
}

/** How many NAL units from `start` fit together in one STAP-A (§5.7.1: 1-byte header, 2-byte size each). */
function stapARun(nalus: readonly Uint8Array[], start: number, max: number): number {
  let bytes = 1;
  let n = 0;
  for (let i = start; i < nalus.length; i++) {
    const next = bytes + 2 + nalus[i]!.byteLength;
    if (next > max) break;
    bytes = next;
    n++;
  }
  return n;
}

function buildStapA(nalus: readonly Uint8Array[]): Uint8Array {
  let total = 1;
  let nri = 0;
  let forbidden = 0;
  for (const nal of nalus) {
    total += 2 + nal.byteLength;
    nri = Math.max(nri, nal[0]! & 0x60);
    forbidden |= nal[0]! & 0x80;
  }
  const out = new Uint8Array(total);
  out[0] = forbidden | nri | NalType.STAP_A;
  let pos = 1;
  for (const nal of nalus) {
    out[pos] = nal.byteLength >> 8;
    out[pos + 1] = nal.byteLength & 0xff;
    out.set(nal, pos + 2);
    pos += 2 + nal.byteLength;
  }
  return out;
}

/** FU-A (§5.8): the NAL header is carried in the FU indicator (F, NRI) and FU header (type). */
function pushFragments(out: Uint8Array[], nal: Uint8Array, max: number, restart: boolean): void {
  const chunk = max - FU_HEADER_BYTES;
  if (restart) {
    // A first fragment that is abandoned: the same NAL unit starts again in the next packet.
    out.push(buildFuA(nal, 1, Math.min(nal.byteLength, 1 + chunk), true, false));
  }
  for (let pos = 1; pos < nal.byteLength; pos += chunk) {
    const end = Math.min(nal.byteLength, pos + chunk);
    out.push(buildFuA(nal, pos, end, pos === 1, end === nal.byteLength));
  }
}

function buildFuA(nal: Uint8Array, from: number, to: number, start: boolean, end: boolean): Uint8Array {
  const header = nal[0]!;
  const out = new Uint8Array(FU_HEADER_BYTES + (to - from));
  out[0] = (header & 0xe0) | NalType.FU_A;
  out[1] = (start ? 0x80 : 0) | (end ? 0x40 : 0) | (header & 0x1f);
  out.set(nal.subarray(from, to), FU_HEADER_BYTES);
  return out;
}

/**
 * Quirk `annex-b-in-payload`: the whole access unit as Annex-B bytes. When it fits, one single-NAL packet
 * that starts with a start code; otherwise FU-A fragments (typed after the first NAL unit) whose data
 * holds start codes between the NAL units.
 */
function pushAnnexBUnit(out: Uint8Array[], nalus: readonly Uint8Array[], max: number): void {
  let total = 0;
  for (const nal of nalus) total += START_CODE.byteLength + nal.byteLength;
  const annexB = new Uint8Array(total);
  let pos = 0;
  for (const nal of nalus) {
    annexB.set(START_CODE, pos);
    annexB.set(nal, pos + START_CODE.byteLength);
    pos += START_CODE.byteLength + nal.byteLength;
  }
  if (annexB.byteLength <= max) {
    out.push(annexB);
    return;
  }
  // FU-A of the bytes after the first start code: the first NAL header goes in the FU headers.
  pushFragments(out, annexB.subarray(START_CODE.byteLength), max, false);
}

/** The unit's NAL units with SPS and PPS moved after its last slice. */
function parameterSetsLast(unit: readonly Uint8Array[]): Uint8Array[] {
  const params = unit.filter((nal) => nalType(nal) === NalType.SPS || nalType(nal) === NalType.PPS);
  const rest = unit.filter((nal) => nalType(nal) !== NalType.SPS && nalType(nal) !== NalType.PPS);
  return [...rest, ...params];
}
