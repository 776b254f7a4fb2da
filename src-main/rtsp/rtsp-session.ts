/**
 * Opening a playing RTSP session (RFC 2326 §10), the face the supervisor and `probe` use. The dialogue
 * itself is playing-session.ts. Packets go to an RtpPacketSink (the RtpReceiver). `auto` tries UDP and
 * falls back to TCP on 461 or when no packet arrives in time.
 *
 * A session does not reconnect: when it ends by itself it calls onEnded once, and the stream
 * supervisor decides what to do next.
 */
import { ThinStreamError } from '../../src-shared/errors.js';
import type { TransportKind } from '../../src-shared/stream-status.js';
import type { ControlUrls } from './control-url.js';
import type { RtspMessage } from './message.js';
import { PlayingSession } from './playing-session.js';
import { parseRtspUrl, type RtspUrl } from './rtsp-url.js';
import type { H264Track } from './sdp.js';
import type { UdpRtpPortPair } from './udp-rtp-port-pair.js';

/** What a session feeds: the RtpReceiver's surface (src-main/rtp/rtp-receiver.ts) that RTSP drives. */
export interface RtpPacketSink {
  /** The packet is `packet[start..end)` (default: all of it), valid only during the call. */
  pushRtp(packet: Uint8Array, arrivalMs: number, start?: number, end?: number): void;
  pushRtcp(packet: Uint8Array, arrivalMs: number): void;
  buildReceiverReport(ourSsrc: number, nowMs: number): Uint8Array | null;
  setExpectedSsrc(ssrc: number): void;
  setRtpInfo(info: { seq?: number; rtptime?: number }): void;
}

/**
 * Sees what a session sends and receives, for a camera report (camera-report-recorder.ts). Must not throw.
 * Packets are passed as they arrive, before the receiver sees them; the tap must not keep them.
 */
export interface RtspSessionTap {
  /** A control connection opened to `hostPort`: its own tap. */
  connectionOpened(hostPort: string): RtspConnectionTap;
}

export interface RtspConnectionTap {
  /** A request or response as written (`sent`) or as parsed (`received`). */
  message(dir: 'sent' | 'received', message: RtspMessage): void;
  /** An RTP or RTCP packet over UDP or on an interleaved channel; `hint` null on a channel SETUP did not name. */
  packet(via: 'udp' | number, hint: 'rtp' | 'rtcp' | null, packet: Uint8Array): void;
  closed(by: 'camera' | 'client', detail: string): void;
}

export interface RtspSessionOptions {
  url: string;
  /** From config; override the URL's own credentials. */
  user?: string;
  password?: string;
  /** `cam-door/1-high`, named in every error and log line. */
  label: string;
  transport: 'udp' | 'tcp' | 'auto';
  /** The shared server port pair; without one, UDP sessions open a private pair on ephemeral ports. */
  udpPorts?: UdpRtpPortPair;
  connectTimeoutMs: number;
  /** Per request; connectTimeoutMs when absent. */
  requestTimeoutMs?: number;
  /** `auto`: how long UDP may stay silent after PLAY before falling back to TCP. */
  udpFirstPacketTimeoutMs?: number;
  receiverReportIntervalMs?: number;
  maxRedirects?: number;
  userAgent?: string;
  tlsRejectUnauthorized?: boolean;
  /** Aborts an opening session at once (the supervisor closing): sockets closed, the promise rejects. */
  signal?: AbortSignal;
  /** Makes the packet sink once the track is known (payload type, clock rate, parameter sets). */
  createSink(track: H264Track, transport: TransportKind): RtpPacketSink;
  onQuirk(name: string, detail: string): void;
  /** Records the dialogue and the packets (a camera report); absent in normal running. */
  tap?: RtspSessionTap;
  /** The session stopped by itself (connection lost, keepalive refused); not called after close(). */
  onEnded(error: ThinStreamError): void;
  log?(line: string): void;
}

export interface RtspSession {
  readonly transport: TransportKind;
  readonly track: H264Track;
  readonly urls: ControlUrls;
  /** The DESCRIBE answer's SDP text, for camera reports. */
  readonly sdp: string;
  readonly sink: RtpPacketSink;
  /** Arrival time of the newest RTP packet (ms since the epoch), 0 before the first. */
  readonly lastPacketMs: number;
  readonly rtpPackets: number;
  readonly sessionTimeoutSec: number | undefined;
  /** Sends TEARDOWN (bounded by the request timeout, at most 2 s) and closes every socket and timer. */
  close(): Promise<void>;
}

/** Opens a playing session, trying UDP then TCP for `auto`. */
export async function openRtspSession(options: RtspSessionOptions): Promise<RtspSession> {
  const url = parseRtspUrl(options.url);
  if (options.transport === 'udp') {
    try {
      return await playOnce(options, url, 'udp');
    } catch (err) {
      if (err instanceof ThinStreamError && err.code === 'RTSP_TRANSPORT_UNSUPPORTED') {
        throw new ThinStreamError(err.code, `${err.message}; the camera may take TCP (transport tcp or auto)`, {
          cause: err,
        });
      }
      throw err;
    }
  }
  if (options.transport === 'tcp') return playOnce(options, url, 'tcp');
  try {
    return await playOnce(options, url, 'udp');
  } catch (err) {
    if (!(err instanceof ThinStreamError)) throw err;
    if (err.code === 'RTSP_TRANSPORT_UNSUPPORTED') {
      options.onQuirk('udp-refused-461', 'the camera refused UDP (461); using TCP');
    } else if (err.code === 'RTP_NO_DATA') {
      options.onQuirk('udp-no-data', err.message);
    } else {
      throw err;
    }
    if (options.signal?.aborted) throw err;
    return playOnce(options, url, 'tcp');
  }
}

async function playOnce(options: RtspSessionOptions, startUrl: RtspUrl, want: TransportKind): Promise<RtspSession> {
  const signal = options.signal;
  const aborted = () =>
    new ThinStreamError('RTSP_SESSION_LOST', `${options.label}: connection attempt abandoned (the stream is closing)`);
  if (signal?.aborted) throw aborted();
  const session = new PlayingSession(options, startUrl);
  const onAbort = () => session.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await session.start(want);
    if (signal?.aborted) throw aborted();
    return session;
  } catch (err) {
    await session.close();
    throw signal?.aborted ? aborted() : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
