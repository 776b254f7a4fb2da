/**
 * Writing a config file atomically: validate, write a temp file beside it, fsync, rename over the old one, fsync
 * the folder. A crash leaves the old file or the new one, never half of one. Unknown keys are kept (they are in
 * the object), and keys come out in the order the existing file had them, so a hand-written file stays readable
 * after the app saves it; new keys go after the old ones.
 */
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type { ThinStreamConfig } from '../../src-shared/config/config-types.js';
import { isJsonObject } from '../../src-shared/config/config-checker.js';
import { ConfigInvalidError, validateConfig } from '../../src-shared/config/validate-config.js';
import { parseConfigText } from './load-config.js';

export interface SaveOptions {
  /** Skip validation (the caller validated already, or writes a draft). Default false. */
  skipValidation?: boolean;
  /** Mode of a new file (an existing file keeps its mode). Default 0o600: it may hold passwords. */
  mode?: number;
}

export async function saveConfig(path: string, config: ThinStreamConfig, options: SaveOptions = {}): Promise<void> {
  const absolute = resolve(path);
  if (!options.skipValidation) {
    const check = validateConfig(config);
    if (check.config === null) throw new ConfigInvalidError(check.errors, `${absolute} (not saved)`);
  }
  const previous = await readPrevious(absolute);
  const ordered = previous.value === undefined ? config : orderLike(config, previous.value);
  const text = JSON.stringify(ordered, null, previous.indent) + '\n';
  await writeFileAtomic(absolute, text, previous.mode ?? options.mode ?? 0o600);
}

/** Writes `text` to `path` through a temp file in the same folder, fsync'ed, then renamed over `path`. */
export async function writeFileAtomic(path: string, text: string | Uint8Array, mode: number): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(text);
    await handle.chmod(mode);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await syncFolder(dirname(path));
}

/** fsync a folder so a rename in it survives a power cut (POSIX); Windows cannot open folders, and needs not. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readPrevious(path: string): Promise<{ value: unknown; indent: string | number; mode?: number }> {
  let text: string;
  let mode: number | undefined;
  try {
    text = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o777;
  } catch {
    return { value: undefined, indent: 4 };
  }
  let value: unknown;
  try {
    value = parseConfigText(text, path);
  } catch {
    value = undefined;
  }
  return { value, indent: detectIndent(text), mode };
}

/** The indentation of the first indented line (tabs or spaces), 4 spaces when none. */
function detectIndent(text: string): string | number {
  const match = /^([ \t]+)\S/m.exec(text);
  if (!match?.[1]) return 4;
  return match[1].startsWith('\t') ? '\t' : Math.min(match[1].length, 8);
}

/**
 * `next` with its keys in `previous`'s order (recursively): keys both have come in `previous`'s order, keys only
 * `next` has come after them in `next`'s order. List elements are matched by identity (camera uid, version sid,
 * group uid, port) or else by position.
 */
export function orderLike(next: unknown, previous: unknown): unknown {
  if (Array.isArray(next)) {
    const before = Array.isArray(previous) ? previous : [];
    return next.map((item, i) => {
      const id = identity(item);
      const match = id === null ? before[i] : before.find((p) => identity(p) === id);
      return orderLike(item, match);
    });
  }
  if (!isJsonObject(next)) return next;
  const out: Record<string, unknown> = {};
  if (isJsonObject(previous))
    for (const key of Object.keys(previous))
      if (Object.hasOwn(next, key)) setOwn(out, key, orderLike(next[key], previous[key]));
  for (const key of Object.keys(next)) if (!Object.hasOwn(out, key)) setOwn(out, key, orderLike(next[key], undefined));
  return out;
}

/** Sets an own property, even one named `__proto__` (which JSON.parse makes as an own key). */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function identity(item: unknown): string | null {
  if (!isJsonObject(item)) return null;
  const device = item['device'];
  if (isJsonObject(device) && typeof device['uid'] === 'string') return `device:${device['uid']}`;
  for (const key of ['sid', 'uid', 'port'])
    if (typeof item[key] === 'string' || typeof item[key] === 'number') return `${key}:${String(item[key])}`;
  return null;
}
