/** Narrowing of JSON bodies and query strings at the API boundary: every wrong field is a clear 400. */
import { ThinStreamError } from '../../src-shared/errors.js';

export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ThinStreamError('BAD_REQUEST', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

export function stringField(body: Record<string, unknown>, name: string, maxLength = 1024): string {
  const value = body[name];
  if (typeof value !== 'string') throw new ThinStreamError('BAD_REQUEST', `Field "${name}" must be a string.`);
  if (value.length > maxLength) {
    throw new ThinStreamError('BAD_REQUEST', `Field "${name}" is longer than ${maxLength} characters.`);
  }
  return value;
}

export function optionalString(body: Record<string, unknown>, name: string, maxLength = 1024): string | undefined {
  return body[name] === undefined ? undefined : stringField(body, name, maxLength);
}

export function roleField(body: Record<string, unknown>): 'admin' | 'viewer' {
  const role = body['role'] ?? 'viewer';
  if (role !== 'admin' && role !== 'viewer') {
    throw new ThinStreamError('BAD_REQUEST', 'Field "role" must be "admin" or "viewer".');
  }
  return role;
}

/** A time in ms since the epoch from a query parameter: digits only, within year 2000..2200. */
export function timeParam(query: unknown, name: string, fallback?: number): number {
  const raw = (query as Record<string, unknown> | undefined)?.[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) {
    throw new ThinStreamError(
      'TIME_RANGE_INVALID',
      `Query parameter "${name}" must be a time in milliseconds since 1970, got ${JSON.stringify(raw ?? null)}.`,
    );
  }
  const ms = Number(raw);
  if (ms < 946684800000 || ms > 7258118400000) {
    throw new ThinStreamError('TIME_RANGE_INVALID', `Query parameter "${name}" (${ms}) is not between 2000 and 2200.`);
  }
  return ms;
}

/** A from/to pair: from before to, at most `maxSpanMs` apart. */
export function timeRange(query: unknown, maxSpanMs: number): { fromMs: number; toMs: number } {
  const fromMs = timeParam(query, 'from');
  const toMs = timeParam(query, 'to');
  if (toMs <= fromMs)
    throw new ThinStreamError('TIME_RANGE_INVALID', `"to" (${toMs}) must be after "from" (${fromMs}).`);
  if (toMs - fromMs > maxSpanMs) {
    throw new ThinStreamError(
      'TIME_RANGE_INVALID',
      `The range from ${fromMs} to ${toMs} is longer than the ${Math.round(maxSpanMs / 3600_000)} h allowed.`,
    );
  }
  return { fromMs, toMs };
}
