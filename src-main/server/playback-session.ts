/**
 * One playback viewer: recorded units from a point in time, in the live wire format, at 1×, N× or as fast as
 * the viewer takes them (speed 0), with seek, pause, resume, speed and keyframe steps (PlaybackControlMessage).
 *
 * Pacing follows the units' wall-clock times; a gap in the recordings longer than MAX_GAP_WAIT_MS is not
 * waited out (playback jumps to the next recorded picture). Playback never skips: when the viewer's socket
 * is full it waits, and a viewer stuck longer than `overqueueMs` is dropped.
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import type { PlaybackControlMessage } from '../../src-shared/api.js';
import { ThinStreamError, toErrorInfo } from '../../src-shared/errors.js';
import type { ServerTextMessage, StreamDescriptionMessage } from '../../src-shared/live-wire.js';
import { wireFrameBytes, writeWireFrame } from '../streams/wire-frame.js';
import type { WsFramePool } from '../streams/ws-frame-pool.js';
import type { ByteBudget } from '../streams/hub.js';
import type { PlaybackReader, RecordedUnit, RecordingsService } from './server-context.js';
import { WS_CLOSE_POLICY } from './ws-viewer-sink.js';

export const MAX_PLAYBACK_SPEED = 64;
const MAX_GAP_WAIT_MS = 2000;
const POLL_MS = 20;
/** Units sent before yielding to the event loop when running as fast as the viewer takes them. */
const BATCH = 16;

export interface PlaybackSessionOptions {
  streamId: StreamId;
  recordings: RecordingsService;
  socket: WebSocket;
  /** The connection `socket` speaks over: units are written to it as whole messages (ws-viewer-sink.ts). */
  raw: Duplex;
  framePool: WsFramePool;
  fromMs: number;
  speed: number;
  maxPendingBytes: number;
  overqueueMs: number;
  budgets: ByteBudget[];
  log: (line: string) => void;
}

function sameFormat(a: VideoFormat, b: VideoFormat): boolean {
  return (
    a.codecString === b.codecString &&
    a.width === b.width &&
    a.height === b.height &&
    Buffer.compare(a.sps, b.sps) === 0 &&
    Buffer.compare(a.pps, b.pps) === 0
  );
}

export function parseControlMessage(text: string): PlaybackControlMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ThinStreamError('BAD_REQUEST', 'A playback control message must be JSON.');
  }
  if (typeof raw !== 'object' || raw === null)
    throw new ThinStreamError('BAD_REQUEST', 'A control message is an object.');
  const m = raw as Record<string, unknown>;
  switch (m['type']) {
    case 'pause':
    case 'resume':
      return { type: m['type'] };
    case 'seek':
      if (typeof m['timeMs'] !== 'number' || !Number.isFinite(m['timeMs']) || m['timeMs'] < 0) {
        throw new ThinStreamError('TIME_RANGE_INVALID', 'seek needs "timeMs", a time in ms since 1970.');
      }
      return { type: 'seek', timeMs: m['timeMs'] };
    case 'speed':
      if (typeof m['speed'] !== 'number' || !(m['speed'] >= 0 && m['speed'] <= MAX_PLAYBACK_SPEED)) {
        throw new ThinStreamError('BAD_REQUEST', `speed must be a number from 0 to ${MAX_PLAYBACK_SPEED}.`);
      }
      return { type: 'speed', speed: m['speed'] };
    case 'step':
      if (m['direction'] !== 'next-keyframe' && m['direction'] !== 'previous-keyframe') {
        throw new ThinStreamError('BAD_REQUEST', 'step needs "direction": "next-keyframe" or "previous-keyframe".');
      }
      return { type: 'step', direction: m['direction'] };
    default:
      throw new ThinStreamError('BAD_REQUEST', `Unknown control message type ${JSON.stringify(m['type'])}.`);
  }
}

