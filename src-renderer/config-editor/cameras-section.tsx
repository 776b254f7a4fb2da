/**
 * Camera groups, cameras and their versions (stream qualities), in plain words. Each version has "Test
 * connection", which runs the server's probe against the URL as typed (with the stored password when it is
 * unchanged) and shows what came back, with a short live preview when the stream is already running, and
 * "Download camera report" (camera-report-button.tsx), the same probe recorded for a bug report.
 */
import { useContext, useEffect, useRef, useState } from 'react';
import type { JSX } from 'react';
import type { ProbeRequest, ProbeResult } from '../../src-shared/api.js';
import { ApiError, sendJson } from '../api/api-client.js';
import { CameraReportButton } from './camera-report-button.js';
import { useLiveStreamPlayer } from '../live/use-stream-player.js';
import { useAppStore } from '../store/app-store.js';
import { formatCodec, formatKbps } from '../ui/format.js';
import {
  CheckField,
  EditorContext,
  Fields,
  NumberField,
  SecretField,
  SectionErrors,
  SelectField,
  TextField,
} from './fields.js';
import { getAt } from './json-path.js';
import { REDACTED_MARKER } from './redacted.js';

const GROUPS = 'server.streamsGrps';

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A uid not used by any camera yet: `camera-1`, `camera-2`, … */
function freeUid(draft: unknown): string {
  const used = new Set<string>();
  for (const g of asList(getAt(draft, GROUPS))) {
    for (const s of asList(getAt(g, 'streams'))) used.add(str(getAt(s, 'device.uid')));
  }
  for (let i = 1; ; i++) if (!used.has(`camera-${i}`)) return `camera-${i}`;
}

export function CamerasSection(): JSX.Element {
  const ctx = useContext(EditorContext);
  const groups = asList(getAt(ctx.draft, GROUPS));

  const addGroup = (): void => {
    const n = groups.length + 1;
    ctx.setValue(`${GROUPS}[${groups.length}]`, { uid: `group-${n}`, name: `Group ${n}`, streams: [] });
  };
  const addCamera = (g: number): void => {
    if (groups.length === 0) {
      ctx.setValue(`${GROUPS}[0]`, { uid: 'cameras', name: 'Cameras', streams: [] });
    }
    const streams = asList(getAt(ctx.draft, `${GROUPS}[${g}].streams`));
    const uid = freeUid(ctx.draft);
    ctx.setValue(`${GROUPS}[${g}].streams[${streams.length}]`, {
      device: { uid, name: `New camera (${uid})` },
      versions: [{ sid: '1-main', uri: '' }],
    });
  };

  return (
    <div>
      <p className="guide-link">
        <a className="button" href="#/add-camera">
          Add a camera step by step
        </a>{' '}
        <span className="muted">finds it on your network, or fills in its brand’s addresses.</span>
      </p>
      <SectionErrors path={GROUPS} />
      {groups.length === 0 && (
        <div className="panel">
          <p>No cameras yet.</p>
          <button type="button" className="primary" onClick={() => addCamera(0)}>
            Add camera
          </button>
        </div>
      )}
      {groups.map((_, g) => (
        <GroupPanel key={g} index={g} onAddCamera={() => addCamera(g)} />
      ))}
      <button type="button" onClick={addGroup}>
        Add group
      </button>
    </div>
  );
}

function GroupPanel(props: { index: number; onAddCamera(): void }): JSX.Element {
  const ctx = useContext(EditorContext);
  const base = `${GROUPS}[${props.index}]`;
  const streams = asList(getAt(ctx.draft, `${base}.streams`));
  const remove = (): void => {
    const groups = asList(getAt(ctx.draft, GROUPS));
    ctx.setValue(
      GROUPS,
      groups.filter((_, i) => i !== props.index),
    );
  };
  return (
    <div className="panel" data-path={base}>
      <h2>{str(getAt(ctx.draft, `${base}.name`)) || 'Group'}</h2>
      <Fields>
        <TextField path={`${base}.name`} label="Group name" hint="Where these cameras are, e.g. Home." />
        <TextField
          path={`${base}.uid`}
          label="Group ID"
          hint="Letters, digits, - and _; stays the same when renamed."
        />
        <CheckField path={`${base}.isDisabled`} label="Enabled" inverted />
      </Fields>
      <SectionErrors path={`${base}.streams`} />
      {streams.map((_, s) => (
        <CameraPanel
          key={s}
          base={`${base}.streams[${s}]`}
          onRemove={() => {
            ctx.setValue(
              `${base}.streams`,
              streams.filter((__, i) => i !== s),
            );
          }}
        />
      ))}
      <div className="row-actions">
        <button type="button" className="primary" onClick={props.onAddCamera}>
          Add camera
        </button>
        {streams.length === 0 && (
          <button type="button" onClick={remove}>
            Remove empty group
          </button>
        )}
      </div>
    </div>
  );
}

