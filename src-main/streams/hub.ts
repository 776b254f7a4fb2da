/**
 * The hub: per stream, takes access units and the video format from one source (a StreamSupervisor or a
 * feeder) and fans them out to subscribers (the recorder: every unit) and viewers (WebSocket and HTTP:
 * best effort, with backpressure). One camera connection serves any number of viewers.
 *
 * A viewer starts at the latest keyframe (the GOP cache). A viewer whose socket cannot keep up (its queued
 * bytes over a bound, or a bandwidth budget spent) is skipped to the next keyframe and told so; one that stays
 * over its bound longer than `overqueueMs` is dropped (the original's `secsOverqueueing`). The wire frame of a
 * unit is built once, on first need, and the same buffer goes to every viewer.
 */
import type { AccessUnit, StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import type { StreamDescriptionMessage, ServerTextMessage } from '../../src-shared/live-wire.js';
import { emptyCounters, type StreamStatus } from '../../src-shared/stream-status.js';
import { GopCache, type GopCacheLimits } from './gop-cache.js';
import { buildWireFrame } from './wire-frame.js';
import { ThinStreamError } from '../../src-shared/errors.js';

/** What a source tells its listeners; StreamSupervisor's StreamListener has this shape. */
export interface HubSourceListener {
  onAccessUnit?(au: AccessUnit): void;
  onFormat?(format: VideoFormat): void;
  onStatus?(status: StreamStatus): void;
}

/** A StreamSupervisor, or anything else that produces a stream. */
export interface HubSource {
  readonly format: VideoFormat | null;
  status(): StreamStatus;
  addListener(listener: HubSourceListener): () => void;
}

/** One access unit as the hub hands it on. */
export class HubUnit {
  private frame: Buffer | null = null;

  constructor(
    readonly au: AccessUnit,
    private readonly format: VideoFormat | null,
    /** Display duration guessed from the previous interval (0 when unknown). */
    readonly durationUs: number,
  ) {}

  get keyframe(): boolean {
    return this.au.keyframe;
  }

  get byteLength(): number {
    return this.au.byteLength;
  }

  /** The live-wire frame, built on first call and shared by every viewer. */
  wireFrame(): Buffer {
    if (this.frame === null) this.frame = buildWireFrame(this.au, this.format, this.durationUs);
    return this.frame;
  }
}

/** Gets every unit in order (the recorder). Must not block: it runs on the ingest path. */
export interface HubSubscriber {
  onFormat?(format: VideoFormat): void;
  onUnit(unit: HubUnit): void;
  onStatus?(status: StreamStatus): void;
}

/** A viewer's connection, as the hub drives it. */
export interface ViewerSink {
  /** Bytes accepted but not yet written to the network. */
  pendingBytes(): number;
  /** Sends one unit (a WebSocket sends `unit.wireFrame()`); returns the bytes it queued. */
  sendUnit(unit: HubUnit): number;
  sendText(text: string): void;
  /** The hub ends the viewer (stuck over its queue bound, stream removed, hub closed). */
  close(reason: string): void;
}

/** A bandwidth budget (token bucket) a viewer's frames are charged to; several may apply (connection, port, all). */
export interface ByteBudget {
  canTake(bytes: number, nowMs: number): boolean;
  take(bytes: number): void;
}

export interface ViewerOptions {
  /** Queued bytes above which the viewer is skipped to the next keyframe. */
  maxPendingBytes: number;
  /** Over its bound for longer than this → dropped. 0 = never. */
  overqueueMs: number;
  budgets?: ByteBudget[];
}

export interface ViewerStats {
  sentUnits: number;
  sentBytes: number;
  droppedUnits: number;
  skips: number;
}

export interface ViewerHandle {
  readonly stats: ViewerStats;
  close(): void;
}

export interface HubOptions {
  gop?: Partial<GopCacheLimits>;
  now?: () => number;
  log?: (line: string) => void;
}

export interface HubStats {
  streams: number;
  viewers: number;
  subscribers: number;
  bytesOut: number;
  droppedUnits: number;
}

class Viewer implements ViewerHandle {
  waitingForKeyframe = true;
  droppedSinceSend = 0;
  overSinceMs = -1;
  closed = false;
  readonly stats: ViewerStats = { sentUnits: 0, sentBytes: 0, droppedUnits: 0, skips: 0 };

  constructor(
    readonly channel: HubChannel,
    readonly sink: ViewerSink,
    readonly options: ViewerOptions,
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.removeViewer(this);
  }
}

const DEFAULT_GOP: GopCacheLimits = { maxBytes: 16 * 1024 * 1024, maxUnits: 1200 };

function idleStatus(streamId: StreamId, nowMs: number): StreamStatus {
  return {
    streamId,
    state: 'idle',
    sinceMs: nowMs,
    error: null,
    transport: null,
    video: null,
    counters: emptyCounters(),
    quirks: [],
  };
}

class HubChannel {
  format: VideoFormat | null = null;
  status: StreamStatus;
  readonly gop: GopCache<HubUnit>;
  viewers: Viewer[] = [];
  subscribers: HubSubscriber[] = [];
  private lastPts90k = -1;
  private lastDelta90k = 0;
  private description: string | null = null;
  detachSource: (() => void) | null = null;

  constructor(
    readonly streamId: StreamId,
    readonly hub: Hub,
    gop: GopCacheLimits,
  ) {
    this.status = idleStatus(streamId, hub.now());
    this.gop = new GopCache<HubUnit>(gop);
  }

  setFormat(format: VideoFormat): void {
    this.format = format;
    this.description = null;
    this.gop.clear();
    for (const s of this.subscribers) s.onFormat?.(format);
    const text = this.describe();
    for (const v of this.viewers) {
      v.sink.sendText(text);
      v.waitingForKeyframe = true; // the decoder is reset by a new description
    }
  }

  setStatus(status: StreamStatus): void {
    const changed = status.state !== this.status.state;
    this.status = status;
    for (const s of this.subscribers) s.onStatus?.(status);
    if (changed && this.viewers.length > 0) {
      const text = JSON.stringify({
        type: 'state',
        state: status.state,
        error: status.error,
      } satisfies ServerTextMessage);
      for (const v of this.viewers) v.sink.sendText(text);
    }
  }

  publish(au: AccessUnit): void {
    if (this.lastPts90k >= 0 && au.pts90k > this.lastPts90k) this.lastDelta90k = au.pts90k - this.lastPts90k;
    this.lastPts90k = au.pts90k;
    let durationUs = (this.lastDelta90k * 1000) / 90;
    if (durationUs === 0 && this.format?.fps) durationUs = 1e6 / this.format.fps;
    const unit = new HubUnit(au, this.format, durationUs);
    this.gop.push(unit);
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) subscribers[i]!.onUnit(unit);
    const viewers = this.viewers;
    if (viewers.length === 0) return;
    const nowMs = this.hub.now();
    for (let i = 0; i < viewers.length; i++) this.deliver(viewers[i]!, unit, nowMs);
  }

  describe(): string {
    if (this.description === null) {
      const f = this.format;
      const message: StreamDescriptionMessage = {
        type: 'description',
        streamId: this.streamId,
        mode: 'live',
        codec: 'h264',
        codecString: f?.codecString ?? '',
        width: f?.width ?? 0,
        height: f?.height ?? 0,
        fps: f?.fps ?? null,
      };
      this.description = JSON.stringify(message);
    }
    return this.description;
  }

  addViewer(viewer: Viewer): void {
    this.viewers = [...this.viewers, viewer];
    if (this.format !== null) viewer.sink.sendText(this.describe());
    if (this.status.state !== 'live') {
      viewer.sink.sendText(
        JSON.stringify({
          type: 'state',
          state: this.status.state,
          error: this.status.error,
        } satisfies ServerTextMessage),
      );
    }
    const nowMs = this.hub.now();
    for (const unit of this.gop.contents) this.deliver(viewer, unit, nowMs);
  }

  removeViewer(viewer: Viewer): void {
    this.viewers = this.viewers.filter((v) => v !== viewer);
  }

  /** Sends one unit to one viewer, or skips it (see the file comment). */
  private deliver(v: Viewer, unit: HubUnit, nowMs: number): void {
    if (v.closed) return;
    if (v.waitingForKeyframe && !unit.keyframe) {
      this.drop(v);
      return;
    }
    if (v.sink.pendingBytes() > v.options.maxPendingBytes) {
      if (v.overSinceMs < 0) v.overSinceMs = nowMs;
      else if (v.options.overqueueMs > 0 && nowMs - v.overSinceMs > v.options.overqueueMs) {
        this.hub.log(`viewer of ${this.streamId} dropped: send queue over its bound for ${nowMs - v.overSinceMs} ms`);
        v.close();
        v.sink.close('send queue stuck');
        return;
      }
      v.waitingForKeyframe = true;
      this.drop(v);
      return;
    }
    v.overSinceMs = -1;
    const budgets = v.options.budgets;
    if (budgets !== undefined) {
      for (let i = 0; i < budgets.length; i++) {
        if (!budgets[i]!.canTake(unit.byteLength, nowMs)) {
          v.waitingForKeyframe = true;
          this.drop(v);
          return;
        }
      }
    }
    if (v.droppedSinceSend > 0 && v.stats.sentUnits > 0) {
      v.stats.skips++;
      v.sink.sendText(
        JSON.stringify({
          type: 'skipped',
          droppedUnits: v.droppedSinceSend,
          reason: 'slow-viewer',
        } satisfies ServerTextMessage),
      );
    }
    v.droppedSinceSend = 0;
    v.waitingForKeyframe = false;
    const bytes = v.sink.sendUnit(unit);
    if (budgets !== undefined) for (let i = 0; i < budgets.length; i++) budgets[i]!.take(bytes);
    v.stats.sentUnits++;
    v.stats.sentBytes += bytes;
    this.hub.countOut(bytes);
  }

  private drop(v: Viewer): void {
    // Units before a viewer's first frame are not "skipped": it simply had not started.
    if (v.stats.sentUnits === 0) return;
    v.droppedSinceSend++;
    v.stats.droppedUnits++;
    this.hub.countDropped();
  }

  close(reason: string): void {
    this.detachSource?.();
    this.detachSource = null;
    const text = JSON.stringify({ type: 'end', reason } satisfies ServerTextMessage);
    for (const v of this.viewers) {
      v.closed = true;
      v.sink.sendText(text);
      v.sink.close(reason);
    }
    this.viewers = [];
    this.subscribers = [];
    this.gop.clear();
  }
}

