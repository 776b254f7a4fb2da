/**
 * Secrets kept out of the config file. A config saved through the app holds references (`$secret.<id>`, see
 * src-shared/config/secrets.ts) where the user typed passwords; the values live in a SecretStore:
 * FileSecretStore here (a JSON key file readable only by its user, for the headless service), and the Electron
 * shell's safeStorage store (OS key storage) later, behind the same interface.
 *
 *   save:  mergeSecrets(edited, stored) → sealSecrets(config, store) → saveConfig(path, sealed)
 *   load:  loadConfig(path) → revealSecrets(config, store) → resolveConfig(revealed, …)
 */
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { REDACTED, SECRET_REF_PREFIX, cloneConfig, isSecretRef, secretSlots } from '../../src-shared/config/secrets.js';
import { ConfigInvalidError } from '../../src-shared/config/validate-config.js';
import { writeFileAtomic } from './save-config.js';

export interface SecretStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, value: string): Promise<void>;
  delete(id: string): Promise<void>;
  ids(): Promise<string[]>;
}

interface KeyFile {
  version: 1;
  secrets: Record<string, string>;
}

/**
 * A JSON key file (`{ "version": 1, "secrets": { id: value } }`) written atomically with mode 0600 in a folder of
 * mode 0700. A file that others can read is tightened to 0600 when opened. Values are in clear inside it: its
 * protection is the file's permissions (the OS key storage, where there is one, is the Electron shell's store).
 */
export class FileSecretStore implements SecretStore {
  private cache: Record<string, string> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  async get(id: string): Promise<string | undefined> {
    const secrets = await this.load();
    return Object.hasOwn(secrets, id) ? secrets[id] : undefined;
  }

  async set(id: string, value: string): Promise<void> {
    const secrets = await this.load();
    if (secrets[id] === value) return;
    secrets[id] = value;
    await this.persist();
  }

  async delete(id: string): Promise<void> {
    const secrets = await this.load();
    if (!Object.hasOwn(secrets, id)) return;
    delete secrets[id];
    await this.persist();
  }

  async ids(): Promise<string[]> {
    return Object.keys(await this.load());
  }

  private async load(): Promise<Record<string, string>> {
    if (this.cache !== null) return this.cache;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return (this.cache = Object.create(null) as Record<string, string>);
      throw new ThinStreamError('CONFIG_NOT_FOUND', `key file ${this.path} cannot be read: ${String(err)}`, {
        cause: err,
      });
    }
    if (process.platform !== 'win32' && ((await stat(this.path)).mode & 0o077) !== 0) await chmod(this.path, 0o600);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ThinStreamError('CONFIG_INVALID', `key file ${this.path} is not valid JSON; restore it from a backup`, {
        cause: err,
      });
    }
    const secrets = Object.create(null) as Record<string, string>;
    const body = typeof parsed === 'object' && parsed !== null ? (parsed as Partial<KeyFile>).secrets : undefined;
    if (typeof body !== 'object' || body === null)
      throw new ThinStreamError('CONFIG_INVALID', `key file ${this.path} has no "secrets" object`);
    for (const [id, value] of Object.entries(body)) if (typeof value === 'string') secrets[id] = value;
    return (this.cache = secrets);
  }

  private async persist(): Promise<void> {
    const snapshot: KeyFile = { version: 1, secrets: { ...this.cache } };
    // Writes are queued so two quick changes never race on the temp file's rename order.
    // A failed write must not wedge the queue: the next write starts afresh.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        await writeFileAtomic(this.path, JSON.stringify(snapshot, null, 2) + '\n', 0o600);
      });
    await this.writing;
  }
}

/** The reference a sealed secret leaves in the file. */
export function secretRef(id: string): string {
  return SECRET_REF_PREFIX + id;
}

/**
 * A copy of `config` where every clear secret is moved into `store` and replaced by its reference. A REDACTED value
 * is refused (merge it with mergeSecrets first). With `prune`, key-store entries no slot refers to any more (a
 * removed camera's password) are deleted.
 */
export async function sealSecrets<T>(config: T, store: SecretStore, options: { prune?: boolean } = {}): Promise<T> {
  const copy = cloneConfig(config);
  const errors: ErrorInfo[] = [];
  const referenced = new Set<string>();
  for (const slot of secretSlots(copy)) {
    if (slot.value === REDACTED) {
      errors.push({
        code: 'CONFIG_INVALID',
        path: slot.path,
        message: `${slot.path} is still REDACTED; merge it first`,
      });
      continue;
    }
    if (isSecretRef(slot.value)) {
      referenced.add(slot.value.slice(SECRET_REF_PREFIX.length));
      continue;
    }
    await store.set(slot.id, slot.value);
    slot.set(secretRef(slot.id));
    referenced.add(slot.id);
  }
  if (errors.length > 0) throw new ConfigInvalidError(errors, 'the config to seal');
  if (options.prune) for (const id of await store.ids()) if (!referenced.has(id)) await store.delete(id);
  return copy;
}

/** A copy of `config` with every reference replaced by its value from `store`; a missing one is an error by path. */
export async function revealSecrets<T>(config: T, store: SecretStore): Promise<T> {
  const copy = cloneConfig(config);
  const errors: ErrorInfo[] = [];
  for (const slot of secretSlots(copy)) {
    if (!isSecretRef(slot.value)) continue;
    const value = await store.get(slot.value.slice(SECRET_REF_PREFIX.length));
    if (value === undefined)
      errors.push({
        code: 'CONFIG_INVALID',
        path: slot.path,
        message: `${slot.path} refers to ${slot.value}, which is not in the key store; type the password again`,
      });
    else slot.set(value);
  }
  if (errors.length > 0) throw new ConfigInvalidError(errors, 'the config’s secrets');
  return copy;
}
