/**
 * The users who may sign in, kept in `users.json` in the data folder (mode 0600, written atomically:
 * temp file, fsync, rename). Passwords are stored only as scrypt hashes (password-hash.ts).
 */
import { open, readFile, rename, mkdir, unlink, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ThinStreamError } from '../../../src-shared/errors.js';
import type { UserSummary } from '../../../src-shared/api.js';
import {
  decoyHash,
  hashPassword,
  passwordProblem,
  verifyPassword,
  DEFAULT_SCRYPT,
  type PasswordHash,
} from './password-hash.js';

export type Role = 'admin' | 'viewer';

interface StoredUser extends PasswordHash {
  username: string;
  role: Role;
  createdMs: number;
}

interface UsersFile {
  version: 1;
  users: StoredUser[];
}

export const USERS_FILE_NAME = 'users.json';
const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export function usernameProblem(username: string): string | null {
  return USERNAME_PATTERN.test(username)
    ? null
    : 'a user name is 1 to 64 letters, digits, dots, dashes, underscores or @, starting with a letter or digit';
}

function isRole(value: unknown): value is Role {
  return value === 'admin' || value === 'viewer';
}

function parseUsersFile(text: string, path: string): UsersFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ThinStreamError('CONFIG_INVALID', `The users file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new ThinStreamError('CONFIG_INVALID', `The users file ${path} is damaged: ${what}.`);
  };
  if (typeof raw !== 'object' || raw === null || !('users' in raw) || !Array.isArray(raw.users)) bad('no users list');
  const users: StoredUser[] = [];
  for (const [i, u] of ((raw as { users: unknown[] }).users ?? []).entries()) {
    if (typeof u !== 'object' || u === null) bad(`users[${i}] is not an object`);
    const r = u as Record<string, unknown>;
    const params = r['scrypt'] as Record<string, unknown> | undefined;
    if (
      typeof r['username'] !== 'string' ||
      !isRole(r['role']) ||
      typeof r['salt'] !== 'string' ||
      typeof r['hash'] !== 'string' ||
      typeof params !== 'object' ||
      params === null ||
      typeof params['N'] !== 'number' ||
      typeof params['r'] !== 'number' ||
      typeof params['p'] !== 'number' ||
      typeof params['keyLen'] !== 'number'
    ) {
      bad(`users[${i}] lacks a user name, role or password hash`);
    }
    users.push({
      username: r['username'] as string,
      role: r['role'] as Role,
      createdMs: typeof r['createdMs'] === 'number' ? r['createdMs'] : 0,
      salt: r['salt'] as string,
      hash: r['hash'] as string,
      scrypt: {
        N: params!['N'] as number,
        r: params!['r'] as number,
        p: params!['p'] as number,
        keyLen: params!['keyLen'] as number,
      },
    });
  }
  return { version: 1, users };
}

export class UsersStore {
  private users: StoredUser[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** mtime and size of the file as last read or written, to notice edits by another process (`thinstream user add`). */
  private fileStamp = '';

  private constructor(
    readonly path: string,
    private readonly scryptParams: PasswordHash['scrypt'],
  ) {}

  /** Opens the users file in `dataDir` (an absent file means no users yet). */
  static async open(dataDir: string, options: { scrypt?: PasswordHash['scrypt'] } = {}): Promise<UsersStore> {
    const store = new UsersStore(join(dataDir, USERS_FILE_NAME), options.scrypt ?? DEFAULT_SCRYPT);
    await store.refresh();
    return store;
  }

  /** Reads the file again when another process changed it since we last read or wrote it. */
  async refresh(): Promise<void> {
    await this.writing;
    const stamp = await this.stamp();
    if (stamp === this.fileStamp) return;
    let text: string | null = null;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.users = text === null ? [] : parseUsersFile(text, this.path).users;
    this.fileStamp = stamp;
  }

  private async stamp(): Promise<string> {
    try {
      const s = await stat(this.path);
      return `${s.mtimeMs}:${s.size}:${s.ino}`;
    } catch {
      return 'absent';
    }
  }

  list(): UserSummary[] {
    return this.users.map((u) => ({ username: u.username, role: u.role, createdMs: u.createdMs }));
  }

  get(username: string): UserSummary | null {
    const u = this.users.find((x) => x.username === username);
    return u ? { username: u.username, role: u.role, createdMs: u.createdMs } : null;
  }

  hasAdmin(): boolean {
    return this.users.some((u) => u.role === 'admin');
  }

  /** Adds a user or resets an existing user's password and role. */
  async set(username: string, password: string, role: Role): Promise<{ created: boolean }> {
    const nameProblem = usernameProblem(username);
    if (nameProblem) throw new ThinStreamError('BAD_REQUEST', `User name ${JSON.stringify(username)}: ${nameProblem}.`);
    const problem = passwordProblem(password);
    if (problem) throw new ThinStreamError('BAD_REQUEST', `User ${username}: ${problem}.`);
    const hash = await hashPassword(password, this.scryptParams);
    const existing = this.users.find((u) => u.username === username);
    const user: StoredUser = { username, role, createdMs: existing?.createdMs ?? Date.now(), ...hash };
    this.users = existing ? this.users.map((u) => (u === existing ? user : u)) : [...this.users, user];
    await this.save();
    return { created: existing === undefined };
  }

  async remove(username: string): Promise<void> {
    const user = this.users.find((u) => u.username === username);
    if (!user) throw new ThinStreamError('NOT_FOUND', `There is no user ${JSON.stringify(username)}.`);
    if (user.role === 'admin' && this.users.filter((u) => u.role === 'admin').length === 1) {
      throw new ThinStreamError('FORBIDDEN', `User ${username} is the last admin; make another admin first.`);
    }
    this.users = this.users.filter((u) => u !== user);
    await this.save();
  }

  /** The user when the password is right, else null; takes the same time for an unknown user. */
  async verify(username: string, password: string): Promise<UserSummary | null> {
    await this.refresh().catch(() => {}); // a damaged file keeps the users we had
    const user = this.users.find((u) => u.username === username);
    if (!user) {
      await verifyPassword(password, await decoyHash());
      return null;
    }
    return (await verifyPassword(password, user)) ? this.get(username) : null;
  }

  private save(): Promise<void> {
    const body: UsersFile = { version: 1, users: this.users };
    const text = JSON.stringify(body, null, 2) + '\n';
    const next = this.writing.then(async () => {
      await writeAtomically(this.path, text);
      this.fileStamp = await this.stamp();
    });
    this.writing = next.catch(() => {});
    return next;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(text);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}