export class Hub {
  private readonly channels = new Map<StreamId, HubChannel>();
  private readonly gopLimits: GopCacheLimits;
  private readonly clock: () => number;
  private readonly logLine: (line: string) => void;
  private bytesOut = 0;
  private droppedUnits = 0;

  constructor(options: HubOptions = {}) {
    this.gopLimits = { ...DEFAULT_GOP, ...options.gop };
    this.clock = options.now ?? Date.now;
    this.logLine = options.log ?? (() => {});
  }

  now(): number {
    return this.clock();
  }

  log(line: string): void {
    this.logLine(line);
  }

  countOut(bytes: number): void {
    this.bytesOut += bytes;
  }

  countDropped(): void {
    this.droppedUnits++;
  }

  /** Adds a stream; with a source, the hub listens to it until the stream is removed. */
  addStream(streamId: StreamId, source?: HubSource): void {
    if (this.channels.has(streamId)) throw new Error(`hub: stream ${streamId} is already added`);
    const channel = new HubChannel(streamId, this, this.gopLimits);
    this.channels.set(streamId, channel);
    if (source !== undefined) {
      channel.status = source.status();
      if (source.format !== null) channel.setFormat(source.format);
      channel.detachSource = source.addListener({
        onAccessUnit: (au) => channel.publish(au),
        onFormat: (format) => channel.setFormat(format),
        onStatus: (status) => channel.setStatus(status),
      });
    }
  }

