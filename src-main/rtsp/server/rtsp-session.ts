/**
 * One RTSP session (RFC 2326 §3.4, §12.37): the tracks a client set up on one mount, their transports,
 * and its liveness. A session without a request, an RTCP report or interleaved data from its client for
 * its timeout is ended by the server's sweep.
 */
import { randomBytes } from 'node:crypto';
import type { ResolvedMount } from './mount.js';
import type { MediaTransport } from './media-transport.js';
import type { FrameTicker } from './frame-ticker.js';
import type { AudioSender } from './audio-sender.js';
import type { VideoSender } from './video-sender.js';

export type TrackKind = 'video' | 'audio' | 'metadata';

export interface TrackSetup {
  kind: TrackKind;
  transport: MediaTransport;
  /** The Transport header value answered in SETUP. */
  transportHeader: string;
  /** What sends the track's RTP: the clip for video, silence for audio, nothing for metadata. */
  sender: VideoSender | AudioSender | null;
  /** The track's control path (`trackID=0`), for RTP-Info. */
  control: string;
}

export type SessionEndReason = 'teardown' | 'timeout' | 'connection-closed' | 'transport-error' | 'server-closed';

export class RtspSession {
  readonly id: string;
  readonly mount: ResolvedMount;
  /** The connection that created the session; TCP-interleaved tracks live and die with it. */
  readonly connectionId: number;
  readonly timeoutMs: number;
  /** Idle time after which the sweep ends the session (shorter than the timeout with `early-session-close`). */
  readonly idleLimitMs: number;
  readonly tracks = new Map<TrackKind, TrackSetup>();
  playing = false;
  ended = false;
  lastActivityMs: number;
  private ticker: FrameTicker | null = null;

  constructor(mount: ResolvedMount, connectionId: number, timeoutMs: number, nowMs: number) {
    this.id = randomBytes(8).toString('hex').toUpperCase();
    this.mount = mount;
    this.connectionId = connectionId;
    this.timeoutMs = timeoutMs;
    this.idleLimitMs = mount.quirks.has('early-session-close') ? Math.floor(timeoutMs / 3) : timeoutMs;
    this.lastActivityMs = nowMs;
  }

  /** `Session` header value with the timeout in whole seconds (§12.37). */
  get header(): string {
    return `${this.id};timeout=${Math.max(1, Math.ceil(this.timeoutMs / 1000))}`;
  }

  get video(): TrackSetup | undefined {
    return this.tracks.get('video');
  }

  touch(nowMs: number): void {
    this.lastActivityMs = nowMs;
  }

  /** Starts every track's sender on the shared ticker of the clip's frame rate. */
  play(ticker: FrameTicker): void {
    if (this.playing || this.ended) return;
    this.playing = true;
    this.ticker = ticker;
    for (const track of this.tracks.values()) if (track.sender) ticker.add(track.sender);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.playing = false;
    for (const track of this.tracks.values()) {
      if (track.sender && this.ticker) this.ticker.delete(track.sender);
      track.transport.close();
    }
  }
}
