/**
 * One stream inside the hub: its format and state, its GOP cache, its subscribers and viewers, and the rule
 * that sends a unit to a viewer or skips it (see hub.ts). Internal to the hub.
 */
import type { AccessUnit, StreamId, UnitLease, VideoFormat } from '../../src-shared/access-unit.js';
import type { StreamDescriptionMessage, ServerTextMessage } from '../../src-shared/live-wire.js';
import { emptyCounters, type StreamStatus } from '../../src-shared/stream-status.js';
import { GopCache, type GopCacheLimits } from './gop-cache.js';
import type { HubSubscriber, ViewerHandle, ViewerOptions, ViewerSink, ViewerStats } from './hub.js';
import { buildWireFrame, wireFrameBytes, writeWireFrame } from './wire-frame.js';
import type { WsFrame, WsFramePool } from './ws-frame-pool.js';

/** What a channel needs from its hub. */
export interface ChannelHost {
  now(): number;
  log(line: string): void;
  countOut(bytes: number): void;
  countDropped(): void;
  readonly framePool: WsFramePool;
}

/** One access unit as the hub hands it on. */
export class HubUnit {
  private frame: Buffer | null = null;
  private socketMessage: WsFrame | null = null;

  constructor(
    readonly au: AccessUnit,
    private readonly format: VideoFormat | null,
    /** Display duration guessed from the previous interval (0 when unknown). */
    readonly durationUs: number,
    private readonly framePool: WsFramePool,
  ) {}

  get keyframe(): boolean {
    return this.au.keyframe;
  }

  get byteLength(): number {
    return this.au.byteLength;
  }

  get lease(): UnitLease | null | undefined {
    return this.au.lease;
  }

  /** The live-wire frame, built on first call and shared by every viewer. */
  wireFrame(): Buffer {
    if (this.frame === null) this.frame = buildWireFrame(this.au, this.format, this.durationUs);
    return this.frame;
  }

  /**
   * The live-wire frame as one binary WebSocket message, in a pooled buffer shared by every viewer it goes to
   * during the fan-out. Valid only during `sendUnit`: a sink that writes it must `retain()` it and release it
   * when the write is done (`socket.write(f.message, f.written)`).
   */
  socketFrame(): WsFrame {
    let frame = this.socketMessage;
    if (frame === null) {
      frame = this.framePool.take(wireFrameBytes(this.au, this.format));
      writeWireFrame(frame.message, frame.payloadOffset, this.au, this.format, this.durationUs);
      this.socketMessage = frame;
    }
    return frame;
  }

  /** The fan-out is over: the unit's hold on its socket frame goes (the writes keep theirs). */
  endFanOut(): void {
    const frame = this.socketMessage;
    if (frame === null) return;
    this.socketMessage = null;
    frame.release();
  }
}

export class Viewer implements ViewerHandle {
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

export class HubChannel {
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
    readonly hub: ChannelHost,
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
    const unit = new HubUnit(au, this.format, durationUs, this.hub.framePool);
    this.gop.push(unit);
    const subscribers = this.subscribers;
    for (let i = 0; i < subscribers.length; i++) {
      const s = subscribers[i]!;
      if (s.leaseAware !== true) au.lease?.pin();
      s.onUnit(unit);
    }
    const viewers = this.viewers;
    if (viewers.length === 0) {
      unit.endFanOut();
      return;
    }
    const nowMs = this.hub.now();
    for (let i = 0; i < viewers.length; i++) this.deliver(viewers[i]!, unit, nowMs);
    unit.endFanOut();
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
    for (const unit of this.gop.contents) {
      this.deliver(viewer, unit, nowMs);
      unit.endFanOut();
    }
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
    if (v.sink.leaseAware !== true) unit.au.lease?.pin();
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
