/**
 * Decodes one stream into a <video> element: access units from the WebSocket → jmuxer (fragmented MP4) →
 * Media Source Extensions. Tuned for low delay: every unit is appended as soon as it arrives (flushingTime 0,
 * one complete unit per feed), and a live tile is held at the live edge — slightly faster playback when it
 * lags a little, a jump to the edge when it lags more than `maxLagMs`. jmuxer trims what is far behind.
 */
import JMuxer from 'jmuxer/src/jmuxer.js';
import type { AccessUnitHeader, StreamDescriptionMessage } from '../../src-shared/live-wire.js';
import { orderAccessUnit } from './annexb-order.js';

export interface StreamDecoderOptions {
  /** Live: hold at the live edge. Playback: play what is buffered at `playbackRate`. */
  mode: 'live' | 'playback';
  /** Behind the newest buffered picture by more than this, a live tile jumps to the edge (default 1000). */
  maxLagMs?: number;
  /** Called once the first picture is decoded and shown. */
  onFirstFrame?: () => void;
  /** A buffer error jmuxer could not recover from: the owner may rebuild the decoder. */
  onFatal?: (message: string) => void;
}

/** How often the live edge is checked, ms. */
const EDGE_CHECK_MS = 250;
/** Lagging by more than this (and less than maxLag), play at CATCH_UP_RATE to close the gap smoothly. */
const CATCH_UP_ABOVE_S = 0.15;
const CATCH_UP_RATE = 1.1;
/**
 * A new viewer gets the server's cached GOP (from the latest keyframe) in one burst, so it starts up to a GOP
 * behind. For this long after the first picture, any lag above START_SNAP_ABOVE_S is jumped at once: nobody
 * has watched those pictures yet, so the jump is not seen.
 */
const START_SNAP_MS = 3000;
const START_SNAP_ABOVE_S = 0.2;
/** Longest plausible frame duration (1 fps); anything longer is a gap in the stream. */
const MAX_FRAME_MS = 1000;
/** Units remembered to map the picture on screen back to its capture time (a few seconds at 30 fps). */
const TIMELINE_SLOTS = 256;

export function codecSupported(codecString: string): boolean {
  return typeof MediaSource !== 'undefined' && MediaSource.isTypeSupported(`video/mp4; codecs="${codecString}"`);
}

export class StreamDecoder {
  private readonly video: HTMLVideoElement;
  private readonly options: Required<Omit<StreamDecoderOptions, 'onFirstFrame' | 'onFatal'>> &
    Pick<StreamDecoderOptions, 'onFirstFrame' | 'onFatal'>;
  private muxer: JMuxer | null = null;
  private ready = false;
  /** Units that arrived before MediaSource opened, from the latest keyframe on. */
  private pending: Array<{ annexB: Uint8Array; durationMs: number; wallMs: number }> = [];
  private waitingForKeyframe = true;
  private defaultDurationMs = 40;
  private lastPtsUs: number | null = null;
  /** Ring of (media time where a unit starts, its capture wall clock): finds the capture time of what is shown. */
  private readonly slotMediaMs = new Float64Array(TIMELINE_SLOTS);
  private readonly slotWallMs = new Float64Array(TIMELINE_SLOTS);
  private slotCount = 0;
  private mediaMs = 0;
  private edgeTimer: ReturnType<typeof setInterval> | null = null;
  private firstFrameSeen = false;
  private firstFrameAtMs = 0;
  private frameCallbackId: number | null = null;
  private closed = false;
  /** Pictures the decoder refused or we skipped while waiting for a keyframe. */
  skippedUnits = 0;
  /** Times the tile jumped to the live edge. */
  edgeJumps = 0;
  description: StreamDescriptionMessage;

  constructor(video: HTMLVideoElement, description: StreamDescriptionMessage, options: StreamDecoderOptions) {
    this.video = video;
    this.description = description;
    this.options = { maxLagMs: 1000, ...options };
    if (description.fps !== null && description.fps > 0) this.defaultDurationMs = Math.round(1000 / description.fps);
    video.muted = true;
    video.playsInline = true;
    video.autoplay = true;
    this.muxer = new JMuxer({
      node: video,
      mode: 'video',
      videoCodec: 'H264',
      flushingTime: 0,
      // jmuxer's own jump (every second) is a backstop for ours; playback must never be pulled forward.
      maxDelay: options.mode === 'live' ? this.options.maxLagMs * 2 : 1e9,
      clearBuffer: true,
      fps: description.fps ?? 25,
      live: options.mode === 'live',
      debug: false,
      onReady: () => {
        this.ready = true;
        for (const unit of this.pending) this.append(unit.annexB, unit.durationMs, unit.wallMs);
        this.pending = [];
      },
      onError: (data) => this.options.onFatal?.(`The browser's media buffer failed (${data.name}).`),
      onUnsupportedCodec: (codec) => this.options.onFatal?.(`This browser cannot play ${codec}.`),
      onLoggerLog: () => {},
      onLoggerErr: () => {},
    });
    if (options.mode === 'live') this.edgeTimer = setInterval(() => this.holdLiveEdge(), EDGE_CHECK_MS);
    this.watchFirstFrame();
  }

