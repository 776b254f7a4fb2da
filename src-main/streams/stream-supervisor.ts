/**
 * One supervisor per camera stream version: connects, watches, reconnects, and says where it is.
 *
 *   idle → connecting → live ⇄ reconnecting      (transient faults: backoff with jitter, forever)
 *                     ↘ failed                    (the user must act: wrong password, not H.264, bad URL;
 *                                                   retried slowly, every reconnectMaxMs, except a bad URL)
 *   any → stopped                                  (close(): TEARDOWN, every socket and timer closed)
 *
 * `live` means access units are arriving. No packet, or no complete frame, for assumeConnDroppedAfterMs
 * ends the session and starts another, so a camera that reboots mid-stream never leaves a stuck "live".
 * Nothing a camera does reaches the process as an exception: every failure becomes a state with an error.
 */
import type { AccessUnit, StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import { ERROR_CATALOGUE, ThinStreamError, toErrorInfo, type ErrorInfo } from '../../src-shared/errors.js';
import {
  emptyCounters,
  type StreamCounters,
  type StreamState,
  type StreamStatus,
  type TransportKind,
} from '../../src-shared/stream-status.js';
import type { SlabPool } from '../codec/h264/slab-pool.js';
import { RtpReceiver } from '../rtp/rtp-receiver.js';
import { openRtspSession, type RtspSession } from '../rtsp/rtsp-session.js';
import { redactUrl } from '../rtsp/rtsp-url.js';
import type { H264Track } from '../rtsp/sdp.js';
import type { UdpRtpPortPair } from '../rtsp/udp-rtp-port-pair.js';
import { RateWindow } from './rate-window.js';
import { ReconnectBackoff } from './reconnect-backoff.js';

export interface StreamListener {
  /**
   * True when the listener keeps no unit past `onAccessUnit` unless it retains the unit's lease, and releases it
   * when done (slab-pool.ts). Other listeners pin every unit they get: its memory is never reused.
   */
  leaseAware?: boolean;
  onAccessUnit?(au: AccessUnit): void;
  onFormat?(format: VideoFormat): void;
  /** On every state change (and when the video format or the error changes). */
  onStatus?(status: StreamStatus): void;
}

export interface StreamSupervisorOptions {
  /** `<deviceUid>/<versionSid>` */
  streamId: StreamId;
  /** rtsp:// or rtsps://, may carry user:pass */
  url: string;
  /** From config; override URL credentials. */
  user?: string;
  password?: string;
  transport: 'udp' | 'tcp' | 'auto';
  /** The shared server port pair (the original's rtsp.rtp.server.ports / rtcp.port). */
  udpPorts?: UdpRtpPortPair;
  /** No packet for this long → reconnect (the original's rtp.assumeConnDroppedAfter). */
  assumeConnDroppedAfterMs: number;
  connectTimeoutMs: number;
  reorderQueueSize: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  userAgent?: string;
  log?: (line: string) => void;
  /** Reused memory for the units' NAL units, shared by the runtime's streams (slab-pool.ts). Default: none. */
  slabPool?: SlabPool | null;
}

const DEFAULT_RECONNECT_MIN_MS = 500;
const DEFAULT_RECONNECT_MAX_MS = 30_000;
const RATE_WINDOW_MS = 5000;

export class StreamSupervisor {
  readonly streamId: StreamId;
  private readonly options: StreamSupervisorOptions;
  private readonly listeners = new Set<StreamListener>();
  private readonly backoff: ReconnectBackoff;
  private readonly rates = new RateWindow(RATE_WINDOW_MS);
  private readonly quirks = new Set<string>();
  /** Times each quirk was tolerated: dialogue quirks of every session, receivers' counts of ended sessions. */
  private readonly quirkCounts = new Map<string, number>();
  private state: StreamState = 'idle';
  private sinceMs = Date.now();
  private error: ErrorInfo | null = null;
  private transport: TransportKind | null = null;
  private latestFormat: VideoFormat | null = null;
  private session: RtspSession | null = null;
  private receiver: RtpReceiver | null = null;
  /** Counters of sessions that ended; the live receiver's are added in status(). */
  private readonly past: StreamCounters = emptyCounters();
  private frames = 0;
  private keyframes = 0;
  private bytes = 0;
  private connectedAtMs = 0;
  private lastFrameMs = 0;
  private connects = 0;
  /** Bumped per attempt; callbacks of an older session see a different number and are ignored. */
  private generation = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private watchdogTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  /** The connection attempt in flight, aborted and awaited by close(). */
  private attempt: { abort: AbortController; done: Promise<void> } | null = null;
  /** Sessions being torn down (TEARDOWN in flight), awaited by close(). */
  private readonly teardowns = new Set<Promise<void>>();

  constructor(options: StreamSupervisorOptions) {
    this.options = options;
    this.streamId = options.streamId;
    this.backoff = new ReconnectBackoff(
      options.reconnectMinMs ?? DEFAULT_RECONNECT_MIN_MS,
      options.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS,
    );
  }

  get format(): VideoFormat | null {
    return this.latestFormat;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.connect();
  }

  addListener(listener: StreamListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  status(): StreamStatus {
    const counters: StreamCounters = {
      ...this.past,
      frames: this.frames,
      keyframes: this.keyframes,
      bytes: this.bytes,
      reconnects: Math.max(0, this.connects - 1),
      ...this.rates.rates(Date.now()),
    };
    const stats = this.receiver?.stats;
    if (stats) {
      counters.packets += stats.packets;
      counters.lostPackets += stats.lostPackets;
    }
    const f = this.latestFormat;
    return {
      streamId: this.streamId,
      state: this.state,
      sinceMs: this.sinceMs,
      error: this.error,
      transport: this.transport,
      video: f ? { codecString: f.codecString, width: f.width, height: f.height, fps: f.fps } : null,
      counters,
      quirks: [...this.quirks],
      quirkCounts: this.currentQuirkCounts(),
    };
  }

  /** Counts of ended sessions and the session's dialogue, plus the live receiver's. */
  private currentQuirkCounts(): Record<string, number> {
    const counts = Object.fromEntries(this.quirkCounts);
    const live = this.receiver?.stats.quirkCounts;
    if (live) for (const [name, n] of Object.entries(live)) counts[name] = (counts[name] ?? 0) + n;
    return counts;
  }

  /** Clean TEARDOWN, then every socket and timer closed. Safe to call more than once. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.generation++;
    this.clearTimers();
    const session = this.session;
    this.endSession();
    this.setState('stopped', this.error);
    const attempt = this.attempt;
    attempt?.abort.abort();
    if (session) this.teardown(session);
    await attempt?.done;
    await Promise.all([...this.teardowns]);
  }

  private teardown(session: RtspSession): void {
    const done = session.close().finally(() => this.teardowns.delete(done));
    this.teardowns.add(done);
  }

  private connect(): void {
    if (this.closing) return;
    const generation = ++this.generation;
    this.connects++;
    // A stream that failed (the user must act) stays `failed` while it is retried, so a status does not
    // flicker to `reconnecting` every reconnectMaxMs; it leaves `failed` only by going live.
    if (this.state !== 'failed') this.setState(this.connects === 1 ? 'connecting' : 'reconnecting', this.error);
    const o = this.options;
    const abort = new AbortController();
    const done = openRtspSession({
      url: o.url,
      ...(o.user === undefined ? {} : { user: o.user }),
      ...(o.password === undefined ? {} : { password: o.password }),
      label: this.streamId,
      transport: o.transport,
      ...(o.udpPorts === undefined ? {} : { udpPorts: o.udpPorts }),
      connectTimeoutMs: o.connectTimeoutMs,
      ...(o.userAgent === undefined ? {} : { userAgent: o.userAgent }),
      signal: abort.signal,
      createSink: (track, transport) => this.createReceiver(generation, track, transport),
      // Dialogue quirks come once per session: each counts one (the receiver's are counted by the receiver).
      onQuirk: (name, detail) => {
        this.quirkCounts.set(name, (this.quirkCounts.get(name) ?? 0) + 1);
        this.onQuirk(name, detail);
      },
      onEnded: (error) => {
        if (generation === this.generation) this.sessionFailed(error);
      },
      log: (line) => this.log(line),
    }).then(
      (session) => {
        if (this.attempt?.done === done) this.attempt = null;
        if (generation !== this.generation) {
          this.teardown(session);
          return;
        }
        this.session = session;
        this.transport = session.transport;
        this.connectedAtMs = Date.now();
        this.lastFrameMs = 0;
        this.log(`${this.streamId}: playing over ${session.transport} (${redactUrl(o.url)})`);
        this.startWatchdog(generation);
      },
      (err: unknown) => {
        if (this.attempt?.done === done) this.attempt = null;
        if (generation === this.generation) this.sessionFailed(err);
      },
    );
    this.attempt = { abort, done };
  }

  private createReceiver(generation: number, track: H264Track, transport: TransportKind): RtpReceiver {
    const receiver = new RtpReceiver({
      streamLabel: this.streamId,
      clockRate: track.clockRate,
      payloadType: track.payloadType,
      reorderQueueSize: transport === 'tcp' ? 0 : this.options.reorderQueueSize,
      ...(track.spropParameterSets === undefined ? {} : { spropParameterSets: track.spropParameterSets }),
      onAccessUnit: (au) => {
        if (generation === this.generation) this.onAccessUnit(au);
      },
      onFormat: (format) => {
        if (generation === this.generation) this.onFormat(format);
      },
      onQuirk: (name, detail) => this.onQuirk(name, detail),
      slabPool: this.options.slabPool ?? null,
    });
    if (generation !== this.generation) {
      // An attempt that outlived the stream's close or a newer attempt: its packets make no unit.
      receiver.close();
      return receiver;
    }
    // A receiver of an earlier try in this attempt (`auto` tries UDP, then TCP) gives its slab back.
    this.receiver?.close();
    this.receiver = receiver;
    return receiver;
  }

  private onAccessUnit(au: AccessUnit): void {
    const nowMs = Date.now();
    this.frames++;
    if (au.keyframe) this.keyframes++;
    this.bytes += au.byteLength;
    this.lastFrameMs = nowMs;
    this.rates.add(nowMs, au.byteLength);
    if (this.state !== 'live') {
      this.backoff.reset();
      this.setState('live', null);
    }
    for (const l of this.listeners) {
      if (l.leaseAware !== true) au.lease?.pin();
      this.call(() => l.onAccessUnit?.(au));
    }
  }

  private onFormat(format: VideoFormat): void {
    this.latestFormat = format;
    for (const l of this.listeners) this.call(() => l.onFormat?.(format));
    this.emitStatus();
  }

  private onQuirk(name: string, detail: string): void {
    if (this.quirks.has(name)) return;
    this.quirks.add(name);
    this.log(`${this.streamId}: tolerating camera quirk ${name}: ${detail}`);
  }

  /** No packet, or packets but no complete frame, for assumeConnDroppedAfterMs: the session is dead. */
  private startWatchdog(generation: number): void {
    const limitMs = this.options.assumeConnDroppedAfterMs;
    const tickMs = Math.max(50, Math.min(1000, Math.floor(limitMs / 4)));
    this.watchdogTimer = setInterval(() => {
      if (generation !== this.generation || this.session === null) return;
      const nowMs = Date.now();
      const lastPacketMs = Math.max(this.session.lastPacketMs, this.connectedAtMs);
      const lastFrameMs = Math.max(this.lastFrameMs, this.connectedAtMs);
      if (nowMs - lastPacketMs > limitMs) {
        this.sessionFailed(
          new ThinStreamError('RTP_NO_DATA', `${this.streamId}: no RTP packet for ${nowMs - lastPacketMs} ms`),
        );
      } else if (nowMs - lastFrameMs > limitMs) {
        this.sessionFailed(
          new ThinStreamError(
            'RTP_NO_DATA',
            `${this.streamId}: packets arrive but no complete frame for ${nowMs - lastFrameMs} ms`,
          ),
        );
      }
    }, tickMs);
  }

  /** Ends the current session (if any) and schedules the next attempt according to the error. */
  private sessionFailed(err: unknown): void {
    if (this.closing) return;
    this.generation++;
    const session = this.session;
    this.endSession();
    if (session) this.teardown(session);
    const info = toErrorInfo(err);
    if (info.code === 'INTERNAL') this.log(`${this.streamId}: unexpected failure: ${String(err)}`);
    const fatal = ERROR_CATALOGUE[info.code].fatal;
    if (info.code === 'URL_INVALID') {
      this.setState('failed', info);
      return;
    }
    // A fault the user must fix (a refused password, an unsupported codec) is retried slowly, not hammered.
    const delayMs = fatal ? (this.options.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS) : this.backoff.nextDelayMs();
    this.setState(fatal ? 'failed' : 'reconnecting', info);
    this.log(`${this.streamId}: ${info.message}; next attempt in ${delayMs} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delayMs);
  }

  /** Folds the session's counters into the totals and forgets it. */
  private endSession(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = null;
    const stats = this.receiver?.stats;
    if (stats) {
      this.past.packets += stats.packets;
      this.past.lostPackets += stats.lostPackets;
      for (const [name, n] of Object.entries(stats.quirkCounts)) {
        this.quirkCounts.set(name, (this.quirkCounts.get(name) ?? 0) + n);
      }
    }
    this.receiver?.close();
    this.receiver = null;
    this.session = null;
    this.rates.reset();
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.retryTimer = this.watchdogTimer = null;
  }

  private setState(state: StreamState, error: ErrorInfo | null): void {
    const changed = state !== this.state || error?.message !== this.error?.message;
    if (state !== this.state) this.sinceMs = Date.now();
    this.state = state;
    this.error = error;
    if (changed) {
      if (state === 'live') this.log(`${this.streamId}: live`);
      this.emitStatus();
    }
  }

  private emitStatus(): void {
    if (this.listeners.size === 0) return;
    const status = this.status();
    for (const l of this.listeners) this.call(() => l.onStatus?.(status));
  }

  /** A listener that throws is logged, never allowed to break the stream or the process. */
  private call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log(`${this.streamId}: a stream listener threw: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private log(line: string): void {
    try {
      this.options.log?.(line);
    } catch {
      // A logger that throws is not our failure to report.
    }
  }
}
