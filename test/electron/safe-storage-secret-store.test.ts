/**
 * Secrets in the OS key storage (safe-storage-secret-store.ts). Electron's safeStorage cannot run here (no
 * Electron binary, no keyring), so a stand-in with the same three calls encrypts with AES-256-GCM under a key
 * only this test holds, as the OS store would under the user's login. What is proven: the config and the store
 * file never hold a password in clear, a secret round-trips, the headless key file is read and emptied as
 * secrets move, a foreign value gives a clear error, and where the OS store is unusable the key file is used.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, demoCameraEntry } from '../../src-main/config/default-config.js';
import { loadConfig } from '../../src-main/config/load-config.js';
import { saveConfig } from '../../src-main/config/save-config.js';
import { FileSecretStore, revealSecrets, sealSecrets } from '../../src-main/config/secret-store.js';
import type { OsKeyStorage } from '../../src-main/electron/safe-storage-secret-store.js';
import {
  KEY_FILE_FILENAME,
  SAFE_SECRETS_FILENAME,
  SafeStorageSecretStore,
  openDesktopSecretStore,
  osKeyStorageUsable,
} from '../../src-main/electron/safe-storage-secret-store.js';

/** AES-256-GCM under a per-instance key: what the OS key storage does for safeStorage, minus the OS. */
function aesKeyStorage(backend = 'gnome_libsecret'): OsKeyStorage {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => backend,
    encryptString(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted) {
      const decipher = createDecipheriv('aes-256-gcm', key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-safe-store-'));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('a config saved through the OS key store holds no password in clear, on disk or in the store file', () =>
  withDir(async (dir) => {
    const config = defaultConfig({ dataDir: dir, httpsPort: 0 });
    const camera = demoCameraEntry('rtsp://127.0.0.1:8554/demo');
    camera.device!.user = 'admin';
    camera.device!.pass = 'door-camera-pa55word';
    config.server!.streamsGrps![0]!.streams!.push(camera);
    const caPass = config.context!.caCert!.key!.pass!;
    const store = new SafeStorageSecretStore(join(dir, SAFE_SECRETS_FILENAME), aesKeyStorage());
    const configPath = join(dir, 'thinstream.json');
    await saveConfig(configPath, await sealSecrets(config, store));

    for (const file of [configPath, join(dir, SAFE_SECRETS_FILENAME)]) {
      const text = await readFile(file, 'utf8');
      assert.ok(!text.includes('door-camera-pa55word'), `${file} holds the camera password`);
      assert.ok(!text.includes(caPass), `${file} holds the CA key password`);
    }
    assert.equal((await stat(join(dir, SAFE_SECRETS_FILENAME))).mode & 0o777, 0o600);

    const loaded = await loadConfig(configPath);
    const revealed = await revealSecrets(loaded.config, store);
    assert.equal(revealed.server?.streamsGrps?.[0]?.streams?.[0]?.device?.pass, 'door-camera-pa55word');
    assert.equal(revealed.context?.caCert?.key?.pass, caPass);
  }));

test('secrets the headless key file holds are read, and move into the OS store when written', () =>
  withDir(async (dir) => {
    const keyFile = new FileSecretStore(join(dir, KEY_FILE_FILENAME));
    await keyFile.set('cam.door.device.pass', 'from-headless');
    await keyFile.set('ca.key.pass', 'ca-secret');
    const store = new SafeStorageSecretStore(join(dir, SAFE_SECRETS_FILENAME), aesKeyStorage(), keyFile);
    assert.equal(await store.get('cam.door.device.pass'), 'from-headless');
    assert.deepEqual((await store.ids()).sort(), ['ca.key.pass', 'cam.door.device.pass']);

    await store.set('cam.door.device.pass', 'from-headless');
    assert.equal(await new FileSecretStore(join(dir, KEY_FILE_FILENAME)).get('cam.door.device.pass'), undefined);
    assert.equal(await store.get('cam.door.device.pass'), 'from-headless');
    await store.delete('ca.key.pass');
    assert.deepEqual(await store.ids(), ['cam.door.device.pass']);
    assert.ok(!(await readFile(join(dir, KEY_FILE_FILENAME), 'utf8')).includes('from-headless'));
  }));

test('a value the OS store cannot decrypt (another user’s, another machine’s) is a clear error naming it', () =>
  withDir(async (dir) => {
    const path = join(dir, SAFE_SECRETS_FILENAME);
    await new SafeStorageSecretStore(path, aesKeyStorage()).set('cam.door.device.pass', 'x');
    const elsewhere = new SafeStorageSecretStore(path, aesKeyStorage());
    await assert.rejects(elsewhere.get('cam.door.device.pass'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.match(err.message, /cam\.door\.device\.pass .*cannot be decrypted.*type the password again/);
      return true;
    });
  }));

test('the OS store is used only where it protects with the user’s login; otherwise the 0600 key file', async () => {
  const unavailable: OsKeyStorage = { ...aesKeyStorage(), isEncryptionAvailable: () => false };
  assert.equal(osKeyStorageUsable(aesKeyStorage('gnome_libsecret'), 'linux'), true);
  assert.equal(osKeyStorageUsable(aesKeyStorage('kwallet5'), 'linux'), true);
  assert.equal(osKeyStorageUsable(aesKeyStorage('basic_text'), 'linux'), false, 'a fixed key protects nothing');
  assert.equal(osKeyStorageUsable(aesKeyStorage('unknown'), 'linux'), false);
  assert.equal(osKeyStorageUsable(aesKeyStorage('basic_text'), 'darwin'), true, 'the backend name is Linux-only');
  assert.equal(osKeyStorageUsable(unavailable, 'win32'), false);
  assert.equal(osKeyStorageUsable(null, 'darwin'), false);

  await withDir(async (dir) => {
    const os = openDesktopSecretStore(dir, aesKeyStorage(), 'linux');
    assert.equal(os.kind, 'os-key-storage');
    assert.ok(os.store instanceof SafeStorageSecretStore);
    const fallback = openDesktopSecretStore(dir, aesKeyStorage('basic_text'), 'linux');
    assert.equal(fallback.kind, 'key-file');
    assert.ok(fallback.store instanceof FileSecretStore);
    await fallback.store.set('ca.key.pass', 'p');
    assert.equal((await stat(join(dir, KEY_FILE_FILENAME))).mode & 0o777, 0o600);
  });
});
