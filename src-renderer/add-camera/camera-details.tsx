/**
 * The last step of adding a camera: its name, address, user, password and stream addresses (filled by the step
 * before, or typed), "Test connection" (the server's probe of each stream) and "Save" (the camera appended to the
 * config file; the server applies it live). Every problem lands beside the field that fixes it.
 */
import { useState } from 'react';
import type { JSX } from 'react';
import type { ConfigSaveResponse, ProbeRequest, ProbeResult } from '../../src-shared/api.js';
import { ApiError, getJson, sendJson } from '../api/api-client.js';
import { CameraReportButton } from '../config-editor/camera-report-button.js';
import { checkDraft } from '../config-editor/check-draft.js';
import { formatCodec, formatKbps } from '../ui/format.js';
import { probeProblem } from './camera-problems.js';
import { FormField, Spinner } from './form-field.js';
import type { NewCamera, NewCameraField } from './new-camera.js';
import { fieldOfPath, hostOfUrl, missingFields, withNewCamera } from './new-camera.js';

type FieldErrors = Partial<Record<NewCameraField, string>>;

type Test =
  | { kind: 'idle' }
  | { kind: 'running'; stream: string }
  | {
      kind: 'done';
      results: Array<{ stream: string; result: ProbeResult }>;
      /** The stream that failed, to offer its camera report. */
      failed: { url: string; field: NewCameraField } | null;
    };

type Save =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; uid: string; response: ConfigSaveResponse }
  | { kind: 'failed'; message: string };

/** GET /config answers the redacted config; accept it bare or wrapped as `{ config }`. */
function unwrapConfig(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const keys = Object.keys(body);
    if (keys.length === 1 && keys[0] === 'config') return (body as { config: unknown }).config;
  }
  return body;
}

export interface CameraDetailsProps {
  camera: NewCamera;
  onChange(camera: NewCamera): void;
  note: string | null;
  onAddAnother(): void;
}

