/**
 * Status: per stream state, fps, bitrate, lost packets and reconnects with charts over the last hour (the
 * store keeps a bounded history of telemetry polls), disk usage and days of recordings kept, server connections,
 * and the recorder's memory (RSS, and the video slabs in use and ready for reuse).
 */
import { useEffect } from 'react';
import type { JSX } from 'react';
import type { TelemetryResponse } from '../../src-shared/api.js';
import { ApiError, getJson } from '../api/api-client.js';
import { useAppStore } from '../store/app-store.js';
import { formatBytes, formatDuration, formatKbps } from '../ui/format.js';
import { Sparkline } from './sparkline.js';

export const TELEMETRY_POLL_MS = 5000;

/** Polls telemetry into the store while mounted (the app shell, so the charts have history when opened). */
export function useTelemetryPolling(): void {
  const addTelemetry = useAppStore((s) => s.addTelemetry);
  const setError = useAppStore((s) => s.setTelemetryError);
  useEffect(() => {
    let stopped = false;
    const load = (): void => {
      getJson<TelemetryResponse>('/telemetry', 'Loading the status')
        .then((t) => {
          if (stopped) return;
          addTelemetry(t);
          setError(null);
        })
        .catch((err: unknown) => {
          if (!stopped) setError(err instanceof ApiError ? err.message : String(err));
        });
    };
    load();
    const timer = setInterval(load, TELEMETRY_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [addTelemetry, setError]);
}

export function StatusPage(): JSX.Element {
  const error = useAppStore((s) => s.telemetryError);
  const telemetry = useAppStore((s) => s.telemetry);
  const history = useAppStore((s) => s.history);
  if (telemetry === null) return <p className="loading">{error ?? 'Loading the status…'}</p>;
  const storage = telemetry.storage;
  const usedShare = storage.limitBytes > 0 ? storage.usedBytes / storage.limitBytes : 0;
  const slabs = telemetry.memory.slabs;
  const keptMs = storage.oldestMs !== null && storage.newestMs !== null ? storage.newestMs - storage.oldestMs : null;

  return (
    <section aria-label="Status">
      {error !== null && <p className="error-banner">{error}</p>}
      <div className="cards">
        <div className="card">
          <div className="muted">Disk used</div>
          <div className="big">{formatBytes(storage.usedBytes)}</div>
          <UsageBar share={usedShare} />
          <div className="muted">
            of {storage.limitBytes > 0 ? formatBytes(storage.limitBytes) : 'no limit'} ·{' '}
            {formatBytes(storage.freeBytes)} free on disk
          </div>
        </div>
        <div className="card">
          <div className="muted">Recordings kept</div>
          <div className="big">{keptMs === null ? 'none yet' : formatDuration(keptMs)}</div>
          <div className="muted">in {storage.rootPath}</div>
        </div>
        <div className="card">
          <div className="muted">Server</div>
          <div className="big">{telemetry.server.viewers} viewer(s)</div>
          <div className="muted">
            {telemetry.server.connections} connection(s) · {formatBytes(telemetry.server.bytesOut)} sent
          </div>
        </div>
        <div className="card">
          <div className="muted">Memory</div>
          <div className="big">{formatBytes(telemetry.memory.rssBytes)}</div>
          <div className="muted">
            video buffers {formatBytes(slabs.inUse * slabs.slabBytes)} in use,{' '}
            {formatBytes(slabs.free * slabs.slabBytes)} ready for reuse
          </div>
        </div>
      </div>
      <div className="panel">
        <h2>Streams</h2>
        <table>
          <thead>
            <tr>
              <th>Stream</th>
              <th>State</th>
              <th>Video</th>
              <th>fps</th>
              <th>Bitrate</th>
              <th>Lost packets</th>
              <th>Reconnects</th>
              <th>fps, last hour</th>
              <th>Bitrate, last hour</th>
            </tr>
          </thead>
          <tbody>
            {telemetry.streams.map((s) => {
              const samples = history[s.streamId] ?? [];
              return (
                <tr key={s.streamId} data-testid={`status-${s.streamId}`}>
                  <td>{s.streamId}</td>
                  <td>
                    <span className={`state state-${s.state}`}>{s.state}</span>
                    {s.error !== null && <div className="error">{s.error.message}</div>}
                  </td>
                  <td>{s.video === null ? '–' : `${s.video.width}×${s.video.height} ${s.video.codecString}`}</td>
                  <td className="num">{s.counters.fps.toFixed(1)}</td>
                  <td className="num">{formatKbps(s.counters.bitrateKbps)}</td>
                  <td className="num">{s.counters.lostPackets}</td>
                  <td className="num">{s.counters.reconnects}</td>
                  <td>
                    <Sparkline values={samples.map((p) => p.fps)} label={`fps of ${s.streamId} over the last hour`} />
                  </td>
                  <td>
                    <Sparkline
                      values={samples.map((p) => p.bitrateKbps)}
                      label={`bitrate of ${s.streamId} over the last hour`}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function UsageBar(props: { share: number }): JSX.Element {
  const pct = Math.round(Math.min(1, Math.max(0, props.share)) * 100);
  return (
    <div
      className="usage-bar"
      role="meter"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      aria-label="Storage used"
    >
      <div
        className="usage-fill"
        ref={(el) => {
          if (el !== null) el.style.width = `${pct}%`;
        }}
      />
    </div>
  );
}
