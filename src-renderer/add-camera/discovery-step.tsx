/**
 * "Find cameras on my network": ONVIF WS-Discovery through GET /api/v1/discovery (the whole LAN by multicast, or
 * one address by unicast for a camera on another subnet), then, for the camera picked, its user and password and
 * POST /api/v1/discovery/stream-uris, which answers the main and sub stream addresses.
 */
import { useState } from 'react';
import type { JSX } from 'react';
import type { DiscoveredCamera, DiscoveryResponse, StreamUrisResponse } from '../../src-shared/api.js';
import { ApiError, getJson, sendJson } from '../api/api-client.js';
import { onvifProblem } from './camera-problems.js';
import { FormField, Spinner } from './form-field.js';
import type { NewCamera } from './new-camera.js';
import { parseHostPort } from './new-camera.js';

/** How long the whole LAN is given to answer (the API's default), and one address. */
const LAN_TIMEOUT_MS = 3000;
const ONE_ADDRESS_TIMEOUT_MS = 2000;

export interface DiscoveryStepProps {
  onFilled(camera: NewCamera, note: string): void;
  /** The camera answered discovery but not GetProfiles: go on with its brand's URL pattern. */
  onUseBrand(host: string, patternId: string | null): void;
  onTypeByHand(): void;
}

type Search =
  | { kind: 'idle' }
  | { kind: 'running'; where: string }
  | { kind: 'done'; response: DiscoveryResponse; where: string }
  | { kind: 'failed'; message: string };

function cameraTitle(c: DiscoveredCamera): string {
  return c.name ?? c.model ?? c.manufacturer ?? 'ONVIF camera';
}

