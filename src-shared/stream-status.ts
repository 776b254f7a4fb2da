import type { ErrorInfo } from './errors.js';
import type { StreamId } from './access-unit.js';

/**
 * Where a stream supervisor is. `failed` is for faults the user must fix (wrong password, unsupported codec);
 * transient faults are `reconnecting` with the last error kept in `error`.
 */
export type StreamState = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'failed' | 'stopped';

export type TransportKind = 'udp' | 'tcp';

/** Counters since the supervisor started; rates over the last few seconds. */
export interface StreamCounters {
  frames: number;
  keyframes: number;
  bytes: number;
  packets: number;
  lostPackets: number;
  reconnects: number;
  /** Frames per second and kilobits per second over a sliding window. */
  fps: number;
  bitrateKbps: number;
}

export interface StreamStatus {
  streamId: StreamId;
  state: StreamState;
  /** When the stream entered `state` (ms since the epoch). */
  sinceMs: number;
  /** The last error, kept while reconnecting or failed. */
  error: ErrorInfo | null;
  transport: TransportKind | null;
  /** Resolution and codec once known (binary parameter sets are left out). */
  video: { codecString: string; width: number; height: number; fps: number | null } | null;
  counters: StreamCounters;
  /** Names of camera quirks tolerated on this stream (issue 9), each once. */
  quirks: string[];
  /**
   * Added: how often each of `quirks` was tolerated since the supervisor started: once per session for what
   * the RTSP dialogue shows (`no-get-parameter`); each time the RTP receiver applied it for the rest
   * (per packet for `unknown-payload-type`, per NAL unit for `annexb-in-payload`, once per switch of mode for
   * `marker-missing`). Absent where no supervisor keeps counts.
   */
  quirkCounts?: Record<string, number>;
}

export function emptyCounters(): StreamCounters {
  return { frames: 0, keyframes: 0, bytes: 0, packets: 0, lostPackets: 0, reconnects: 0, fps: 0, bitrateKbps: 0 };
}
