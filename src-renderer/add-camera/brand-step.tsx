/**
 * "I know the brand": the RTSP addresses of common brands (src-shared/camera-url-patterns.ts) filled in for the
 * camera's address and channel, and optionally checked with the camera (POST /api/v1/discovery/url-patterns:
 * an RTSP DESCRIBE per address, stopping after one refused password so the camera does not lock us out).
 */
import { useState } from 'react';
import type { JSX } from 'react';
import type { UrlPatternCheck, UrlPatternCheckRequest, UrlPatternCheckResponse } from '../../src-shared/api.js';
import { CAMERA_URL_PATTERNS, findUrlPattern, patternUrls } from '../../src-shared/camera-url-patterns.js';
import { ApiError, sendJson } from '../api/api-client.js';
import { patternOutcomeWords } from './camera-problems.js';
import { FormField, Spinner } from './form-field.js';
import type { NewCamera } from './new-camera.js';
import { parseHostPort } from './new-camera.js';

export interface BrandStepProps {
  initialHost: string;
  initialPatternId: string | null;
  onFilled(camera: NewCamera, note: string): void;
}

function brandLabel(id: string): string {
  const p = findUrlPattern(id);
  if (p === undefined) return id;
  return p.alsoSoldAs.length > 0 ? `${p.label} (also ${p.alsoSoldAs.join(', ')})` : p.label;
}

type Check =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; checks: UrlPatternCheck[] }
  | { kind: 'failed'; message: string };

export function BrandStep(props: BrandStepProps): JSX.Element {
  const [patternId, setPatternId] = useState(props.initialPatternId ?? '');
  const [address, setAddress] = useState(props.initialHost);
  const [channel, setChannel] = useState('1');
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Partial<Record<'brand' | 'address' | 'channel' | 'password', string>>>({});
  const [check, setCheck] = useState<Check>({ kind: 'idle' });
  const pattern = findUrlPattern(patternId);

  /** The form's values checked, or null with the errors shown. */
  const read = (): { host: string; port?: number; channel: number } | null => {
    const problems: typeof errors = {};
    if (pattern === undefined) problems.brand = 'Choose the brand from the list.';
    const target = parseHostPort(address);
    if ('error' in target) problems.address = target.error;
    const n = Number(channel);
    if (!(Number.isInteger(n) && n >= 1 && n <= 64)) problems.channel = 'A channel is a number from 1 to 64.';
    setErrors(problems);
    if (Object.keys(problems).length > 0 || 'error' in target) return null;
    return { ...target, channel: n };
  };

  const fill = (note: string): void => {
    const target = read();
    if (target === null || pattern === undefined) return;
    const urls = patternUrls(pattern, target.host, target.channel, target.port);
    props.onFilled(
      {
        name: `${pattern.label.split(/[ (/]/)[0] ?? ''} camera`.trim(),
        host: target.host,
        user: user.trim(),
        password,
        mainUrl: urls.main,
        subUrl: urls.sub ?? '',
      },
      note,
    );
  };

  const checkWithCamera = (): void => {
    const target = read();
    if (target === null || pattern === undefined) return;
    const request: UrlPatternCheckRequest = { host: target.host, patterns: [pattern.id], channel: target.channel };
    if (target.port !== undefined) request.port = target.port;
    if (user.trim() !== '') request.user = user.trim();
    if (password !== '') request.password = password;
    setCheck({ kind: 'running' });
    sendJson<UrlPatternCheckResponse>('POST', '/discovery/url-patterns', request, 'Checking the addresses')
      .then((r) => {
        setCheck({ kind: 'done', checks: r.checks });
        const main = r.checks.find((c) => c.stream === 'main');
        if (main === undefined) return;
        const said = patternOutcomeWords(main.outcome);
        const words = said.words.charAt(0).toUpperCase() + said.words.slice(1);
        if (said.field === 'password') setErrors({ password: `${words}.` });
        else if (said.field === 'host') setErrors({ address: `${words}.` });
        if (main.outcome === 'ok') fill(`Checked with the camera: the ${pattern.label} addresses answer.`);
      })
      .catch((err: unknown) =>
        setCheck({ kind: 'failed', message: err instanceof ApiError ? err.message : String(err) }),
      );
  };

  return (
    <div data-testid="brand-step">
      <p>Most brands use fixed stream addresses. Choose the brand and type the camera’s address.</p>
      <div className="fields">
        <label className="field" data-field="brand">
          <span>Brand</span>
          <select
            name="brand"
            value={patternId}
            aria-invalid={errors.brand !== undefined}
            onChange={(e) => setPatternId(e.target.value)}
          >
            <option value="">Choose…</option>
            {CAMERA_URL_PATTERNS.map((p) => (
              <option key={p.id} value={p.id}>
                {brandLabel(p.id)}
              </option>
            ))}
          </select>
          {pattern !== undefined && <span className="hint">{pattern.note}</span>}
          {errors.brand !== undefined && (
            <span className="field-error" role="alert" data-error-for="brand">
              {errors.brand}
            </span>
          )}
        </label>
        <FormField
          label="Camera address"
          name="brandAddress"
          value={address}
          onChange={setAddress}
          error={errors.address}
          placeholder="e.g. 192.168.1.20"
          hint={pattern !== undefined ? `RTSP port ${pattern.port} unless you add another, e.g. :8554.` : undefined}
        />
        <FormField
          label="Channel"
          name="brandChannel"
          value={channel}
          onChange={setChannel}
          error={errors.channel}
          hint="1 for a single camera; the input number on a recorder (NVR/DVR)."
        />
        <FormField label="User name" name="brandUser" value={user} onChange={setUser} />
        <FormField
          label="Password"
          name="brandPassword"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          error={errors.password}
        />
      </div>
      <div className="row-actions">
        <button type="button" className="primary" onClick={checkWithCamera} disabled={check.kind === 'running'}>
          Check with the camera
        </button>
        <button type="button" onClick={() => fill(`Filled in from the ${pattern?.label ?? ''} pattern, not checked.`)}>
          Just fill in the addresses
        </button>
        {check.kind === 'running' && <Spinner label="Asking the camera…" />}
      </div>
      {check.kind === 'failed' && (
        <p className="error" role="alert">
          {check.message}
        </p>
      )}
      {check.kind === 'done' && (
        <ul className="checks" data-testid="pattern-checks">
          {check.checks.map((c) => (
            <li key={`${c.patternId}-${c.stream}`} className={c.outcome === 'ok' ? 'ok' : 'warn'}>
              {c.stream === 'main' ? 'Main stream' : 'Sub stream'}: {patternOutcomeWords(c.outcome).words}{' '}
              <span className="muted">({c.url})</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
