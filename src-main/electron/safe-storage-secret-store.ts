/**
 * Camera and key passwords in the OS key storage (Electron's `safeStorage`: Keychain on macOS, DPAPI on Windows,
 * libsecret or KWallet on Linux), behind the config's SecretStore interface. The encrypted values sit in a JSON
 * file (`secrets.safe.json`, mode 0600) that is useless without the user's OS login. Where the OS offers no key
 * storage (Linux with no keyring, where Electron falls back to a fixed key: `basic_text`), the app uses the
 * headless service's FileSecretStore instead (a 0600 key file), which is no weaker than that fixed key.
 *
 * Secrets the headless service stored in the key file are still read (a user who ran `thinstream` first keeps
 * their cameras) and move into the OS storage when next written.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ThinStreamError } from '../../src-shared/errors.js';
import { writeFileAtomic } from '../config/save-config.js';
import { FileSecretStore, type SecretStore } from '../config/secret-store.js';

/** The part of Electron's `safeStorage` the store uses (so it is built and tested without Electron). */
export interface OsKeyStorage {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which backend Electron picked. */
  getSelectedStorageBackend?(): string;
}

export const SAFE_SECRETS_FILENAME = 'secrets.safe.json';
/** The headless service's key file (the runtime's default store), in the same data folder. */
export const KEY_FILE_FILENAME = 'secrets.json';

interface SafeSecretsFile {
  version: 1;
  /** id → base64 of safeStorage.encryptString(value). */
  encrypted: Record<string, string>;
}

/** True when `storage` protects secrets with the user's OS login (not Linux's fixed-key fallback). */
export function osKeyStorageUsable(
  storage: OsKeyStorage | null,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (storage === null || !storage.isEncryptionAvailable()) return false;
  if (platform !== 'linux' || storage.getSelectedStorageBackend === undefined) return true;
  const backend = storage.getSelectedStorageBackend();
  return backend !== 'basic_text' && backend !== 'unknown';
}

export class SafeStorageSecretStore implements SecretStore {
  private cache: Record<string, string> | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly storage: OsKeyStorage,
    /** Secrets written before by the headless service (read, then moved here on write). */
    private readonly legacy: SecretStore | null = null,
  ) {}

  async get(id: string): Promise<string | undefined> {
    const encrypted = await this.load();
    if (Object.hasOwn(encrypted, id)) return this.decrypt(id, encrypted[id] ?? '');
    return this.legacy === null ? undefined : this.legacy.get(id);
  }

  async set(id: string, value: string): Promise<void> {
    const encrypted = await this.load();
    const current = Object.hasOwn(encrypted, id) ? this.decrypt(id, encrypted[id] ?? '') : undefined;
    if (current !== value) {
      encrypted[id] = this.storage.encryptString(value).toString('base64');
      await this.persist();
    }
    if (this.legacy !== null) await this.legacy.delete(id);
  }

  async delete(id: string): Promise<void> {
    const encrypted = await this.load();
    if (Object.hasOwn(encrypted, id)) {
      delete encrypted[id];
      await this.persist();
    }
    if (this.legacy !== null) await this.legacy.delete(id);
  }

  async ids(): Promise<string[]> {
    const own = Object.keys(await this.load());
    const older = this.legacy === null ? [] : await this.legacy.ids();
    return [...new Set([...own, ...older])];
  }

  private decrypt(id: string, base64: string): string {
    try {
      return this.storage.decryptString(Buffer.from(base64, 'base64'));
    } catch (err) {
      throw new ThinStreamError(
        'CONFIG_INVALID',
        `secret ${id} in ${this.path} cannot be decrypted with this user's OS key storage (was it copied from another account or machine?); type the password again`,
        { cause: err },
      );
    }
  }

  private async load(): Promise<Record<string, string>> {
    if (this.cache !== null) return this.cache;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        return (this.cache = Object.create(null) as Record<string, string>);
      throw new ThinStreamError('CONFIG_NOT_FOUND', `key store ${this.path} cannot be read: ${String(err)}`, {
        cause: err,
      });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ThinStreamError(
        'CONFIG_INVALID',
        `key store ${this.path} is not valid JSON; restore it from a backup`,
        {
          cause: err,
        },
      );
    }
    const body = typeof parsed === 'object' && parsed !== null ? (parsed as Partial<SafeSecretsFile>).encrypted : null;
    if (typeof body !== 'object' || body === null)
      throw new ThinStreamError('CONFIG_INVALID', `key store ${this.path} has no "encrypted" object`);
    const encrypted = Object.create(null) as Record<string, string>;
    for (const [id, value] of Object.entries(body)) if (typeof value === 'string') encrypted[id] = value;
    return (this.cache = encrypted);
  }

  private async persist(): Promise<void> {
    const snapshot: SafeSecretsFile = { version: 1, encrypted: { ...this.cache } };
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
        await writeFileAtomic(this.path, JSON.stringify(snapshot, null, 2) + '\n', 0o600);
      });
    await this.writing;
  }
}

/**
 * The desktop app's secret store for a data folder: the OS key storage where it is usable, else the key file.
 * `kind` says which, for the log line.
 */
export function openDesktopSecretStore(
  dataDir: string,
  storage: OsKeyStorage | null,
  platform: NodeJS.Platform = process.platform,
): { store: SecretStore; kind: 'os-key-storage' | 'key-file' } {
  const keyFile = new FileSecretStore(join(dataDir, KEY_FILE_FILENAME));
  if (storage === null || !osKeyStorageUsable(storage, platform)) return { store: keyFile, kind: 'key-file' };
  return {
    store: new SafeStorageSecretStore(join(dataDir, SAFE_SECRETS_FILENAME), storage, keyFile),
    kind: 'os-key-storage',
  };
}
