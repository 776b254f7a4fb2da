/**
 * Playback of one camera: a day picker, a zoomable timeline of recordings (gaps visible), click to seek,
 * play/pause, 1/2/4/8×, previous/next keyframe, back to live, and export of a selected range as MP4.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { JSX } from 'react';
import type { RecordingSegment, RecordingsResponse } from '../../src-shared/api.js';
import { ApiError, getJson, streamPath } from '../api/api-client.js';
import { useAppStore } from '../store/app-store.js';
import { dayKey, dayStartMs, formatBytes, formatDateTime, formatDuration } from '../ui/format.js';
import { PlaybackController } from './playback-controller.js';
import type { PlaybackState } from './playback-controller.js';
import { Timeline } from './timeline.js';
import { downloadExport } from './export-download.js';

const SPEEDS = [1, 2, 4, 8];
const ZOOMS: Array<{ label: string; spanMs: number }> = [
  { label: '24 h', spanMs: 24 * 3600_000 },
  { label: '1 h', spanMs: 3600_000 },
  { label: '10 min', spanMs: 600_000 },
  { label: '1 min', spanMs: 60_000 },
];
const DAY_MS = 24 * 3600_000;
const REFRESH_MS = 5000;

export function PlaybackPage(props: { deviceUid: string | null }): JSX.Element {
  const cameras = useAppStore((s) => s.cameras);
  const setEnlarged = useAppStore((s) => s.setEnlarged);
  const camera = cameras.find((c) => c.deviceUid === props.deviceUid) ?? cameras[0];
  const recordedVersions = camera?.versions.filter((v) => v.recording) ?? [];
  const [versionSid, setVersionSid] = useState<string | null>(null);
  const version =
    camera?.versions.find((v) => v.versionSid === versionSid) ?? recordedVersions[0] ?? camera?.versions[0];
  const [day, setDay] = useState(() => dayKey(Date.now()));
  const [zoom, setZoom] = useState(0);
  const [segments, setSegments] = useState<RecordingSegment[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [state, setState] = useState<PlaybackState>({ phase: 'idle', detail: null });
  const [shownMs, setShownMs] = useState<number | null>(null);
  const [speed, setSpeed] = useState(1);
  const [selection, setSelection] = useState<{ fromMs: number; toMs: number } | null>(null);
  const [exporting, setExporting] = useState<{ received: number; estimate: number } | null>(null);
  const [exportNote, setExportNote] = useState<string | null>(null);
  const exportAbort = useRef<AbortController | null>(null);
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const controller = useRef<PlaybackController | null>(null);
  const [centerMs, setCenterMs] = useState<number | null>(null);

  const dayFromMs = dayStartMs(day);
  const dayToMs = dayFromMs + DAY_MS;

  // The recordings of the chosen day, refreshed while the page is open (the open segment grows).
  useEffect(() => {
    if (camera === undefined || version === undefined) return;
    let stopped = false;
    const load = (): void => {
      const path = `/recordings/${streamPath(camera.deviceUid, version.versionSid)}?from=${dayFromMs}&to=${dayToMs}`;
      getJson<RecordingsResponse>(path, 'Loading the recordings')
        .then((r) => {
          if (stopped) return;
          setSegments(r.segments);
          setLoadError(null);
        })
        .catch((err: unknown) => {
          if (!stopped) setLoadError(err instanceof ApiError ? err.message : String(err));
        });
    };
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [camera?.deviceUid, version?.versionSid, dayFromMs, dayToMs]);

  useEffect(() => {
    const video = videoRef.current;
    if (video === null) return;
    const c = new PlaybackController(video, setState);
    controller.current = c;
    const timer = setInterval(() => setShownMs(c.shownMs()), 250);
    return () => {
      clearInterval(timer);
      c.close();
      controller.current = null;
    };
  }, [camera?.deviceUid, version?.versionSid]);

  const lastEndMs = segments.reduce((m, s) => Math.max(m, s.endMs), 0);
  const zoomSpan = ZOOMS[zoom]?.spanMs ?? DAY_MS;
  const view = useMemo(() => {
    if (zoomSpan >= DAY_MS) return { fromMs: dayFromMs, toMs: dayToMs };
    const center = centerMs ?? shownMs ?? (lastEndMs > 0 ? lastEndMs - zoomSpan / 4 : Date.now());
    const from = Math.max(dayFromMs, Math.min(dayToMs - zoomSpan, center - zoomSpan / 2));
    return { fromMs: from, toMs: from + zoomSpan };
  }, [zoomSpan, dayFromMs, dayToMs, centerMs, shownMs, lastEndMs]);

  if (camera === undefined || version === undefined) {
    return <p className="empty">No cameras to play back yet.</p>;
  }

  const seek = (timeMs: number): void => {
    setCenterMs(timeMs);
    controller.current?.open(camera.deviceUid, version.versionSid, timeMs);
  };
  const estimateBytes = (fromMs: number, toMs: number): number =>
    segments.reduce((sum, s) => {
      const overlap = Math.min(toMs, s.endMs) - Math.max(fromMs, s.startMs);
      return overlap > 0 ? sum + (s.bytes * overlap) / Math.max(1, s.endMs - s.startMs) : sum;
    }, 0);
  const startExport = (): void => {
    if (selection === null) return;
    const abort = new AbortController();
    exportAbort.current = abort;
    const estimate = Math.max(1, estimateBytes(selection.fromMs, selection.toMs));
    setExporting({ received: 0, estimate });
    setExportNote(null);
    downloadExport(
      camera.deviceUid,
      version.versionSid,
      selection.fromMs,
      selection.toMs,
      estimate,
      (p) => setExporting({ received: p.receivedBytes, estimate: p.estimatedBytes }),
      abort.signal,
    )
      .then((r) => setExportNote(`Saved ${r.fileName} (${formatBytes(r.bytes)}).`))
      .catch((err: unknown) =>
        setExportNote(abort.signal.aborted ? 'Export cancelled.' : `Export failed: ${(err as Error).message}`),
      )
      .finally(() => setExporting(null));
  };

  const playing = state.phase === 'playing' || state.phase === 'loading';
  const recordedMs = segments.reduce((sum, s) => sum + (s.endMs - s.startMs), 0);

  return (
    <section className="playback" aria-label={`Playback of ${camera.name}`}>
      <div className="toolbar">
        <label>
          Camera{' '}
          <select
            value={camera.deviceUid}
            onChange={(e) => window.location.assign(`#/playback/${encodeURIComponent(e.target.value)}`)}
          >
            {cameras.map((c) => (
              <option key={c.deviceUid} value={c.deviceUid}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Quality{' '}
          <select value={version.versionSid} onChange={(e) => setVersionSid(e.target.value)}>
            {camera.versions.map((v) => (
              <option key={v.versionSid} value={v.versionSid}>
                {v.versionSid}
                {v.recording ? '' : ' (not recorded)'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Day <input type="date" value={day} max={dayKey(Date.now())} onChange={(e) => setDay(e.target.value)} />
        </label>
        <span role="group" aria-label="Zoom">
          {ZOOMS.map((z, i) => (
            <button key={z.label} type="button" aria-pressed={i === zoom} onClick={() => setZoom(i)}>
              {z.label}
            </button>
          ))}
        </span>
      </div>
      <div className="player-box" data-testid="playback-player" data-phase={state.phase} data-shown-ms={shownMs ?? ''}>
        <video ref={videoRef} muted playsInline autoPlay disablePictureInPicture />
        <span className="player-time">
          {shownMs !== null ? formatDateTime(shownMs) : 'Click the timeline to play a recording'}
          {state.phase === 'loading' ? ' · loading…' : ''}
          {state.phase === 'ended' ? ' · end of recordings' : ''}
        </span>
      </div>
      {state.phase === 'error' && <p className="error-banner">{state.detail}</p>}
      {loadError !== null && <p className="error-banner">{loadError}</p>}
      <Timeline
        fromMs={view.fromMs}
        toMs={view.toMs}
        segments={segments}
        cursorMs={shownMs}
        selection={selection}
        onSeek={seek}
        onSelect={setSelection}
      />
      <div className="controls" role="toolbar" aria-label="Playback controls">
        <button type="button" onClick={() => controller.current?.step('previous-keyframe')} title="Previous keyframe">
          ‹ Keyframe
        </button>
        {playing ? (
          <button type="button" className="primary" onClick={() => controller.current?.pause()}>
            Pause
          </button>
        ) : (
          <button
            type="button"
            className="primary"
            onClick={() => {
              if (state.phase === 'paused') controller.current?.resume();
              else seek(shownMs ?? segments[0]?.startMs ?? dayFromMs);
            }}
          >
            Play
          </button>
        )}
        <button type="button" onClick={() => controller.current?.step('next-keyframe')} title="Next keyframe">
          Keyframe ›
        </button>
        <span role="group" aria-label="Speed">
          {SPEEDS.map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={s === speed}
              onClick={() => {
                setSpeed(s);
                controller.current?.setSpeed(s);
              }}
            >
              {s}×
            </button>
          ))}
        </span>
        <button
          type="button"
          onClick={() => {
            setEnlarged(camera.deviceUid);
            window.location.assign('#/live');
          }}
        >
          ● Live
        </button>
        <span className="muted">
          {segments.length} recording(s), {formatDuration(recordedMs)} this day
        </span>
      </div>
      <div className="panel">
        <h3>Export</h3>
        {selection === null ? (
          <p className="muted">Drag across the timeline (or Shift+click after seeking) to choose what to export.</p>
        ) : (
          <p>
            {formatDateTime(selection.fromMs)} to {formatDateTime(selection.toMs)} (
            {formatDuration(selection.toMs - selection.fromMs)}, about{' '}
            {formatBytes(estimateBytes(selection.fromMs, selection.toMs))})
          </p>
        )}
        <div className="controls">
          <button type="button" disabled={selection === null || exporting !== null} onClick={startExport}>
            Export MP4
          </button>
          {exporting !== null && (
            <>
              <progress
                max={1}
                value={Math.min(0.99, exporting.received / exporting.estimate)}
                aria-label="Export progress"
              />
              <span>{formatBytes(exporting.received)}</span>
              <button type="button" onClick={() => exportAbort.current?.abort()}>
                Cancel
              </button>
            </>
          )}
          {selection !== null && exporting === null && (
            <button type="button" onClick={() => setSelection(null)}>
              Clear selection
            </button>
          )}
          {exportNote !== null && <span role="status">{exportNote}</span>}
        </div>
      </div>
    </section>
  );
}
