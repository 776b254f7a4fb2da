/**
 * The small toolkit validate-config.ts is written in: it walks `unknown` JSON, narrows each value, and collects
 * every problem (never stops at the first) as an ErrorInfo with the value's JSON path, and every key it keeps but
 * ignores as a ConfigWarning. Messages are in a user's words: what the value must be, and what it was.
 */
import type { ErrorInfo } from '../errors.js';
import type { ConfigWarning } from './config-types.js';
import { parseDuration, parseSize, show } from './units.js';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `server.streamsGrps[0].streams[1].device.port`; keys that are not identifiers are written `["a b"]`. */
export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

/** Keys an object may hold: `used` ones we read; `unused` ones the original knows and we keep but ignore. */
export interface KeySpec {
  used: readonly string[];
  unused?: readonly string[];
}

export interface IntRange {
  min: number;
  max: number;
  /** Accept a string of digits (`"554"`), as the original writes some numbers. */
  allowString?: boolean;
}

export class ConfigChecker {
  readonly errors: ErrorInfo[] = [];
  readonly warnings: ConfigWarning[] = [];

  /** Records a problem; `text` continues the sentence that starts with the value's name (`port must be …`). */
  error(path: string, text: string): void {
    this.errors.push({ code: 'CONFIG_INVALID', message: `${pathLabel(path)} ${text}`, path });
  }

  warn(path: string, text: string, kind: ConfigWarning['kind']): void {
    this.warnings.push({ path, message: `${pathLabel(path)} ${text}`, kind });
  }