  /** Removes a stream: its viewers are told `end` with the reason and closed. */
  removeStream(streamId: StreamId, reason = 'stream removed'): void {
    const channel = this.channels.get(streamId);
    if (channel === undefined) return;
    this.channels.delete(streamId);
    channel.close(reason);
  }

  has(streamId: StreamId): boolean {
    return this.channels.has(streamId);
  }

  streamIds(): StreamId[] {
    return [...this.channels.keys()];
  }

  format(streamId: StreamId): VideoFormat | null {
    return this.channels.get(streamId)?.format ?? null;
  }

  status(streamId: StreamId): StreamStatus | null {
    return this.channels.get(streamId)?.status ?? null;
  }

  /** Feeds a stream directly (a stream added without a source). */
  publish(streamId: StreamId, au: AccessUnit): void {
    this.channel(streamId).publish(au);
  }

  setFormat(streamId: StreamId, format: VideoFormat): void {
    this.channel(streamId).setFormat(format);
  }

  setStatus(streamId: StreamId, status: StreamStatus): void {
    this.channel(streamId).setStatus(status);
  }

  /** Every unit of the stream in order, from now on; the current format is given at once. Returns the remover. */
  subscribe(streamId: StreamId, subscriber: HubSubscriber): () => void {
    const channel = this.channel(streamId);
    channel.subscribers = [...channel.subscribers, subscriber];
    if (channel.format !== null) subscriber.onFormat?.(channel.format);
    return () => {
      channel.subscribers = channel.subscribers.filter((s) => s !== subscriber);
    };
  }

  /**
   * A viewer: it is sent the description (when the format is known), the state when not live, then the
   * units from the latest keyframe on.
   */
  addViewer(streamId: StreamId, sink: ViewerSink, options: ViewerOptions): ViewerHandle {
    const channel = this.channel(streamId);
    const viewer = new Viewer(channel, sink, options);
    channel.addViewer(viewer);
    return viewer;
  }

  /** The wire description a viewer gets first (for viewers that are not driven by the hub). */
  description(streamId: StreamId): string {
    return this.channel(streamId).describe();
  }

  stats(): HubStats {
    let viewers = 0;
    let subscribers = 0;
    for (const c of this.channels.values()) {
      viewers += c.viewers.length;
      subscribers += c.subscribers.length;
    }
    return {
      streams: this.channels.size,
      viewers,
      subscribers,
      bytesOut: this.bytesOut,
      droppedUnits: this.droppedUnits,
    };
  }

  /** Ends every viewer and detaches every source (the sources themselves are closed by their owner). */
  close(): void {
    for (const id of [...this.channels.keys()]) this.removeStream(id, 'server shutting down');
  }

  private channel(streamId: StreamId): HubChannel {
    const channel = this.channels.get(streamId);
    if (channel === undefined) throw new ThinStreamError('STREAM_NOT_FOUND', `No stream ${streamId} in the hub.`);
    return channel;
  }
}