function CameraPanel(props: { base: string; onRemove(): void }): JSX.Element {
  const ctx = useContext(EditorContext);
  const { base } = props;
  const versions = asList(getAt(ctx.draft, `${base}.versions`));
  const name = str(getAt(ctx.draft, `${base}.device.name`)) || str(getAt(ctx.draft, `${base}.device.uid`)) || 'Camera';
  const addVersion = (): void => {
    ctx.setValue(`${base}.versions[${versions.length}]`, { sid: `${versions.length + 1}-low`, uri: '' });
  };
  return (
    <div className="panel" data-path={base} data-testid={`camera-${str(getAt(ctx.draft, `${base}.device.uid`))}`}>
      <h3>{name}</h3>
      <Fields>
        <TextField path={`${base}.device.name`} label="Camera name" hint="Shown on its tile." />
        <TextField path={`${base}.device.uid`} label="Camera ID" hint="Names its recordings folder; keep it stable." />
        <CheckField path={`${base}.isDisabled`} label="Enabled" inverted />
        <TextField
          path={`${base}.device.server`}
          label="Camera address"
          hint="Host name or IP, used when a stream URL has none."
        />
        <NumberField path={`${base}.device.port`} label="RTSP port" placeholder="554" />
        <CheckField path={`${base}.device.useSSL`} label="Use RTSPS (TLS)" />
        <TextField path={`${base}.device.user`} label="Camera user" />
        <SecretField path={`${base}.device.pass`} label="Camera password" redacted={REDACTED_MARKER} />
      </Fields>
      <SectionErrors path={`${base}.versions`} />
      {versions.map((_, v) => (
        <VersionRow
          key={v}
          cameraBase={base}
          base={`${base}.versions[${v}]`}
          onRemove={() =>
            ctx.setValue(
              `${base}.versions`,
              versions.filter((__, i) => i !== v),
            )
          }
        />
      ))}
      <div className="row-actions">
        <button type="button" onClick={addVersion}>
          Add stream quality
        </button>
        <button type="button" onClick={props.onRemove}>
          Remove camera
        </button>
      </div>
    </div>
  );
}

