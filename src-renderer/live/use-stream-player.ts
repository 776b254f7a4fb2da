/**
 * A React hook that plays one live stream version into a <video>: socket + decoder, reconnecting by itself,
 * and stopping while `active` is false (off-screen, hidden window). Reports state and live figures.
 */
import { useEffect, useRef, useState } from 'react';
import type { RefObject } from 'react';
import type { StreamDescriptionMessage } from '../../src-shared/live-wire.js';
import { hlsUrl, socketUrl } from '../api/api-client.js';
import { livePlaybackPath } from './playback-path.js';
import { StreamDecoder, codecSupported } from './stream-decoder.js';
import { StreamSocket } from './stream-socket.js';
import { ArrivalLag } from './arrival-lag.js';
import type { SocketState } from './stream-socket.js';

export type PlayerPhase = 'idle' | 'connecting' | 'playing' | 'reconnecting' | 'unsupported' | 'ended';

export interface PlayerFigures {
  width: number | null;
  height: number | null;
  fps: number | null;
  bitrateKbps: number | null;
  /** Now − capture time of the picture on screen. */
  delayMs: number | null;
  /** From opening the socket to the first picture shown, for this connection. */
  firstFrameMs: number | null;
  codecString: string | null;
  /** Times this connection was restarted because units arrived too late. */
  resyncs: number;
}

export interface PlayerView {
  phase: PlayerPhase;
  detail: string | null;
  figures: PlayerFigures;
}

const EMPTY_FIGURES: PlayerFigures = {
  width: null,
  height: null,
  fps: null,
  bitrateKbps: null,
  delayMs: null,
  firstFrameMs: null,
  codecString: null,
  resyncs: 0,
};

/** How often the figures shown on a tile are refreshed. */
const FIGURES_EVERY_MS = 1000;

export function useLiveStreamPlayer(
  videoRef: RefObject<HTMLVideoElement | null>,
  deviceUid: string,
  versionSid: string | null,
  active: boolean,
): PlayerView {
  const [view, setView] = useState<PlayerView>({ phase: 'idle', detail: null, figures: EMPTY_FIGURES });
  const decoderRef = useRef<StreamDecoder | null>(null);

  useEffect(() => {
    const video = videoRef.current;
    if (!active || versionSid === null || video === null) {
      setView((v) => ({ ...v, phase: 'idle' }));
      return;
    }
    let phase: PlayerPhase = 'connecting';
    let detail: string | null = null;
    let description: StreamDescriptionMessage | null = null;
    const startedMs = performance.now();
    let firstFrameMs: number | null = null;
    let lastBytes = 0;
    let lastUnits = 0;
    let lastTickMs = performance.now();
    let fps: number | null = null;
    let resyncs = 0;
    const arrivals = new ArrivalLag();
    let bitrateKbps: number | null = null;
    /** Playing the server's HLS in the <video> itself (no MSE here): the socket is closed. */
    let hls = false;
    const onHlsPlaying = (): void => {
      phase = 'playing';
      detail = null;
      firstFrameMs ??= Math.round(performance.now() - startedMs);
      publish();
    };

    const publish = (): void => {
      const decoder = decoderRef.current;
      const shown = decoder?.shownWallMs() ?? null;
      setView({
        phase,
        detail,
        figures: {
          width: description?.width ?? null,
          height: description?.height ?? null,
          fps: fps ?? description?.fps ?? null,
          bitrateKbps,
          delayMs: shown === null ? null : Math.max(0, Date.now() - shown),
          firstFrameMs,
          codecString: description?.codecString ?? null,
          resyncs,
        },
      });
    };

    const dropDecoder = (): void => {
      decoderRef.current?.close();
      decoderRef.current = null;
    };

    const socket = new StreamSocket(
      socketUrl('live', deviceUid, versionSid),
      {
        onDescription: (d) => {
          const same =
            description !== null &&
            description.codecString === d.codecString &&
            description.width === d.width &&
            description.height === d.height;
          description = d;
          const path = livePlaybackPath(
            codecSupported(d.codecString),
            video.canPlayType('application/vnd.apple.mpegurl') !== '',
          );
          if (path === 'hls') {
            dropDecoder();
            socket.close();
            hls = true;
            video.addEventListener('playing', onHlsPlaying);
            video.src = hlsUrl(deviceUid, versionSid);
            void video.play().catch(() => {});
            publish();
            return;
          }
          if (path === 'none') {
            dropDecoder();
            phase = 'unsupported';
            detail = `This browser cannot play ${d.codecString} (${d.width}×${d.height}).`;
            publish();
            return;
          }
          // Same format after a reconnect: keep the decoder (and the last picture); it waits for a keyframe.
          if (same && decoderRef.current !== null) decoderRef.current.waitForKeyframe();
          else {
            dropDecoder();
            decoderRef.current = new StreamDecoder(video, d, {
              mode: 'live',
              onFirstFrame: () => {
                firstFrameMs = Math.round(performance.now() - startedMs);
                phase = 'playing';
                detail = null;
                publish();
              },
              onFatal: (message) => {
                detail = message;
                phase = 'reconnecting';
                dropDecoder();
                publish();
                socket.reopen(socketUrl('live', deviceUid, versionSid));
              },
            });
          }
          if (decoderRef.current.hasFirstFrame()) phase = 'playing';
          publish();
        },
        onAccessUnit: (header, annexB) => {
          if (phase === 'reconnecting' && decoderRef.current?.hasFirstFrame()) {
            phase = 'playing';
            detail = null;
          }
          decoderRef.current?.push(header, annexB);
          arrivals.note(header.wallMs, Date.now());
          if (arrivals.lagging(Date.now())) {
            // Units arrive late (a busy browser, a long send queue): start again at the server's latest keyframe.
            resyncs++;
            arrivals.reset();
            decoderRef.current?.waitForKeyframe();
            socket.reopen(socketUrl('live', deviceUid, versionSid));
          }
        },
        onState: (state: SocketState, why) => {
          if (state === 'reconnecting') {
            phase = 'reconnecting';
            detail = why;
          } else if (state === 'ended') {
            phase = 'ended';
            detail = why;
          } else if (state === 'connecting' && phase !== 'reconnecting') {
            phase = 'connecting';
          }
          if (state !== 'closed') publish();
        },
        onStreamState: (state, error) => {
          if (state === 'reconnecting' || state === 'failed' || state === 'connecting') {
            detail = error?.message ?? `camera ${state}`;
            if (state !== 'connecting') phase = 'reconnecting';
          }
          publish();
        },
      },
      { reconnect: true },
    );

    const timer = setInterval(() => {
      const nowMs = performance.now();
      const seconds = (nowMs - lastTickMs) / 1000;
      if (seconds > 0 && !hls) {
        fps = Math.round(((socket.unitsIn - lastUnits) / seconds) * 10) / 10;
        bitrateKbps = Math.round(((socket.bytesIn - lastBytes) * 8) / 1000 / seconds);
      }
      lastTickMs = nowMs;
      lastBytes = socket.bytesIn;
      lastUnits = socket.unitsIn;
      publish();
    }, FIGURES_EVERY_MS);

    return () => {
      clearInterval(timer);
      socket.close();
      dropDecoder();
      video.removeEventListener('playing', onHlsPlaying);
      video.removeAttribute('src');
      video.load();
    };
  }, [videoRef, deviceUid, versionSid, active]);

  return view;
}
