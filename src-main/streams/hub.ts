/**
 * The hub: per stream, takes access units and the video format from one source (a StreamSupervisor or a
 * feeder) and fans them out to subscribers (the recorder: every unit) and viewers (WebSocket and HTTP:
 * best effort, with backpressure). One camera connection serves any number of viewers.
 *
 * A viewer starts at the latest keyframe (the GOP cache). A viewer whose socket cannot keep up (its queued
 * bytes over a bound, or a bandwidth budget spent) is skipped to the next keyframe and told so; one that stays
 * over its bound longer than `overqueueMs` is dropped (the original's `secsOverqueueing`). The wire frame of a
 * unit is built once, on first need, and the same buffer goes to every viewer: for WebSockets a pooled buffer
 * with the WebSocket header in front (ws-frame-pool.ts), given back once the fan-out and every write are over.
 */
import type { AccessUnit, StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import type { StreamStatus } from '../../src-shared/stream-status.js';
import type { GopCacheLimits } from './gop-cache.js';
import { HubChannel, Viewer, type ChannelHost, type HubUnit } from './hub-channel.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { WsFramePool } from './ws-frame-pool.js';

/** What a source tells its listeners; StreamSupervisor's StreamListener has this shape. */
export interface HubSourceListener {
  /** The hub keeps units only by their leases (StreamListener.leaseAware). */
  leaseAware?: boolean;
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

export { HubUnit } from './hub-channel.js';

/** Gets every unit in order (the recorder). Must not block: it runs on the ingest path. */
export interface HubSubscriber {
  /**
   * True when it keeps nothing of a unit past the call (a copy is its own) unless it retains `unit.au.lease`, and
   * releases it when done (slab-pool.ts). For any other, the hub pins the units it hands over: their memory is
   * never reused.
   */
  readonly leaseAware?: boolean;
  onFormat?(format: VideoFormat): void;
  onUnit(unit: HubUnit): void;
  onStatus?(status: StreamStatus): void;
}

/** A viewer's connection, as the hub drives it. */
export interface ViewerSink {
  /**
   * True when it keeps nothing of a unit past the call (a copy is its own) unless it retains `unit.au.lease`, and
   * releases it when done (slab-pool.ts). For any other, the hub pins the units it hands over: their memory is
   * never reused.
   */
  readonly leaseAware?: boolean;
  /** Bytes accepted but not yet written to the network. */
  pendingBytes(): number;
  /**
   * Sends one unit (a WebSocket writes `unit.socketFrame()`, a pooled buffer it holds until the write is done;
   * anything else may keep `unit.wireFrame()`); returns the payload bytes it queued.
   */
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
  /** Where WebSocket frames come from; default a pool of its own. */
  framePool?: WsFramePool;
}

export interface HubStats {
  streams: number;
  viewers: number;
  subscribers: number;
  bytesOut: number;
  droppedUnits: number;
}

const DEFAULT_GOP: GopCacheLimits = { maxBytes: 16 * 1024 * 1024, maxUnits: 1200 };

export class Hub implements ChannelHost {
  private readonly channels = new Map<StreamId, HubChannel>();
  private readonly gopLimits: GopCacheLimits;
  private readonly clock: () => number;
  private readonly logLine: (line: string) => void;
  private bytesOut = 0;
  private droppedUnits = 0;
  readonly framePool: WsFramePool;

  constructor(options: HubOptions = {}) {
    this.gopLimits = { ...DEFAULT_GOP, ...options.gop };
    this.framePool = options.framePool ?? new WsFramePool();
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
        leaseAware: true, // the GOP cache retains what it keeps; subscribers and viewers are asked (hub-channel.ts)
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