function VersionRow(props: { cameraBase: string; base: string; onRemove(): void }): JSX.Element {
  const ctx = useContext(EditorContext);
  const { base, cameraBase } = props;
  const [probe, setProbe] = useState<{ running: boolean; result: ProbeResult | null; error: string | null }>({
    running: false,
    result: null,
    error: null,
  });
  const probeRequest = (): ProbeRequest => {
    const url = str(getAt(ctx.draft, `${base}.uri`));
    const pass = getAt(ctx.draft, `${cameraBase}.device.pass`);
    const user = str(getAt(ctx.draft, `${cameraBase}.device.user`));
    const request: ProbeRequest = { url, seconds: 3 };
    if (user !== '') request.user = user;
    if (typeof pass === 'string' && pass !== REDACTED_MARKER && pass !== '') request.password = pass;
    // The stored password is wanted only when the field still holds it (unchanged): then name the camera.
    const deviceUid = str(getAt(ctx.draft, `${cameraBase}.device.uid`));
    if (pass === REDACTED_MARKER && deviceUid !== '') request.deviceUid = deviceUid;
    const transport = getAt(ctx.draft, `${base}.params.rtsp.transport`);
    if (transport === 'udp' || transport === 'tcp' || transport === 'auto') request.transport = transport;
    return request;
  };
  const testConnection = (): void => {
    setProbe({ running: true, result: null, error: null });
    sendJson<ProbeResult>('POST', '/probe', probeRequest(), 'Testing the connection')
      .then((result) => setProbe({ running: false, result, error: null }))
      .catch((err: unknown) =>
        setProbe({ running: false, result: null, error: err instanceof ApiError ? err.message : String(err) }),
      );
  };
  return (
    <div className="panel" data-path={base}>
      <Fields>
        <TextField
          path={`${base}.uri`}
          label="Stream URL"
          type="url"
          placeholder="rtsp://192.168.1.20:554/stream1"
          hint="The first stream is the best quality; the last is used for small tiles."
        />
        <TextField path={`${base}.sid`} label="Stream ID" hint="e.g. 1-high, 2-low." />
        <CheckField path={`${base}.isDisabled`} label="Enabled" inverted />
        <SelectField
          path={`${base}.params.write.mode`}
          label="Recording"
          inheritLabel="As in Storage and recording"
          options={[
            { value: 'allways', label: 'Record this stream' },
            { value: 'never', label: 'Do not record this stream' },
          ]}
        />
        <SelectField
          path={`${base}.params.rtsp.transport`}
          label="Transport"
          inheritLabel="As in Network settings"
          options={[
            { value: 'auto', label: 'Automatic (UDP, else TCP)' },
            { value: 'udp', label: 'UDP' },
            { value: 'tcp', label: 'TCP (through firewalls)' },
          ]}
        />
      </Fields>
      <div className="row-actions">
        <button type="button" onClick={testConnection} disabled={probe.running}>
          {probe.running ? 'Testing…' : 'Test connection'}
        </button>
        <CameraReportButton
          request={probeRequest}
          fileStem={`${str(getAt(ctx.draft, `${cameraBase}.device.uid`)) || 'camera'}-${str(getAt(ctx.draft, `${base}.sid`)) || 'stream'}`}
        />
        <button type="button" onClick={props.onRemove}>
          Remove stream
        </button>
      </div>
      {probe.error !== null && (
        <p className="error" role="alert" data-testid="probe-error">
          {probe.error}
        </p>
      )}
      {probe.result !== null && (
        <ProbeView
          result={probe.result}
          deviceUid={str(getAt(ctx.draft, `${cameraBase}.device.uid`))}
          versionSid={str(getAt(ctx.draft, `${base}.sid`))}
        />
      )}
    </div>
  );
}

function ProbeView(props: { result: ProbeResult; deviceUid: string; versionSid: string }): JSX.Element {
  const r = props.result;
  const cameras = useAppStore((s) => s.cameras);
  const running = cameras.some(
    (c) => c.deviceUid === props.deviceUid && c.versions.some((v) => v.versionSid === props.versionSid),
  );
  return (
    <div className="probe-result" data-testid="probe-result">
      {running ? (
        <ProbePreview deviceUid={props.deviceUid} versionSid={props.versionSid} />
      ) : (
        <p className="muted">A live preview shows here once the camera is saved.</p>
      )}
      <div>
        <p className="ok">Connected: the camera sends video.</p>
        <p>
          {r.width}×{r.height}, {r.fps === null ? 'unknown' : r.fps.toFixed(1)} fps, {formatCodec(r.codec)} {r.profile},{' '}
          {formatKbps(r.bitrateKbps)} over {r.transport.toUpperCase()}.
        </p>
        <p className="muted">
          First picture after {r.firstFrameMs} ms; {r.frames} frames ({r.keyframes} keyframes), {r.lostPackets} packets
          lost.
          {r.quirks.length > 0 ? ` Tolerated: ${r.quirks.join(', ')}.` : ''}
        </p>
      </div>
    </div>
  );
}

/** Ten seconds of the running stream, so the user sees the picture they configured. */
function ProbePreview(props: { deviceUid: string; versionSid: string }): JSX.Element {
  const videoRef = useRef<HTMLVideoElement | null>(null);
  const [active, setActive] = useState(true);
  const view = useLiveStreamPlayer(videoRef, props.deviceUid, props.versionSid, active);
  useEffect(() => {
    const timer = setTimeout(() => setActive(false), 10_000);
    return () => clearTimeout(timer);
  }, []);
  return (
    <div className="probe-preview">
      <video ref={videoRef} muted playsInline autoPlay />
      {view.phase !== 'playing' && <span className="player-time">{active ? 'connecting…' : 'preview ended'}</span>}
    </div>
  );
}
