/**
 * Password hashes: scrypt (RFC 7914) with a per-user random salt; compared in constant time.
 * Parameters are stored with each hash so they can be raised later without breaking old users.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface PasswordHash {
  /** scrypt cost parameters (N, r, p) and key length in bytes. */
  scrypt: { N: number; r: number; p: number; keyLen: number };
  salt: string; // base64
  hash: string; // base64
}

/** N = 2^15 with r = 8 takes about 32 MB and ~60-100 ms per hash on a small machine: slow for a guesser. */
export const DEFAULT_SCRYPT = { N: 32768, r: 8, p: 1, keyLen: 32 } as const;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;

function derive(password: string, salt: Buffer, params: PasswordHash['scrypt']): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, params.keyLen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(
  password: string,
  params: PasswordHash['scrypt'] = DEFAULT_SCRYPT,
): Promise<PasswordHash> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params);
  return { scrypt: { ...params }, salt: salt.toString('base64'), hash: key.toString('base64') };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const expected = Buffer.from(stored.hash, 'base64');
  const key = await derive(password, Buffer.from(stored.salt, 'base64'), stored.scrypt);
  return key.byteLength === expected.byteLength && timingSafeEqual(key, expected);
}

/** A hash nobody's password matches: verifying against it keeps the time of a wrong user name like a wrong password. */
let decoy: Promise<PasswordHash> | null = null;
export function decoyHash(): Promise<PasswordHash> {
  decoy ??= hashPassword(randomBytes(24).toString('base64'));
  return decoy;
}

/** null when acceptable, else the reason in a user's words. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `the password must have at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `the password must have at most ${PASSWORD_MAX_LENGTH} characters`;
  return null;
}