export function CameraDetails(props: CameraDetailsProps): JSX.Element {
  const { camera } = props;
  const [errors, setErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [test, setTest] = useState<Test>({ kind: 'idle' });
  const [save, setSave] = useState<Save>({ kind: 'idle' });

  const set = (field: NewCameraField) => (value: string) => {
    const next = { ...camera, [field]: value };
    // Typing a stream address names the camera's host when none is set yet.
    if ((field === 'mainUrl' || field === 'subUrl') && camera.host === '') next.host = hostOfUrl(value) ?? '';
    props.onChange(next);
    setErrors((e) => ({ ...e, [field]: undefined }));
    setTest({ kind: 'idle' });
    if (save.kind === 'failed') setSave({ kind: 'idle' });
  };

  const checked = (): boolean => {
    const problems = missingFields(camera);
    setErrors(problems);
    setGeneral(null);
    return Object.keys(problems).length === 0;
  };

  const testConnection = async (): Promise<void> => {
    if (!checked()) return;
    const streams: Array<{ stream: string; field: NewCameraField; url: string }> = [
      { stream: 'Main stream', field: 'mainUrl', url: camera.mainUrl.trim() },
    ];
    if (camera.subUrl.trim() !== '') streams.push({ stream: 'Sub stream', field: 'subUrl', url: camera.subUrl.trim() });
    const results: Array<{ stream: string; result: ProbeResult }> = [];
    for (const s of streams) {
      setTest({ kind: 'running', stream: s.stream });
      const request: ProbeRequest = { url: s.url, seconds: 2 };
      if (camera.user.trim() !== '') request.user = camera.user.trim();
      if (camera.password !== '') request.password = camera.password;
      try {
        results.push({ stream: s.stream, result: await sendJson<ProbeResult>('POST', '/probe', request, 'Testing') });
      } catch (err) {
        const p =
          err instanceof ApiError
            ? probeProblem(err.info, s.field)
            : { field: 'general' as const, message: String(err), detail: '' };
        if (p.field === 'general') setGeneral(p.message);
        else setErrors({ [p.field]: p.message });
        setTest({ kind: 'done', results, failed: { url: s.url, field: s.field } });
        return;
      }
    }
    setTest({ kind: 'done', results, failed: null });
  };

  const saveCamera = async (): Promise<void> => {
    if (!checked()) return;
    setSave({ kind: 'saving' });
    let base = '';
    try {
      const config = unwrapConfig(await getJson<unknown>('/config', 'Loading the settings'));
      const added = withNewCamera(config, camera);
      base = added.base;
      const problems = checkDraft(added.config);
      if (problems.length > 0)
        throw new ApiError(400, { code: 'CONFIG_INVALID', message: 'The camera is not complete.' }, problems);
      const response = await sendJson<ConfigSaveResponse>('PUT', '/config', added.config, 'Saving the camera');
      setSave({ kind: 'saved', uid: added.uid, response });
    } catch (err) {
      if (!(err instanceof ApiError)) return setSave({ kind: 'failed', message: String(err) });
      const list = err.errors.length > 0 ? err.errors : [err.info];
      const beside: FieldErrors = {};
      const elsewhere: string[] = [];
      for (const e of list) {
        const field = fieldOfPath(base, e.path);
        if (field !== null) beside[field] = beside[field] === undefined ? e.message : `${beside[field]} ${e.message}`;
        else elsewhere.push(e.path === undefined ? e.message : `${e.path}: ${e.message}`);
      }
      setErrors(beside);
      setSave({
        kind: 'failed',
        message:
          elsewhere.length > 0 ? `Not saved: ${elsewhere.join(' ')}` : 'Not saved: please fix what is marked above.',
      });
    }
  };

  if (save.kind === 'saved') {
    return (
      <div className="panel" data-testid="add-camera-saved">
        <h2>“{camera.name.trim()}” is added</h2>
        <p className={save.response.applied === 'live' ? 'ok' : 'warn'} role="status">
          {save.response.applied === 'live'
            ? 'Saved and applied: it is connecting now and records as your settings say.'
            : `Saved. Restart ThinStream to apply: ${save.response.restartReasons.join('; ')}.`}
        </p>
        <div className="row-actions">
          <a className="button primary" href="#/live">
            See it live
          </a>
          <button type="button" onClick={props.onAddAnother}>
            Add another camera
          </button>
        </div>
      </div>
    );
  }

  return (
    <div className="panel" data-testid="camera-details">
      <h2>2. Check and save</h2>
      {props.note !== null && (
        <p className="ok" data-testid="filled-note">
          {props.note}
        </p>
      )}
      {general !== null && (
        <p className="error" role="alert">
          {general}
        </p>
      )}
      <div className="fields">
        <FormField label="Name" name="name" value={camera.name} onChange={set('name')} error={errors.name} />
        <FormField
          label="Camera address"
          name="host"
          value={camera.host}
          onChange={set('host')}
          error={errors.host}
          placeholder="192.168.1.20"
        />
        <FormField label="User name" name="user" value={camera.user} onChange={set('user')} error={errors.user} />
        <FormField
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          value={camera.password}
          onChange={set('password')}
          error={errors.password}
          hint="Kept by ThinStream; never shown again."
        />
        <FormField
          label="Main stream address"
          name="mainUrl"
          value={camera.mainUrl}
          onChange={set('mainUrl')}
          error={errors.mainUrl}
          placeholder="rtsp://192.168.1.20:554/stream1"
          hint="The best quality: recorded, and shown when a tile is enlarged."
          wide
        />
        <FormField
          label="Sub stream address (optional)"
          name="subUrl"
          value={camera.subUrl}
          onChange={set('subUrl')}
          error={errors.subUrl}
          placeholder="rtsp://192.168.1.20:554/stream2"
          hint="A smaller stream for the grid's tiles, if the camera has one."
          wide
        />
      </div>
      <div className="row-actions">
        <button type="button" onClick={() => void testConnection()} disabled={test.kind === 'running'}>
          Test connection
        </button>
        <button
          type="button"
          className="primary"
          onClick={() => void saveCamera()}
          disabled={save.kind === 'saving' || test.kind === 'running'}
        >
          {save.kind === 'saving' ? 'Saving…' : 'Save camera'}
        </button>
        {test.kind === 'running' && <Spinner label={`Testing the ${test.stream.toLowerCase()}…`} />}
      </div>
      {test.kind === 'done' &&
        test.results.map(({ stream, result: r }) => (
          <p key={stream} className="ok" data-testid="test-result">
            {stream}: connected, {r.width}×{r.height}, {r.fps === null ? 'unknown' : r.fps.toFixed(0)} fps,{' '}
            {formatCodec(r.codec)} {r.profile}, {formatKbps(r.bitrateKbps)} over {r.transport.toUpperCase()}.
          </p>
        ))}
      {test.kind === 'done' && test.failed !== null && (
        <div className="notice" data-testid="report-offer">
          <p>
            Still not working with the right address and password? A camera report records what the camera said (without
            your password): attach it when you ask for help.
          </p>
          <CameraReportButton
            request={() => {
              const request: ProbeRequest = { url: test.failed?.url ?? camera.mainUrl.trim(), seconds: 2 };
              if (camera.user.trim() !== '') request.user = camera.user.trim();
              if (camera.password !== '') request.password = camera.password;
              return request;
            }}
            fileStem={hostOfUrl(test.failed.url) ?? 'camera'}
          />
        </div>
      )}
      {save.kind === 'failed' && (
        <p className="error" role="alert" data-testid="save-error">
          {save.message}
        </p>
      )}
    </div>
  );
}