  /** One access unit from the socket. Units before the first keyframe (or after lost data) are skipped. */
  push(header: AccessUnitHeader, annexB: Uint8Array): void {
    if (this.closed) return;
    if (header.discontinuity) this.waitingForKeyframe = true;
    // A duration outside 1 ms–1 s is a gap (a camera that came back, a hole in the recordings), not a frame
    // length: the picture after it gets the usual frame length, so the timeline never leaps ahead.
    let durationMs = Math.round(header.durationUs / 1000);
    if (this.lastPtsUs !== null) {
      const deltaMs = Math.round((header.ptsUs - this.lastPtsUs) / 1000);
      if (deltaMs >= 1 && deltaMs <= MAX_FRAME_MS && durationMs <= 0) this.defaultDurationMs = deltaMs;
    }
    this.lastPtsUs = header.ptsUs;
    if (durationMs < 1 || durationMs > MAX_FRAME_MS) durationMs = this.defaultDurationMs;
    else this.defaultDurationMs = durationMs;
    if (this.waitingForKeyframe) {
      if (!header.keyframe) {
        this.skippedUnits++;
        return;
      }
      this.waitingForKeyframe = false;
    }
    // No copy: each WebSocket message has its own buffer, and jmuxer copies what it keeps.
    annexB = orderAccessUnit(annexB);
    if (!this.ready) {
      if (header.keyframe) this.pending = [];
      this.pending.push({ annexB, durationMs, wallMs: header.wallMs });
      return;
    }
    this.append(annexB, durationMs, header.wallMs);
  }

  private append(annexB: Uint8Array, durationMs: number, wallMs: number): void {
    const slot = this.slotCount % TIMELINE_SLOTS;
    this.slotMediaMs[slot] = this.mediaMs;
    this.slotWallMs[slot] = wallMs;
    this.slotCount++;
    this.mediaMs += durationMs;
    this.muxer?.feed({ video: annexB, duration: durationMs, isLastVideoFrameComplete: true });
  }

  /** Capture time (ms since the epoch) of the picture on screen, or null before the first one. */
  shownWallMs(): number | null {
    if (this.slotCount === 0 || !this.firstFrameSeen) return null;
    const nowMediaMs = this.video.currentTime * 1000;
    const oldest = Math.max(0, this.slotCount - TIMELINE_SLOTS);
    for (let i = this.slotCount - 1; i >= oldest; i--) {
      const slot = i % TIMELINE_SLOTS;
      if ((this.slotMediaMs[slot] ?? 0) <= nowMediaMs + 1) return this.slotWallMs[slot] ?? null;
    }
    return this.slotWallMs[oldest % TIMELINE_SLOTS] ?? null;
  }

  /** Seconds of decoded video buffered ahead of what is shown. */
  bufferedAheadS(): number {
    const b = this.video.buffered;
    if (b.length === 0) return 0;
    return Math.max(0, b.end(b.length - 1) - this.video.currentTime);
  }

  /** After a new description of the same format (the camera reconnected): start again at a keyframe. */
  waitForKeyframe(): void {
    this.waitingForKeyframe = true;
  }

  hasFirstFrame(): boolean {
    return this.firstFrameSeen;
  }

  setPlaybackRate(rate: number): void {
    this.video.playbackRate = rate;
  }

  private holdLiveEdge(): void {
    const v = this.video;
    const b = v.buffered;
    if (b.length === 0 || v.seeking) return;
    const end = b.end(b.length - 1);
    const lagS = end - v.currentTime;
    const starting = this.firstFrameSeen && performance.now() - this.firstFrameAtMs < START_SNAP_MS;
    if (
      lagS > this.options.maxLagMs / 1000 ||
      (starting && lagS > START_SNAP_ABOVE_S) ||
      v.currentTime < b.start(b.length - 1)
    ) {
      v.currentTime = Math.max(b.start(b.length - 1), end - 0.05);
      v.playbackRate = 1;
      this.edgeJumps++;
    } else {
      v.playbackRate = lagS > CATCH_UP_ABOVE_S ? CATCH_UP_RATE : 1;
    }
    if (v.paused) void v.play().catch(() => {});
  }

  private watchFirstFrame(): void {
    const v = this.video;
    const seen = (): void => {
      if (this.closed || this.firstFrameSeen) return;
      this.firstFrameSeen = true;
      this.firstFrameAtMs = performance.now();
      if (this.options.mode === 'live') this.holdLiveEdge();
      this.options.onFirstFrame?.();
    };
    if ('requestVideoFrameCallback' in v) {
      this.frameCallbackId = v.requestVideoFrameCallback(() => seen());
    } else {
      (v as HTMLVideoElement).addEventListener('playing', seen, { once: true });
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.edgeTimer !== null) clearInterval(this.edgeTimer);
    this.edgeTimer = null;
    if (this.frameCallbackId !== null && 'cancelVideoFrameCallback' in this.video) {
      this.video.cancelVideoFrameCallback(this.frameCallbackId);
    }
    this.pending = [];
    try {
      this.muxer?.destroy();
    } catch {
      // MediaSource already closed (the element went away): nothing left to release.
    }
    this.muxer = null;
  }
}
