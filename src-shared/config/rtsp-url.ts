/**
 * Camera URLs in the config: `rtsp://[user[:pass]@]host[:port][/path][?query]` and `rtsps://…` (RFC 2326 §3.2),
 * or a bare path (`/media/video1`) that the device's `server`/`port` complete.
 * Pure (src-shared has no URL class in its types): enough of RFC 3986 for what cameras use, IPv6 in brackets.
 */

export interface RtspUrlParts {
  scheme: 'rtsp' | 'rtsps';
  /** Percent-decoded; undefined when the URL has no user info. */
  user: string | undefined;
  password: string | undefined;
  /** Host as written, IPv6 without brackets. */
  host: string;
  port: number | undefined;
  /** Path, query and fragment as written, starting with `/` (empty path → `/`). */
  pathAndQuery: string;
}

export type RtspUrlParse = { ok: true; url: RtspUrlParts } | { ok: false; reason: string };

const SCHEME_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;
const HOST_NAME_RE = /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]*[a-zA-Z0-9_])?$/;
const IPV6_RE = /^[0-9a-fA-F:.]+(%[a-zA-Z0-9._~-]+)?$/;

/** True when the text has a scheme (`xyz://`); a uri without one is a path resolved against the device. */
export function hasScheme(text: string): boolean {
  return SCHEME_RE.test(text);
}

export function parseRtspUrl(text: string): RtspUrlParse {
  const scheme = SCHEME_RE.exec(text);
  if (!scheme) return { ok: false, reason: 'it does not start with rtsp:// or rtsps://' };
  const schemeName = (scheme[1] ?? '').toLowerCase();
  if (schemeName !== 'rtsp' && schemeName !== 'rtsps')
    return { ok: false, reason: `its scheme is "${schemeName}", not rtsp or rtsps` };
  if (/\s/.test(text)) return { ok: false, reason: 'it contains a space (write spaces in a path as %20)' };
  const rest = text.slice(scheme[0].length);
  const authorityEnd = firstIndexOf(rest, ['/', '?', '#']);
  const authority = rest.slice(0, authorityEnd);
  let pathAndQuery = rest.slice(authorityEnd);
  if (pathAndQuery === '' || pathAndQuery.startsWith('?') || pathAndQuery.startsWith('#'))
    pathAndQuery = '/' + pathAndQuery;

  const at = authority.lastIndexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const info = authority.slice(0, at);
    const colon = info.indexOf(':');
    try {
      user = decodeURIComponent(colon >= 0 ? info.slice(0, colon) : info);
      password = colon >= 0 ? decodeURIComponent(info.slice(colon + 1)) : undefined;
    } catch {
      return { ok: false, reason: 'its user or password has a broken %-escape' };
    }
  }
  const hostPort = authority.slice(at + 1);
  const hostAndPort = splitHostPort(hostPort);
  if (!hostAndPort.ok) return hostAndPort;
  return {
    ok: true,
    url: { scheme: schemeName, user, password, host: hostAndPort.host, port: hostAndPort.port, pathAndQuery },
  };
}

/** Checks a host name or address as written in `device.server` (no scheme, no port). */
export function checkHost(host: string): string | null {
  if (host === '') return 'it is empty';
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.includes(':')) return IPV6_RE.test(host) ? null : 'it is not a valid IPv6 address';
  if (!HOST_NAME_RE.test(host)) return 'a host is a name like "cam1.local" or an address like "192.168.1.20"';
  return null;
}

/** Formats a URL back; user info is left out unless `withCredentials`. IPv6 hosts get their brackets. */
export function formatRtspUrl(url: RtspUrlParts, withCredentials = false): string {
  const host = url.host.includes(':') ? `[${url.host}]` : url.host;
  const port = url.port === undefined ? '' : `:${url.port}`;
  let info = '';
  if (withCredentials && url.user !== undefined) {
    info = encodeURIComponent(url.user);
    if (url.password !== undefined) info += ':' + encodeURIComponent(url.password);
    info += '@';
  }
  return `${url.scheme}://${info}${host}${port}${url.pathAndQuery}`;
}

function splitHostPort(
  text: string,
): { ok: true; host: string; port: number | undefined } | { ok: false; reason: string } {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, reason: 'its IPv6 address has no closing "]"' };
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return { ok: false, reason: 'unexpected text after the IPv6 address' };
    portText = after === '' ? undefined : after.slice(1);
    if (!IPV6_RE.test(host)) return { ok: false, reason: 'it is not a valid IPv6 address' };
  } else {
    const colon = text.lastIndexOf(':');
    host = colon >= 0 ? text.slice(0, colon) : text;
    portText = colon >= 0 ? text.slice(colon + 1) : undefined;
    const bad = checkHost(host);
    if (host === '') return { ok: false, reason: 'it has no host' };
    if (bad !== null) return { ok: false, reason: `its host "${host}" is not valid: ${bad}` };
  }
  if (portText === undefined || portText === '') return { ok: true, host, port: undefined };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    return { ok: false, reason: `its port must be a number from 1 to 65535, not "${portText}"` };
  return { ok: true, host, port: Number(portText) };
}

function firstIndexOf(text: string, chars: string[]): number {
  let best = text.length;
  for (const c of chars) {
    const i = text.indexOf(c);
    if (i >= 0 && i < best) best = i;
  }
  return best;
}
