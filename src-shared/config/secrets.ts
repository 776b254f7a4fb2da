/**
 * Secrets in the config: camera passwords (`device.pass`, a password inside a `uri`), key passwords
 * (`caCert.key.pass`, `ssl.cert.source.key.pass`, the original's `keypass`), and anything under a key named like
 * a secret. They never go to a browser: redactConfig() replaces each with REDACTED, and mergeSecrets() puts the
 * stored value back where the editor returns REDACTED unchanged.
 *
 * In a file saved through the app a secret may be a reference to the key store, `$secret.<id>` (see
 * src-main/config/secret-store.ts); such a value is a secret like any other here.
 *
 * Each secret has a stable key that survives reordering in the editor: cameras are known by `device.uid`,
 * versions by `sid`, groups by `uid`, HTTP ports by `port` (e.g. `cam.cam-door.device.pass`).
 */
import type { ErrorInfo } from '../errors.js';
import { isJsonObject, joinPath } from './config-checker.js';
import { ConfigInvalidError } from './validate-config.js';

/** What a secret reads as outside the core. The editor shows "unchanged" and sends it back as is. */
export const REDACTED = '***REDACTED***';

/** Prefix of a reference to a secret kept in the key store instead of the file. */
export const SECRET_REF_PREFIX = '$secret.';

const SECRET_KEYS = new Set(['pass', 'password', 'keypass', 'passphrase', 'secret', 'salt']);
/** `scheme://user:password@` at the start of a string: the password part is a secret. */
const URL_PASSWORD_RE = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#@:]*:)([^/?#]*)(@)/;

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase());
}

export function isSecretRef(value: string): boolean {
  return value.startsWith(SECRET_REF_PREFIX) && value.length > SECRET_REF_PREFIX.length;
}

/** One place in a config that holds a secret. */
export interface SecretSlot {
  /** JSON path (`server.streamsGrps[0].streams[1].device.pass`). */
  path: string;
  /** Stable identity of the place (`cam.cam-door.device.pass`), also the key-store id of a sealed secret. */
  id: string;
  /** `field`: the whole string is the secret; `url`: the password between `user:` and `@` in a URL (as written). */
  kind: 'field' | 'url';
  value: string;
  /** Replaces the secret in the object walked (for `url`, only the password part, as written). */
  set(next: string): void;
}

/** Every secret in `root`, walking the whole object. Empty strings are not secrets (no password). */
export function secretSlots(root: unknown): SecretSlot[] {
  const slots: SecretSlot[] = [];
  walk(root, '', '', slots);
  return slots;
}

function walk(node: unknown, path: string, id: string, slots: SecretSlot[]): void {
  if (Array.isArray(node)) {
    const key = lastKey(path);
    node.forEach((item, i) => {
      const identity = identityOf(key, item);
      const childId = identity === null ? `${id}.${i}` : identity.global ? identity.id : `${id}.${identity.id}`;
      visit(node, i, joinPath(path, i), childId, slots);
    });
    return;
  }
  if (!isJsonObject(node)) return;
  for (const key of Object.keys(node)) visit(node, key, joinPath(path, key), id === '' ? key : `${id}.${key}`, slots);
}

function visit(
  parent: Record<string, unknown> | unknown[],
  key: string | number,
  path: string,
  id: string,
  slots: SecretSlot[],
): void {
  const value: unknown = Array.isArray(parent) ? parent[key as number] : parent[key as string];
  const write = (next: string): void => {
    if (Array.isArray(parent)) parent[key as number] = next;
    else parent[key as string] = next;
  };
  if (typeof value !== 'string') {
    walk(value, path, id, slots);
    return;
  }
  if (typeof key === 'string' && isSecretKey(key)) {
    if (value !== '') slots.push({ path, id, kind: 'field', value, set: write });
    return;
  }
  const url = URL_PASSWORD_RE.exec(value);
  if (url && url[2] !== undefined && url[2] !== '') {
    const head = url[1] ?? '';
    const tail = value.slice(url[0].length - 1);
    slots.push({ path, id, kind: 'url', value: url[2], set: (next) => write(head + next + tail) });
  }
}

/** Array elements known by a field rather than position. `global` ids are unique in the whole file. */
function identityOf(arrayKey: string, item: unknown): { id: string; global: boolean } | null {
  if (!isJsonObject(item)) return null;
  const device = item['device'];
  if (arrayKey === 'streams' && isJsonObject(device) && typeof device['uid'] === 'string')
    return { id: `cam.${device['uid']}`, global: true };
  if (arrayKey === 'versions' && typeof item['sid'] === 'string') return { id: item['sid'], global: false };
  if (arrayKey === 'streamsGrps' && typeof item['uid'] === 'string') return { id: `grp.${item['uid']}`, global: true };
  if (arrayKey === 'ports' && typeof item['port'] === 'number')
    return { id: `http.port.${item['port']}`, global: true };
  return null;
}

function lastKey(path: string): string {
  const match = /([A-Za-z_$][A-Za-z0-9_$]*)$/.exec(path);
  return match?.[1] ?? '';
}

/** A deep copy of a JSON config (key order kept). */
export function cloneConfig<T>(config: T): T {
  return JSON.parse(JSON.stringify(config)) as T;
}

/** A copy of `config` with every secret replaced by REDACTED: what the API and the editor see. */
export function redactConfig<T>(config: T): T {
  const copy = cloneConfig(config);
  for (const slot of secretSlots(copy)) slot.set(REDACTED);
  return copy;
}

/**
 * A copy of `incoming` (from the editor) where each REDACTED secret is the `stored` one at the same place
 * (matched by stable id, so reordered cameras keep their passwords). A REDACTED with nothing stored behind it
 * (a new camera, or one whose uid changed) is an error naming its path: the user must type the password.
 */
export function mergeSecrets<T>(incoming: T, stored: unknown): T {
  const known = new Map<string, string>();
  for (const slot of secretSlots(stored)) known.set(`${slot.kind}:${slot.id}`, slot.value);
  const copy = cloneConfig(incoming);
  const errors: ErrorInfo[] = [];
  for (const slot of secretSlots(copy)) {
    if (slot.value !== REDACTED) continue;
    const value = known.get(`${slot.kind}:${slot.id}`);
    if (value !== undefined) slot.set(value);
    else
      errors.push({
        code: 'CONFIG_INVALID',
        path: slot.path,
        message: `${lastKey(slot.path) || 'password'} has no stored value to keep (a new camera, or its uid changed); type the password`,
      });
  }
  if (errors.length > 0) throw new ConfigInvalidError(errors, 'the edited config');
  return copy;
}
