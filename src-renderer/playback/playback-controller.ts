/**
 * Plays recordings of one stream into a <video> over the playback socket (/playback/<device>/<version>?from=&speed=):
 * the same wire format as live. A seek or keyframe step starts a fresh decoder, and units still in flight from
 * before it are ignored until the server's new description (it sends one at every seek), so the picture never
 * mixes two places. Speed goes to the server (pacing) and to the element (playbackRate).
 */
import type { StreamDescriptionMessage } from '../../src-shared/live-wire.js';
import type { PlaybackControlMessage } from '../../src-shared/api.js';
import { socketUrl } from '../api/api-client.js';
import { StreamDecoder, codecSupported } from '../live/stream-decoder.js';
import { StreamSocket } from '../live/stream-socket.js';

export interface PlaybackState {
  phase: 'idle' | 'loading' | 'playing' | 'paused' | 'ended' | 'error';
  detail: string | null;
}

export class PlaybackController {
  private readonly video: HTMLVideoElement;
  private readonly onState: (s: PlaybackState) => void;
  private socket: StreamSocket | null = null;
  private decoder: StreamDecoder | null = null;
  private description: StreamDescriptionMessage | null = null;
  private stream: { deviceUid: string; versionSid: string } | null = null;
  private speed = 1;
  private paused = false;
  /** The last time seeked to, shown until the first picture of it arrives. */
  private seekMs: number | null = null;
  /** After a seek or step on an open socket: drop units until the description that starts the new position. */
  private awaitingDescription = false;

  constructor(video: HTMLVideoElement, onState: (s: PlaybackState) => void) {
    this.video = video;
    this.onState = onState;
  }

  open(deviceUid: string, versionSid: string, fromMs: number): void {
    this.stream = { deviceUid, versionSid };
    this.seek(fromMs);
  }

  seek(timeMs: number): void {
    if (this.stream === null) return;
    const { deviceUid, versionSid } = this.stream;
    this.seekMs = timeMs;
    this.resetDecoder();
    this.onState({ phase: 'loading', detail: null });
    if (this.socket !== null && !this.paused && this.socket.send({ type: 'seek', timeMs: Math.round(timeMs) })) {
      this.awaitingDescription = true;
      return;
    }
    this.paused = false;
    this.awaitingDescription = false;
    const url = socketUrl('playback', deviceUid, versionSid, `?from=${Math.round(timeMs)}&speed=${this.speed}`);
    if (this.socket !== null) {
      this.socket.reopen(url);
      return;
    }
    this.socket = new StreamSocket(
      url,
      {
        onDescription: (d) => {
          this.awaitingDescription = false;
          this.description = d;
          if (!codecSupported(d.codecString)) {
            this.onState({ phase: 'error', detail: `This browser cannot play ${d.codecString}.` });
            return;
          }
          if (this.decoder === null) this.makeDecoder(d);
        },
        onAccessUnit: (header, annexB) => {
          if (this.awaitingDescription) return;
          if (this.decoder === null && this.description !== null) this.makeDecoder(this.description);
          this.decoder?.push(header, annexB);
        },
        onState: (state, why) => {
          if (state === 'ended') this.onState({ phase: 'ended', detail: why });
        },
        onStreamState: (_state, error) => {
          if (error !== null) this.onState({ phase: 'error', detail: error.message });
        },
      },
      { reconnect: false },
    );
  }

  private makeDecoder(d: StreamDescriptionMessage): void {
    this.decoder = new StreamDecoder(this.video, d, {
      mode: 'playback',
      onFirstFrame: () => {
        this.seekMs = null;
        this.onState({ phase: this.paused ? 'paused' : 'playing', detail: null });
      },
      onFatal: (message) => this.onState({ phase: 'error', detail: message }),
    });
    this.decoder.setPlaybackRate(this.speed);
  }

  private resetDecoder(): void {
    this.decoder?.close();
    this.decoder = null;
  }

  private send(message: PlaybackControlMessage): void {
    this.socket?.send(message);
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.send({ type: 'speed', speed });
    this.decoder?.setPlaybackRate(speed);
  }

  pause(): void {
    this.paused = true;
    this.send({ type: 'pause' });
    this.video.pause();
    this.onState({ phase: 'paused', detail: null });
  }

  resume(): void {
    this.paused = false;
    this.send({ type: 'resume' });
    void this.video.play().catch(() => {});
    this.onState({ phase: 'playing', detail: null });
  }

  /** Next or previous keyframe: the server finds it; we start a clean decoder there. */
  step(direction: 'next-keyframe' | 'previous-keyframe'): void {
    if (this.shownMs() === null) return;
    this.resetDecoder();
    this.awaitingDescription = true;
    this.onState({ phase: 'loading', detail: null });
    this.send({ type: 'step', direction });
  }

  /** Recorded time of the picture on screen (or of the pending seek). */
  shownMs(): number | null {
    return this.decoder?.shownWallMs() ?? this.seekMs;
  }

  framesDecoded(): number {
    return this.video.getVideoPlaybackQuality().totalVideoFrames;
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
    this.resetDecoder();
  }
}
