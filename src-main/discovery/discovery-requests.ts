/**
 * The discovery routes' inputs (GET /api/v1/discovery, POST /api/v1/discovery/stream-uris and /url-patterns),
 * narrowed from `unknown` with a clear BAD_REQUEST for each wrong field; and the calls they make.
 */
import type {
  DiscoveryResponse,
  StreamUrisRequest,
  StreamUrisResponse,
  UrlPatternCheckRequest,
  UrlPatternCheckResponse,
} from '../../src-shared/api.js';
import { findUrlPattern } from '../../src-shared/camera-url-patterns.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { MAX_DISCOVERY_TIMEOUT_MS, discoverCameras } from './camera-discovery.js';
import { fetchStreamUris } from './onvif-client.js';
import { checkUrlPatterns } from './url-pattern-check.js';

/** A host name or an IPv4/IPv6 address, without scheme, port or path. */
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[?[0-9A-Fa-f:.]+\]?)$/;

function bad(message: string): ThinStreamError {
  return new ThinStreamError('BAD_REQUEST', message);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`${what} must be an object.`);
  return value as Record<string, unknown>;
}

function optionalString(o: Record<string, unknown>, name: string, maxLength: number): string | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`Field "${name}" must be a string.`);
  if (v.length > maxLength) throw bad(`Field "${name}" is longer than ${maxLength} characters.`);
  return v;
}

function host(o: Record<string, unknown>, name: string): string | undefined {
  const v = optionalString(o, name, 253);
  if (v === undefined) return undefined;
  if (!HOST.test(v)) throw bad(`Field "${name}" must be a host name or an IP address, got ${JSON.stringify(v)}.`);
  return v.replace(/^\[|\]$/g, '');
}

/** A number from a JSON body, or from a query string's digits. */
function optionalInt(o: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const raw = o[name];
  if (raw === undefined) return undefined;
  const n = typeof raw === 'string' && /^\d{1,6}$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw bad(`Field "${name}" must be a whole number from ${min} to ${max}.`);
  }
  return n;
}

/** GET /api/v1/discovery?timeoutMs=&host=&port= */
export async function discoveryFromQuery(query: unknown): Promise<DiscoveryResponse> {
  const q = record(query ?? {}, 'The query');
  const timeoutMs = optionalInt(q, 'timeoutMs', 100, MAX_DISCOVERY_TIMEOUT_MS);
  const target = host(q, 'host');
  const port = optionalInt(q, 'port', 1, 65535);
  if (port !== undefined && target === undefined) throw bad('"port" needs "host": it is the port of a unicast probe.');
  return discoverCameras({
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(target === undefined ? {} : { targets: [{ host: target, ...(port === undefined ? {} : { port }) }] }),
  });
}

export function streamUrisRequest(body: unknown): StreamUrisRequest {
  const b = record(body, 'The request body');
  const xaddr = optionalString(b, 'xaddr', 2048);
  if (xaddr === undefined || xaddr.trim() === '') throw bad('Field "xaddr" (the camera\'s ONVIF address) is required.');
  const request: StreamUrisRequest = { xaddr };
  const user = optionalString(b, 'user', 256);
  const password = optionalString(b, 'password', 1024);
  const timeoutMs = optionalInt(b, 'timeoutMs', 500, 30_000);
  if (user !== undefined) request.user = user;
  if (password !== undefined) request.password = password;
  if (timeoutMs !== undefined) request.timeoutMs = timeoutMs;
  return request;
}

/** POST /api/v1/discovery/stream-uris */
export function streamUris(body: unknown): Promise<StreamUrisResponse> {
  return fetchStreamUris(streamUrisRequest(body));
}

export function urlPatternCheckRequest(body: unknown): UrlPatternCheckRequest {
  const b = record(body, 'The request body');
  const target = host(b, 'host');
  if (target === undefined) throw bad('Field "host" is required.');
  const request: UrlPatternCheckRequest = { host: target };
  const port = optionalInt(b, 'port', 1, 65535);
  const user = optionalString(b, 'user', 256);
  const password = optionalString(b, 'password', 1024);
  const channel = optionalInt(b, 'channel', 1, 64);
  const timeoutMs = optionalInt(b, 'timeoutMs', 500, 60_000);
  const patterns = b['patterns'];
  if (patterns !== undefined) {
    if (!Array.isArray(patterns) || patterns.length === 0 || patterns.length > 32) {
      throw bad('Field "patterns" must be a list of 1 to 32 pattern ids.');
    }
    for (const id of patterns) {
      if (typeof id !== 'string' || findUrlPattern(id) === undefined) {
        throw bad(`Field "patterns": no URL pattern ${JSON.stringify(id)}.`);
      }
    }
    request.patterns = patterns as string[];
  }
  if (port !== undefined) request.port = port;
  if (user !== undefined) request.user = user;
  if (password !== undefined) request.password = password;
  if (channel !== undefined) request.channel = channel;
  if (timeoutMs !== undefined) request.timeoutMs = timeoutMs;
  return request;
}

/** POST /api/v1/discovery/url-patterns */
export async function urlPatterns(body: unknown): Promise<UrlPatternCheckResponse> {
  const request = urlPatternCheckRequest(body);
  return { host: request.host, checks: await checkUrlPatterns(request) };
}