  /**
   * `obj[key]` as an object, or undefined when absent or null. Reports a wrong type, and keys the spec does not
   * name: a trailing underscore is the original's way to switch a key off; anything else may be a typo.
   */
  object(obj: JsonObject, key: string, path: string, spec: KeySpec): JsonObject | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    const at = joinPath(path, key);
    if (!isJsonObject(value)) {
      this.error(at, `must be an object { … }, got ${show(value)}`);
      return undefined;
    }
    this.keys(value, at, spec);
    return value;
  }

  /** Reports keys of `value` the spec does not name (see object()). */
  keys(value: JsonObject, path: string, spec: KeySpec): void {
    for (const key of Object.keys(value)) {
      if (spec.used.includes(key)) continue;
      const at = joinPath(path, key);
      if (spec.unused?.includes(key)) {
        this.warn(at, 'is a setting of the original that ThinStream keeps but does not use', 'unused');
        this.disabledKeysIn(value[key], at);
      } else if (key.endsWith('_')) {
        this.warn(at, 'is switched off by its trailing underscore; kept and ignored', 'disabled');
      } else {
        const near = nearest(key, [...spec.used, ...(spec.unused ?? [])]);
        const hint = near === null ? '' : ` (did you mean "${near}"?)`;
        this.warn(at, `is not a known setting; kept and ignored${hint}`, 'unknown');
      }
    }
  }

  /** Keys switched off with a trailing underscore anywhere inside a kept-but-unused value, each warned once. */
  private disabledKeysIn(value: unknown, path: string): void {
    if (Array.isArray(value)) value.forEach((item, i) => this.disabledKeysIn(item, joinPath(path, i)));
    if (!isJsonObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const at = joinPath(path, key);
      if (key.endsWith('_')) this.warn(at, 'is switched off by its trailing underscore; kept and ignored', 'disabled');
      else this.disabledKeysIn(child, at);
    }
  }

  /** `obj[key]` as an array, or undefined when absent or null. */
  array(obj: JsonObject, key: string, path: string): unknown[] | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) {
      this.error(joinPath(path, key), `must be a list [ … ], got ${show(value)}`);
      return undefined;
    }
    return value;
  }

  bool(obj: JsonObject, key: string, path: string): boolean | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') {
      this.error(joinPath(path, key), `must be true or false, got ${show(value)}`);
      return undefined;
    }
    return value;
  }

  string(obj: JsonObject, key: string, path: string, options: { nonEmpty?: boolean } = {}): string | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    const at = joinPath(path, key);
    if (typeof value !== 'string') {
      this.error(at, `must be a text in quotes, got ${show(value)}`);
      return undefined;
    }
    if (options.nonEmpty && value.trim() === '') {
      this.error(at, 'must not be empty');
      return undefined;
    }
    return value;
  }

  /** An integer in a range; with `allowString`, `"554"` counts as 554. */
  int(obj: JsonObject, key: string, path: string, range: IntRange): number | undefined {
    return this.intValue(obj[key], joinPath(path, key), range);
  }

  /** An integer in a range at `path` (a list element, say); undefined when absent or null. */
  intValue(value: unknown, path: string, range: IntRange): number | undefined {
    if (value === undefined || value === null) return undefined;
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (range.allowString && typeof value === 'string' && /^\s*\d+\s*$/.test(value)) n = Number(value);
    if (n === undefined || !Number.isInteger(n) || n < range.min || n > range.max) {
      this.error(path, `must be a number from ${range.min} to ${range.max}, got ${show(value)}`);
      return undefined;
    }
    return n;
  }

  /** A non-negative number (seconds, bits per second) that need not be whole. */
  number(obj: JsonObject, key: string, path: string, range: { min: number; max: number }): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < range.min || value > range.max) {
      this.error(joinPath(path, key), `must be a number from ${range.min} to ${range.max}, got ${show(value)}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(obj: JsonObject, key: string, path: string, values: readonly T[]): T | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      const list = values.map((v) => `"${v}"`).join(', ');
      this.error(joinPath(path, key), `must be one of ${list}, got ${show(value)}`);
      return undefined;
    }
    return value as T;
  }

  /** Bytes of a size (`10GB`, `1536B`, a number of bytes), at least `minBytes`. */
  size(obj: JsonObject, key: string, path: string, minBytes = 0): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    const at = joinPath(path, key);
    const parsed = parseSize(value);
    if (!parsed.ok) {
      this.error(at, `${parsed.reason}, got ${show(value)}`);
      return undefined;
    }
    if (parsed.value < minBytes && parsed.value !== 0) {
      this.error(at, `must be at least ${minBytes} bytes (or 0 for none), got ${show(value)}`);
      return undefined;
    }
    return parsed.value;
  }

  /** Milliseconds of a duration (`60s`, `1h`, a number of seconds), from `minMs` (0 always allowed if `zeroOk`). */
  duration(obj: JsonObject, key: string, path: string, minMs: number, zeroOk = false): number | undefined {
    const value = obj[key];
    if (value === undefined || value === null) return undefined;
    const at = joinPath(path, key);
    const parsed = parseDuration(value);
    if (!parsed.ok) {
      this.error(at, `${parsed.reason}, got ${show(value)}`);
      return undefined;
    }
    if (parsed.value < minMs && !(zeroOk && parsed.value === 0)) {
      const zero = zeroOk ? ' (or 0 for none)' : '';
      this.error(at, `must be at least ${minMs} ms${zero}, got ${show(value)}`);
      return undefined;
    }
    return parsed.value;
  }

  /** Each element of `obj[key]` that is an object, with its path; reports elements that are not. */
  objects(obj: JsonObject, key: string, path: string, spec: KeySpec): Array<{ value: JsonObject; path: string }> {
    const list = this.array(obj, key, path);
    if (list === undefined) return [];
    const out: Array<{ value: JsonObject; path: string }> = [];
    list.forEach((item, i) => {
      const at = joinPath(joinPath(path, key), i);
      if (!isJsonObject(item)) {
        this.error(at, `must be an object { … }, got ${show(item)}`);
        return;
      }
      this.keys(item, at, spec);
      out.push({ value: item, path: at });
    });
    return out;
  }
}

/** The last part of a path, as a message names the value: `port`, `streams[1]`, `ports[0]`. */
export function pathLabel(path: string): string {
  const match = /(?:^|\.)([^.[\]]+(?:\[[^\]]*\])*)$|(\[[^\]]*\])$/.exec(path);
  return match?.[1] ?? match?.[2] ?? path;
}

/** The known key closest to a misspelt one (edit distance ≤ 2, ignoring case), or null. */
function nearest(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
