/**
 * Camera URLs: `rtsp://[user[:password]@]host[:port]/path[?query]` and `rtsps://` (RTSP over TLS).
 * Credentials are taken out of the URL: they go into Authorization headers, never onto the wire in a
 * request line, and never into logs (`redactUrl`).
 */
import { ThinStreamError } from '../../src-shared/errors.js';

export const RTSP_DEFAULT_PORT = 554;
/** RFC 2326 §3.2 leaves rtsps' port to convention; 322 is IANA's rtsps port. */
export const RTSPS_DEFAULT_PORT = 322;

export interface RtspUrl {
  scheme: 'rtsp' | 'rtsps';
  /** Host name or address; IPv6 without brackets. */
  host: string;
  port: number;
  /** The URL without credentials, as it goes into request lines. */
  href: string;
  user?: string;
  password?: string;
}

export function parseRtspUrl(text: string): RtspUrl {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new ThinStreamError(
      'URL_INVALID',
      `${JSON.stringify(redactUrl(trimmed))} is not a URL; expected rtsp://host[:port]/path`,
    );
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'rtsp' && scheme !== 'rtsps') {
    throw new ThinStreamError(
      'URL_INVALID',
      `${JSON.stringify(redactUrl(trimmed))} has scheme ${JSON.stringify(scheme)}; expected rtsp:// or rtsps://`,
    );
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') {
    throw new ThinStreamError(
      'URL_INVALID',
      `${JSON.stringify(redactUrl(trimmed))} has no host; expected ${scheme}://host/path`,
    );
  }
  const port = url.port === '' ? (scheme === 'rtsps' ? RTSPS_DEFAULT_PORT : RTSP_DEFAULT_PORT) : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ThinStreamError(
      'URL_INVALID',
      `${JSON.stringify(redactUrl(trimmed))} has port ${url.port}; expected 1-65535`,
    );
  }
  const result: RtspUrl = { scheme, host, port, href: '' };
  if (url.username !== '') result.user = safeDecode(url.username);
  if (url.password !== '') result.password = safeDecode(url.password);
  url.username = '';
  url.password = '';
  result.href = url.href;
  return result;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The URL with its password replaced by `***`, for messages and logs. Never throws. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@?#]*?:)[^/?#]*@/i, '$1***@');
}

/** `host:port` for messages, with IPv6 in brackets. */
export function hostPort(url: RtspUrl): string {
  return `${url.host.includes(':') ? `[${url.host}]` : url.host}:${url.port}`;
}
