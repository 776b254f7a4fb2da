/**
 * Sizes and durations as the config file writes them.
 *
 * Sizes are 1024-based, as the original uses them (`1536B`, `64MB`, `10GB`): KB = 1024 B, MB = 1024 KB, …
 * `KiB`/`MiB`/`GiB`/`TiB` and the bare letters `K`/`M`/`G`/`T` mean the same. A plain number is bytes.
 *
 * Durations: `500ms`, `60s`, `5m` (or `5min`), `1h`, `30d`, `1w`, and sums of them (`1h30m`). A plain number is
 * seconds, as in the original's `secs…` settings.
 */
import { ThinStreamError } from '../errors.js';

export type UnitParse = { ok: true; value: number } | { ok: false; reason: string };

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/;
const DURATION_PART_RE = /(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*/gy;

/** Bytes of `10GB`, `1536B`, `64MB`, `2MB` or a number of bytes. */
export function parseSize(value: unknown): UnitParse {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return { ok: false, reason: `a size must be 0 or more bytes` };
    return { ok: true, value: Math.floor(value) };
  }
  if (typeof value !== 'string') return { ok: false, reason: 'a size must be a number of bytes or a text like "10GB"' };
  const match = SIZE_RE.exec(value);
  if (!match) return { ok: false, reason: 'a size is a number and a unit: B, KB, MB, GB or TB (like "10GB")' };
  const unitText = match[2] ?? '';
  const factor = unitText === '' ? 1 : SIZE_UNITS[unitText.toLowerCase()];
  if (factor === undefined)
    return { ok: false, reason: `"${unitText}" is not a size unit; use B, KB, MB, GB or TB (1024-based)` };
  const bytes = Math.floor(Number(match[1]) * factor);
  if (!Number.isSafeInteger(bytes)) return { ok: false, reason: 'the size is too large' };
  return { ok: true, value: bytes };
}

/** Milliseconds of `500ms`, `60s`, `1h`, `30d`, `1h30m`, or a number of seconds. */
export function parseDuration(value: unknown): UnitParse {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return { ok: false, reason: 'a duration must be 0 or more seconds' };
    return { ok: true, value: Math.round(value * 1000) };
  }
  if (typeof value !== 'string')
    return { ok: false, reason: 'a duration must be a number of seconds or a text like "60s" or "1h"' };
  const text = value.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return { ok: true, value: Math.round(Number(text) * 1000) };
  if (text === '') return { ok: false, reason: 'a duration cannot be empty' };
  let totalMs = 0;
  DURATION_PART_RE.lastIndex = 0;
  let end = 0;
  for (let match = DURATION_PART_RE.exec(text); match; match = DURATION_PART_RE.exec(text)) {
    const unit = (match[2] ?? '').toLowerCase();
    const factor = DURATION_UNITS_MS[unit];
    if (factor === undefined)
      return { ok: false, reason: `"${match[2] ?? ''}" is not a duration unit; use ms, s, m, h, d or w` };
    totalMs += Number(match[1]) * factor;
    end = DURATION_PART_RE.lastIndex;
  }
  if (end !== text.length)
    return { ok: false, reason: 'a duration is a number and a unit: ms, s, m, h, d or w (like "60s" or "1h30m")' };
  const ms = Math.round(totalMs);
  if (!Number.isSafeInteger(ms)) return { ok: false, reason: 'the duration is too long' };
  return { ok: true, value: ms };
}

/** Like parseSize, but throws CONFIG_INVALID naming `path` (for code that already validated its config). */
export function sizeToBytes(value: SizeLike, path = 'size'): number {
  const parsed = parseSize(value);
  if (!parsed.ok)
    throw new ThinStreamError('CONFIG_INVALID', `${path}: ${parsed.reason}, got ${show(value)}`, { path });
  return parsed.value;
}

/** Like parseDuration, but throws CONFIG_INVALID naming `path`. */
export function durationToMs(value: SizeLike, path = 'duration'): number {
  const parsed = parseDuration(value);
  if (!parsed.ok)
    throw new ThinStreamError('CONFIG_INVALID', `${path}: ${parsed.reason}, got ${show(value)}`, { path });
  return parsed.value;
}

type SizeLike = number | string;

/** `10GB`, `1.5MB`, `512B`: the largest unit that keeps one decimal at most (1024-based). */
export function formatSize(bytes: number): string {
  const units: Array<[string, number]> = [
    ['TB', 1024 ** 4],
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ];
  for (const [name, factor] of units) {
    if (bytes >= factor) {
      const n = bytes / factor;
      return `${Number.isInteger(n) ? n : Number(n.toFixed(1))}${name}`;
    }
  }
  return `${bytes}B`;
}

/** `1h`, `30d`, `1h30m`, `500ms`: exact, largest units first. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [name, factor] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= factor) {
      parts.push(`${Math.floor(rest / factor)}${name}`);
      rest %= factor;
    }
  }
  return parts.join('');
}

/** A value as a message quotes it: strings in quotes, the rest as JSON, long values cut. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
