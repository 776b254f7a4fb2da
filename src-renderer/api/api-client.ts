/**
 * Typed calls to the core's HTTP API (src-shared/api.ts). Every failure becomes an ApiError carrying the
 * server's ErrorInfo (and, for a rejected config, every problem with its JSON path) so views can show it.
 */
import { API_PREFIX } from '../../src-shared/api.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { isErrorCode } from '../../src-shared/errors.js';

export class ApiError extends Error {
  readonly status: number;
  readonly info: ErrorInfo;
  /** Every problem the server listed (a 400 from PUT /config), each with its `path`. */
  readonly errors: ErrorInfo[];

  constructor(status: number, info: ErrorInfo, errors: ErrorInfo[] = []) {
    super(info.message);
    this.name = 'ApiError';
    this.status = status;
    this.info = info;
    this.errors = errors;
  }
}

function asErrorInfo(value: unknown): ErrorInfo | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (!isErrorCode(v.code) || typeof v.message !== 'string') return null;
  return typeof v.path === 'string'
    ? { code: v.code, message: v.message, path: v.path }
    : { code: v.code, message: v.message };
}

async function errorFrom(response: Response, what: string): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: a proxy page or an empty body. The status says enough.
  }
  const b = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const info = asErrorInfo(b.error) ?? {
    code: response.status === 401 ? 'AUTH_REQUIRED' : response.status === 404 ? 'NOT_FOUND' : 'INTERNAL',
    message: `${what} failed: the server answered ${response.status} ${response.statusText}.`,
  };
  const errors = Array.isArray(b.errors) ? b.errors.map(asErrorInfo).filter((e): e is ErrorInfo => e !== null) : [];
  return new ApiError(response.status, info, errors);
}

/** Redirects to the sign-in page when the session is gone (any 401 outside sign-in itself). */
let onSessionLost: () => void = () => {
  window.location.assign('/signin.html');
};
export function setSessionLostHandler(handler: () => void): void {
  onSessionLost = handler;
}

export async function apiFetch(path: string, init: RequestInit = {}, what = path): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(API_PREFIX + path, { credentials: 'same-origin', ...init });
  } catch (err) {
    throw new ApiError(0, {
      code: 'INTERNAL',
      message: `${what} failed: the server could not be reached (${err instanceof Error ? err.message : String(err)}).`,
    });
  }
  if (!response.ok) {
    const error = await errorFrom(response, what);
    if (response.status === 401 && !path.startsWith('/session') && !path.startsWith('/setup')) onSessionLost();
    throw error;
  }
  return response;
}

/** GET a JSON body. The caller narrows: the shapes come from src-shared/api.ts. */
export async function getJson<T>(path: string, what?: string): Promise<T> {
  const response = await apiFetch(path, { headers: { accept: 'application/json' } }, what);
  return (await response.json()) as T;
}

export async function sendJson<T>(
  method: 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
  what?: string,
): Promise<T> {
  const response = await apiFetch(
    path,
    {
      method,
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { 'content-type': 'application/json', accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    },
    what,
  );
  const text = await response.text();
  return (text.length > 0 ? JSON.parse(text) : null) as T;
}

/** `/streams/<device>/<version>` style path segments, escaped. */
export function streamPath(deviceUid: string, versionSid: string): string {
  return `${encodeURIComponent(deviceUid)}/${encodeURIComponent(versionSid)}`;
}

/** The live HLS playlist of a stream (`/hls/<device>/<version>/index.m3u8`), for browsers with HLS but no MSE. */
export function hlsUrl(deviceUid: string, versionSid: string): string {
  return `/hls/${streamPath(deviceUid, versionSid)}/index.m3u8`;
}

/** ws(s)://host/api/v1/<kind>/<device>/<version>?query on the page's own origin. */
export function socketUrl(kind: 'live' | 'playback', deviceUid: string, versionSid: string, query = ''): string {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${API_PREFIX}/${kind}/${streamPath(deviceUid, versionSid)}${query}`;
}