export function DiscoveryStep(props: DiscoveryStepProps): JSX.Element {
  const [address, setAddress] = useState('');
  const [addressError, setAddressError] = useState<string | undefined>(undefined);
  const [search, setSearch] = useState<Search>({ kind: 'idle' });
  const [chosen, setChosen] = useState<DiscoveredCamera | null>(null);

  const find = (): void => {
    setAddressError(undefined);
    setChosen(null);
    let query = `?timeoutMs=${LAN_TIMEOUT_MS}`;
    let where = 'your network';
    if (address.trim() !== '') {
      const target = parseHostPort(address);
      if ('error' in target) return setAddressError(target.error);
      query = `?host=${encodeURIComponent(target.host)}${target.port === undefined ? '' : `&port=${target.port}`}`;
      query += `&timeoutMs=${ONE_ADDRESS_TIMEOUT_MS}`;
      where = address.trim();
    }
    setSearch({ kind: 'running', where });
    getJson<DiscoveryResponse>(`/discovery${query}`, 'Looking for cameras')
      .then((response) => setSearch({ kind: 'done', response, where }))
      .catch((err: unknown) =>
        setSearch({ kind: 'failed', message: err instanceof ApiError ? err.message : String(err) }),
      );
  };

  const running = search.kind === 'running';
  return (
    <div data-testid="discovery-step">
      <p>
        Cameras that speak ONVIF (most do) answer when asked who is on the network. Make sure the camera is plugged in
        and on the same network as this computer.
      </p>
      <div className="fields">
        <FormField
          label="Only this address (optional)"
          name="discoveryAddress"
          value={address}
          onChange={setAddress}
          error={addressError}
          placeholder="e.g. 192.168.1.20"
          hint="For a camera on another network, which a search of this one does not reach."
        />
      </div>
      <div className="row-actions">
        <button type="button" className="primary" onClick={find} disabled={running}>
          {address.trim() === '' ? 'Find cameras on my network' : 'Look at this address'}
        </button>
        {running && <Spinner label={`Looking for cameras on ${search.where}…`} />}
      </div>
      {search.kind === 'failed' && (
        <p className="error" role="alert">
          {search.message}
        </p>
      )}
      {search.kind === 'done' && search.response.cameras.length === 0 && (
        <div className="notice" role="status" data-testid="discovery-none">
          <p>
            <strong>No camera answered</strong> on {search.where}. Cameras without ONVIF, or with ONVIF switched off in
            their settings, stay silent.
          </p>
          <div className="row-actions">
            <button type="button" onClick={() => props.onUseBrand(address.trim(), null)}>
              Choose the camera’s brand
            </button>
            <button type="button" onClick={props.onTypeByHand}>
              Type the stream address
            </button>
          </div>
        </div>
      )}
      {search.kind === 'done' && search.response.cameras.length > 0 && (
        <table className="found" data-testid="discovery-results">
          <caption>
            {search.response.cameras.length === 1
              ? 'One camera answered:'
              : `${search.response.cameras.length} cameras answered:`}
          </caption>
          <thead>
            <tr>
              <th>Camera</th>
              <th>Model</th>
              <th>Address</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {search.response.cameras.map((c) => (
              <tr key={c.endpoint || c.xaddr} aria-selected={chosen?.xaddr === c.xaddr}>
                <td>{cameraTitle(c)}</td>
                <td>{[c.manufacturer, c.model].filter((x) => x !== null).join(' ') || '–'}</td>
                <td>{c.address}</td>
                <td>
                  <button
                    type="button"
                    className={chosen?.xaddr === c.xaddr ? 'selected' : ''}
                    onClick={() => setChosen(c)}
                  >
                    {chosen?.xaddr === c.xaddr ? 'Chosen' : 'Choose'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {chosen !== null && (
        <StreamAddresses key={chosen.xaddr} camera={chosen} onFilled={props.onFilled} onUseBrand={props.onUseBrand} />
      )}
    </div>
  );
}

type Ask =
  | { kind: 'idle' }
  | { kind: 'running' }
  | { kind: 'done'; response: StreamUrisResponse }
  | { kind: 'failed'; field: 'host' | 'user' | 'password' | 'general'; message: string; detail: string };

/** The picked camera's user and password → its stream addresses. */
function StreamAddresses(props: {
  camera: DiscoveredCamera;
  onFilled(camera: NewCamera, note: string): void;
  onUseBrand(host: string, patternId: string | null): void;
}): JSX.Element {
  const { camera } = props;
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [ask, setAsk] = useState<Ask>({ kind: 'idle' });

  const getAddresses = (): void => {
    setAsk({ kind: 'running' });
    const body: Record<string, string> = { xaddr: camera.xaddr };
    if (user.trim() !== '') body.user = user.trim();
    if (password !== '') body.password = password;
    sendJson<StreamUrisResponse>('POST', '/discovery/stream-uris', body, 'Asking the camera for its streams')
      .then((response) => {
        setAsk({ kind: 'done', response });
        if (response.mainUri === null) return;
        const main = response.profiles.find((p) => p.uri === response.mainUri);
        const sub = response.profiles.find((p) => p.uri === response.subUri);
        const size = (p: typeof main): string =>
          p !== undefined && p.width !== null && p.height !== null ? ` (${p.width}×${p.height})` : '';
        props.onFilled(
          {
            name: camera.name ?? response.model ?? camera.model ?? 'Camera',
            host: camera.address,
            user: user.trim(),
            password,
            mainUrl: response.mainUri,
            subUrl: response.subUri !== null && response.subUri !== response.mainUri ? response.subUri : '',
          },
          `Filled in from the camera’s answer: main stream${size(main)}` +
            (sub !== undefined && response.subUri !== response.mainUri ? `, sub stream${size(sub)}` : '') +
            '.',
        );
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError) {
          const p = onvifProblem(err.info);
          setAsk({ kind: 'failed', field: p.field, message: p.message, detail: p.detail });
        } else setAsk({ kind: 'failed', field: 'general', message: String(err), detail: String(err) });
      });
  };

  const errorFor = (field: 'host' | 'user' | 'password'): string | undefined =>
    ask.kind === 'failed' && ask.field === field ? ask.message : undefined;
  const notOnvif = ask.kind === 'failed' && ask.field === 'host';

  return (
    <div className="panel sub-panel" data-testid="stream-addresses">
      <h3>
        {cameraTitle(camera)} at {camera.address}
      </h3>
      <p className="muted">Its user name and password (often on a sticker on the camera, or set in its app).</p>
      {errorFor('host') !== undefined && (
        <p className="field-error" role="alert" data-error-for="cameraAddress">
          {errorFor('host')}
        </p>
      )}
      <div className="fields">
        <FormField label="User name" name="onvifUser" value={user} onChange={setUser} error={errorFor('user')} />
        <FormField
          label="Password"
          name="onvifPassword"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={setPassword}
          error={errorFor('password')}
        />
      </div>
      <div className="row-actions">
        <button type="button" className="primary" onClick={getAddresses} disabled={ask.kind === 'running'}>
          Get the stream addresses
        </button>
        {ask.kind === 'running' && <Spinner label="Asking the camera…" />}
        {notOnvif && (
          <button type="button" onClick={() => props.onUseBrand(camera.address, camera.brandHint)}>
            Use its brand’s addresses instead
          </button>
        )}
      </div>
      {ask.kind === 'failed' && ask.field === 'general' && (
        <p className="error" role="alert">
          {ask.message}
        </p>
      )}
      {ask.kind === 'failed' && ask.detail !== ask.message && (
        <p className="muted detail">The camera said: {ask.detail}</p>
      )}
      {ask.kind === 'done' && ask.response.mainUri === null && (
        <p className="error" role="alert">
          The camera answered but lists no H.264 stream, which ThinStream records (
          {ask.response.profiles.map((p) => `${p.name}: ${p.encoding ?? 'no video'}`).join(', ') || 'no profiles'}).
          Switch a stream to H.264 in the camera’s settings and try again.
        </p>
      )}
    </div>
  );
}
