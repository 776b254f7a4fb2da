/**
 * Tries the brands' RTSP addresses (src-shared/camera-url-patterns.ts) against one host with an RTSP DESCRIBE
 * each (RFC 2326 §10.2), on the client's own connection code, and says which answered what. One attempt at a
 * time, bounded in time; after the camera refuses the credentials once, no more attempts with them are made
 * (cameras lock an address out after a few wrong logins), and a port that cannot be reached is not tried again.
 */
import type { UrlPatternCheck, UrlPatternCheckRequest, UrlPatternOutcome } from '../../src-shared/api.js';
import { CAMERA_URL_PATTERNS, findUrlPattern, patternUrls } from '../../src-shared/camera-url-patterns.js';
import type { CameraUrlPattern } from '../../src-shared/camera-url-patterns.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { RtspAuthenticator } from '../rtsp/rtsp-auth.js';
import { RtspConnection } from '../rtsp/rtsp-connection.js';
import { RtspStatusError } from '../rtsp/rtsp-error.js';
import { parseRtspUrl } from '../rtsp/rtsp-url.js';

export const DEFAULT_PATTERN_CHECK_TIMEOUT_MS = 15_000;
const PER_ATTEMPT_TIMEOUT_MS = 3000;

export interface UrlPatternCheckOptions extends UrlPatternCheckRequest {
  signal?: AbortSignal;
  userAgent?: string;
}

export async function checkUrlPatterns(o: UrlPatternCheckOptions): Promise<UrlPatternCheck[]> {
  const patterns: CameraUrlPattern[] = [];
  for (const id of o.patterns ?? CAMERA_URL_PATTERNS.map((p) => p.id)) {
    const pattern = findUrlPattern(id);
    if (pattern === undefined) throw new ThinStreamError('BAD_REQUEST', `no URL pattern ${JSON.stringify(id)}`);
    patterns.push(pattern);
  }
  const deadlineMs = Date.now() + (o.timeoutMs ?? DEFAULT_PATTERN_CHECK_TIMEOUT_MS);
  const credentials = o.user !== undefined && o.user !== '';
  const deadPorts = new Set<number>();
  let refused = false;
  const checks: UrlPatternCheck[] = [];
  for (const pattern of patterns) {
    const urls = patternUrls(pattern, o.host, o.channel ?? 1, o.port);
    for (const [stream, url] of [
      ['main', urls.main],
      ['sub', urls.sub],
    ] as const) {
      if (url === null) continue;
      const port = parseRtspUrl(url).port;
      const base = { patternId: pattern.id, stream, url };
      const remainingMs = deadlineMs - Date.now();
      if (refused || deadPorts.has(port) || remainingMs <= 0 || o.signal?.aborted) {
        const why = refused
          ? 'not tried: the camera already refused these credentials once'
          : deadPorts.has(port)
            ? `not tried: port ${port} did not answer`
            : 'not tried: out of time';
        checks.push({ ...base, outcome: 'skipped', status: null, message: why });
        continue;
      }
      const check = await describeOnce(url, o, Math.min(remainingMs, PER_ATTEMPT_TIMEOUT_MS));
      checks.push({ ...base, ...check });
      if (check.outcome === 'auth-refused' && credentials) refused = true;
      if (check.outcome === 'unreachable' || check.outcome === 'timeout') deadPorts.add(port);
    }
  }
  return checks;
}

async function describeOnce(
  url: string,
  o: UrlPatternCheckOptions,
  timeoutMs: number,
): Promise<{ outcome: UrlPatternOutcome; status: number | null; message: string }> {
  const parsed = parseRtspUrl(url);
  const auth = new RtspAuthenticator(o.user === '' ? undefined : o.user, o.password);
  let conn: RtspConnection | null = null;
  try {
    conn = await RtspConnection.open({
      url: parsed,
      label: 'url-pattern',
      connectTimeoutMs: timeoutMs,
      requestTimeoutMs: timeoutMs,
      authenticator: auth,
      ...(o.userAgent === undefined ? {} : { userAgent: o.userAgent }),
      onInterleaved: () => undefined,
      onClosed: () => undefined,
      onQuirk: () => undefined,
    });
    const response = await conn.request('DESCRIBE', parsed.href, [['Accept', 'application/sdp']]);
    const sdp = new TextDecoder().decode(response.body);
    const video = /^m=video /m.test(sdp);
    return {
      outcome: 'ok',
      status: response.status,
      message: video ? 'the camera describes a video stream here' : 'answered, but the description has no video',
    };
  } catch (err) {
    return classify(err, auth.hasCredentials);
  } finally {
    conn?.close();
  }
}

function classify(
  err: unknown,
  hadCredentials: boolean,
): { outcome: UrlPatternOutcome; status: number | null; message: string } {
  if (err instanceof RtspStatusError) {
    const status = err.status;
    if (err.code === 'RTSP_AUTH_REFUSED') {
      const asked = !hadCredentials && status === 401;
      return { outcome: asked ? 'needs-credentials' : 'auth-refused', status, message: err.message };
    }
    if (status === 404) return { outcome: 'not-found', status, message: err.message };
    return { outcome: 'other-status', status, message: err.message };
  }
  if (err instanceof ThinStreamError) {
    if (err.code === 'RTSP_TIMEOUT') return { outcome: 'timeout', status: null, message: err.message };
    if (err.code === 'RTSP_CONNECT_FAILED' || err.code === 'TLS_FAILED') {
      return { outcome: 'unreachable', status: null, message: err.message };
    }
    return { outcome: 'other-status', status: null, message: err.message };
  }
  return { outcome: 'other-status', status: null, message: String(err) };
}