export class PlaybackSession {
  private reader: PlaybackReader | null = null;
  private current: RecordedUnit | null = null;
  private following: RecordedUnit | null = null;
  private format: VideoFormat | null = null;
  private paused = false;
  private ended = false;
  private closed = false;
  private speed: number;
  /** Wall time of the last unit sent (the viewer's position). */
  private positionMs: number;
  private baseRealMs = 0;
  private baseMediaMs = -1;
  private timer: NodeJS.Timeout | null = null;
  private pumping = false;
  /** Bumped by seek and close: async work of an older generation stops. */
  private generation = 0;
  private overSinceMs = -1;
  private sentUnits = 0;

  constructor(private readonly o: PlaybackSessionOptions) {
    this.speed = o.speed;
    this.positionMs = o.fromMs;
    o.socket.on('message', (data, isBinary) => {
      if (isBinary) return this.sendError(new ThinStreamError('BAD_REQUEST', 'Control messages are text.'));
      try {
        this.control(parseControlMessage(data.toString()));
      } catch (err) {
        this.sendError(err);
      }
    });
    o.socket.on('close', () => void this.close());
    o.socket.on('error', (err) => o.log(`http: playback of ${o.streamId}: ${err.message}`));
  }

  async start(): Promise<void> {
    await this.seek(this.o.fromMs);
  }

  get stats(): { sentUnits: number; positionMs: number } {
    return { sentUnits: this.sentUnits, positionMs: this.positionMs };
  }

  private control(message: PlaybackControlMessage): void {
    switch (message.type) {
      case 'pause':
        this.paused = true;
        this.clearTimer();
        this.sendText({ type: 'state', state: 'paused', error: null });
        return;
      case 'resume':
        this.paused = false;
        this.baseMediaMs = -1;
        this.sendText({ type: 'state', state: 'playing', error: null });
        this.schedule(0);
        return;
      case 'speed':
        this.speed = message.speed;
        this.baseMediaMs = -1;
        this.schedule(0);
        return;
      case 'seek':
        void this.seek(message.timeMs);
        return;
      case 'step':
        void this.step(message.direction);
        return;
    }
  }

  private async seek(timeMs: number, sendOnlyOne = false): Promise<void> {
    const generation = ++this.generation;
    this.clearTimer();
    const old = this.reader;
    this.reader = null;
    this.current = null;
    this.following = null;
    this.ended = false;
    this.baseMediaMs = -1;
    this.format = null;
    if (old) await old.close().catch(() => {});
    try {
      const reader = await this.o.recordings.openReader(this.o.streamId, timeMs);
      if (generation !== this.generation) {
        await reader?.close();
        return;
      }
      if (reader === null) {
        this.ended = true;
        this.sendText({ type: 'end', reason: 'nothing recorded from that time on' });
        return;
      }
      this.reader = reader;
      this.positionMs = timeMs;
      if (sendOnlyOne) await this.sendOne(generation);
      else this.schedule(0);
    } catch (err) {
      this.sendError(err);
    }
  }

  private async step(direction: 'next-keyframe' | 'previous-keyframe'): Promise<void> {
    try {
      const target = await this.o.recordings.stepTarget(this.o.streamId, this.positionMs, direction);
      if (target === null) {
        this.sendText({ type: 'end', reason: `no ${direction.replace('-', ' ')} recorded` });
        return;
      }
      await this.seek(target, this.paused);
    } catch (err) {
      this.sendError(err);
    }
  }

