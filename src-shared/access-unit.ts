/**
 * One coded picture: the NAL units of one frame with its timing. The single type that
 * flows from the depacketizer to the recorder, the hub and every viewer (DESIGN.md).
 */
export interface AccessUnit {
  /** Presentation time on the stream's 90 kHz clock, unwrapped: it keeps growing across the 32-bit RTP wrap. */
  pts90k: number;
  /** Decode time on the same clock; equal to pts90k when the stream has no reordering (all RTP can tell us). */
  dts90k: number;
  /** True when the unit holds an IDR slice, a point where a decoder can start. */
  keyframe: boolean;
  /** NAL units without start codes or length prefixes, in decoding order (SPS/PPS included when sent in-band). */
  nalus: Uint8Array[];
  /** Sum of the lengths of `nalus`. */
  byteLength: number;
  /** Wall clock (ms since the epoch) when the picture was taken: from RTCP sender reports when known, else arrival. */
  wallMs: number;
  /** True when data was lost before this unit: a decoder should wait for the next keyframe. */
  discontinuity: boolean;
  /**
   * Present when `nalus` live in reused memory (the runtime's ingest): whoever keeps the unit past the call that
   * handed it over retains it and releases it when done. Absent or null: the bytes are the unit's for good.
   */
  lease?: UnitLease | null;
}

/**
 * A hold on the memory an access unit's NAL units live in (src-main/codec/h264/slab-pool.ts). The memory is
 * reused once every holder has released it, so a holder must not read the NAL units after its release.
 */
export interface UnitLease {
  retain(): void;
  release(): void;
  /** The memory is never reused: for a holder that cannot say when it is done (it is then freed by the GC). */
  pin(): void;
}

/** What a viewer or a file needs to know about a video stream before its first access unit. */
export interface VideoFormat {
  codec: 'h264';
  /** RFC 6381 codec string, e.g. `avc1.64001f`, as MSE and MP4 `codecs=` want it. */
  codecString: string;
  /** Display size after SPS cropping. */
  width: number;
  height: number;
  /** Frames per second from the SPS VUI, or measured; null until known. */
  fps: number | null;
  /** Profile name (`Baseline`, `Main`, `High`, …) and level (`3.1`) from the SPS. */
  profile: string;
  level: string;
  /** The parameter sets as NAL units without start codes. */
  sps: Uint8Array;
  pps: Uint8Array;
}

/** Identifies one version of one camera: `<deviceUid>/<versionSid>`, e.g. `cam-door/1-high`. */
export type StreamId = string;

export function makeStreamId(deviceUid: string, versionSid: string): StreamId {
  return `${deviceUid}/${versionSid}`;
}

export function splitStreamId(id: StreamId): { deviceUid: string; versionSid: string } | null {
  const slash = id.indexOf('/');
  if (slash <= 0 || slash === id.length - 1 || id.indexOf('/', slash + 1) !== -1) return null;
  return { deviceUid: id.slice(0, slash), versionSid: id.slice(slash + 1) };
}
