/**
 * One camera in the grid: a fixed 16:9 box (nothing jumps when the stream starts) holding its <video>.
 * Small tiles play the camera's lowest version; the enlarged tile plays its highest. Hover or focus shows
 * name, resolution, fps, bitrate and delay behind live.
 */
import { useRef } from 'react';
import type { DragEvent, JSX, KeyboardEvent } from 'react';
import type { CameraSummary } from '../../src-shared/api.js';
import { useLiveStreamPlayer } from '../live/use-stream-player.js';
import { useOnScreen, usePageVisible } from '../ui/use-visible.js';
import { formatDelay, formatKbps } from '../ui/format.js';

export interface LiveTileProps {
  camera: CameraSummary;
  enlarged: boolean;
  index: number;
  onEnlarge(): void;
  onRestore(): void;
  onMove(deviceUid: string, toIndex: number): void;
  /** An arrow key on the tile: moves focus that way, or with Alt moves the camera itself that way. */
  onArrow(index: number, key: string, move: boolean): void;
  onPlayback(): void;
}

const PHASE_WORDS: Record<string, string> = {
  idle: 'paused while not visible',
  connecting: 'connecting…',
  reconnecting: 'reconnecting…',
  ended: 'stream ended',
};

export function LiveTile(props: LiveTileProps): JSX.Element {
  const { camera, enlarged, index } = props;
  const boxRef = useRef<HTMLDivElement | null>(null);
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const onScreen = useOnScreen(boxRef);
  const pageVisible = usePageVisible();
  const version = enlarged ? camera.versions[0] : camera.versions[camera.versions.length - 1];
  const active = camera.enabled && onScreen && pageVisible && version !== undefined;
  const view = useLiveStreamPlayer(videoRef, camera.deviceUid, version?.versionSid ?? null, active);
  const f = view.figures;
  const cameraError = version?.status.error?.message ?? null;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      if (enlarged) props.onRestore();
      else props.onEnlarge();
    } else if (event.key === 'Escape' && enlarged) {
      event.preventDefault();
      props.onRestore();
    } else if (event.key === 'p' || event.key === 'P') {
      props.onPlayback();
    } else if (event.key.startsWith('Arrow')) {
      event.preventDefault();
      props.onArrow(index, event.key, event.altKey);
    }
  };
  const onDragStart = (event: DragEvent<HTMLDivElement>): void => {
    event.dataTransfer.setData('text/x-thinstream-camera', camera.deviceUid);
    event.dataTransfer.effectAllowed = 'move';
  };
  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    const uid = event.dataTransfer.getData('text/x-thinstream-camera');
    if (uid !== '' && uid !== camera.deviceUid) {
      event.preventDefault();
      props.onMove(uid, index);
    }
  };

  let overlay: string | null = null;
  if (!camera.enabled) overlay = 'camera disabled';
  else if (version === undefined) overlay = 'no stream configured';
  else if (view.phase === 'unsupported') overlay = view.detail ?? 'this browser cannot play this stream';
  else if (view.phase !== 'playing') {
    overlay = PHASE_WORDS[view.phase] ?? view.phase;
    const why = view.detail ?? cameraError;
    if (why !== null && view.phase !== 'idle') overlay += ` ${why}`;
  }

  return (
    <div
      ref={boxRef}
      className={`tile${enlarged ? ' tile-enlarged' : ''}`}
      data-testid={`tile-${camera.deviceUid}`}
      data-version={version?.versionSid ?? ''}
      data-phase={view.phase}
      data-first-frame-ms={f.firstFrameMs ?? ''}
      data-delay-ms={f.delayMs ?? ''}
      data-resyncs={f.resyncs}
      tabIndex={0}
      role="button"
      aria-label={`${camera.name}${enlarged ? ' (enlarged; Escape returns to the grid)' : ' (Enter enlarges)'}`}
      draggable={!enlarged}
      onDoubleClick={enlarged ? props.onRestore : props.onEnlarge}
      onKeyDown={onKeyDown}
      onDragStart={onDragStart}
      onDragOver={(e) => e.preventDefault()}
      onDrop={onDrop}
    >
      <video ref={videoRef} className="tile-video" muted playsInline autoPlay disablePictureInPicture />
      {overlay !== null && (
        <div className={`tile-overlay${view.phase === 'unsupported' ? ' tile-overlay-error' : ''}`} role="status">
          {overlay}
        </div>
      )}
      <div className="tile-name">{camera.name}</div>
      <div className="tile-info" aria-hidden="true">
        <span>{camera.name}</span>
        <span>{version?.versionSid}</span>
        <span>{f.width !== null ? `${f.width}×${f.height}` : '–'}</span>
        <span>{f.fps !== null ? `${f.fps} fps` : '–'}</span>
        <span>{formatKbps(f.bitrateKbps)}</span>
        <span title="now minus the capture time of the picture on screen">delay {formatDelay(f.delayMs)}</span>
      </div>
    </div>
  );
}