  /** While paused, a step sends just the keyframe it landed on. */
  private async sendOne(generation: number): Promise<void> {
    const unit = await this.take(generation);
    if (unit) this.send(unit);
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.paused || this.ended) return;
    this.clearTimer();
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, delayMs);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The unit to send next (kept when it is not due yet), with one unit of lookahead for its duration. */
  private async take(generation: number): Promise<RecordedUnit | null> {
    const reader = this.reader;
    if (reader === null) return null;
    if (this.current === null) {
      if (this.following !== null) {
        this.current = this.following;
        this.following = null;
      } else {
        this.current = await reader.next();
      }
    }
    if (this.current !== null && this.following === null) this.following = await reader.next();
    if (generation !== this.generation) return null;
    if (this.current === null) {
      this.ended = true;
      this.sendText({ type: 'end', reason: 'end of recordings' });
    }
    return this.current;
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    const generation = this.generation;
    try {
      for (let sent = 0; !this.closed && !this.paused && !this.ended && generation === this.generation; sent++) {
        const nowMs = Date.now();
        if (this.o.socket.bufferedAmount > this.o.maxPendingBytes) {
          if (this.overSinceMs < 0) this.overSinceMs = nowMs;
          else if (this.o.overqueueMs > 0 && nowMs - this.overSinceMs > this.o.overqueueMs) {
            this.o.log(`http: playback viewer of ${this.o.streamId} dropped: send queue stuck`);
            this.o.socket.close(WS_CLOSE_POLICY, 'send queue stuck');
            setTimeout(() => this.o.socket.terminate(), 5000).unref();
            return;
          }
          this.schedule(POLL_MS);
          return;
        }
        this.overSinceMs = -1;
        const unit = await this.take(generation);
        if (unit === null || generation !== this.generation || this.paused || this.closed) return;
        if (this.speed > 0) {
          if (this.baseMediaMs < 0) {
            this.baseMediaMs = unit.au.wallMs;
            this.baseRealMs = nowMs;
          }
          const waitMs = this.baseRealMs + (unit.au.wallMs - this.baseMediaMs) / this.speed - nowMs;
          if (waitMs > MAX_GAP_WAIT_MS || waitMs < -MAX_GAP_WAIT_MS) {
            this.baseMediaMs = unit.au.wallMs; // a gap in the recordings, or we fell behind: start the clock again
            this.baseRealMs = nowMs;
          } else if (waitMs > 1) {
            this.schedule(waitMs);
            return;
          }
        } else if (sent > 0 && sent % BATCH === 0) {
          this.schedule(0); // let the socket write and other work run
          return;
        }
        for (const b of this.o.budgets) {
          if (!b.canTake(unit.au.byteLength, nowMs)) {
            this.schedule(POLL_MS);
            return;
          }
        }
        this.send(unit);
      }
    } catch (err) {
      this.sendError(err);
    } finally {
      this.pumping = false;
    }
  }

  private send(unit: RecordedUnit): void {
    if (this.format === null || !sameFormat(this.format, unit.format)) {
      this.format = unit.format;
      const description: StreamDescriptionMessage = {
        type: 'description',
        streamId: this.o.streamId,
        mode: 'playback',
        codec: 'h264',
        codecString: unit.format.codecString,
        width: unit.format.width,
        height: unit.format.height,
        fps: unit.format.fps,
      };
      this.sendText(description);
    }
    const next = this.following;
    let durationUs = next ? ((next.au.pts90k - unit.au.pts90k) * 1000) / 90 : 0;
    if (!(durationUs > 0 && durationUs < 10_000_000)) durationUs = unit.format.fps ? 1e6 / unit.format.fps : 0;
    const frame = this.o.framePool.take(wireFrameBytes(unit.au, unit.format));
    writeWireFrame(frame.message, frame.payloadOffset, unit.au, unit.format, durationUs);
    for (const b of this.o.budgets) b.take(frame.payloadBytes);
    // The write holds the taker's ref until it is done.
    if (this.o.socket.readyState === this.o.socket.OPEN) this.o.raw.write(frame.message, frame.written);
    else frame.release();
    this.sentUnits++;
    this.positionMs = unit.au.wallMs;
    this.current = null;
  }

  private sendText(message: ServerTextMessage): void {
    if (this.o.socket.readyState === this.o.socket.OPEN) this.o.socket.send(JSON.stringify(message));
  }

  private sendError(err: unknown): void {
    const error = toErrorInfo(err);
    this.o.log(`http: playback of ${this.o.streamId}: ${error.code}: ${error.message}`);
    this.sendText({ type: 'error', error });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.clearTimer();
    const reader = this.reader;
    this.reader = null;
    if (reader) await reader.close().catch(() => {});
  }
}
