/**
 * Signed-in sessions: a random 256-bit id (the cookie's value) → who and until when. In memory: a restart
 * signs everyone out, which is the safe direction. Idle and absolute expiry; a timer sweeps expired ones.
 */
import { randomBytes } from 'node:crypto';
import { SESSION_COOKIE_NAME, type SessionInfo } from '../../../src-shared/api.js';

export interface Session extends SessionInfo {
  id: string;
  createdMs: number;
  lastSeenMs: number;
}

export interface SessionStoreOptions {
  /** A session unused this long ends. */
  idleMs?: number;
  /** A session ends this long after sign-in whatever its use. */
  absoluteMs?: number;
  now?: () => number;
}

export const SESSION_COOKIE = SESSION_COOKIE_NAME;

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly idleMs: number;
  readonly absoluteMs: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;

  constructor(options: SessionStoreOptions = {}) {
    this.idleMs = options.idleMs ?? 12 * 3600_000;
    this.absoluteMs = options.absoluteMs ?? 7 * 24 * 3600_000;
    this.now = options.now ?? Date.now;
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  create(info: SessionInfo): Session {
    const nowMs = this.now();
    const session: Session = {
      ...info,
      id: randomBytes(32).toString('base64url'),
      createdMs: nowMs,
      lastSeenMs: nowMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for a cookie value, refreshed; null when unknown or expired. */
  get(id: string | undefined): Session | null {
    if (id === undefined || id.length === 0) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    const nowMs = this.now();
    if (nowMs - session.lastSeenMs > this.idleMs || nowMs - session.createdMs > this.absoluteMs) {
      this.sessions.delete(id);
      return null;
    }
    session.lastSeenMs = nowMs;
    return session;
  }

  delete(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of a user (password reset, user removed). */
  deleteUser(username: string): void {
    for (const [id, s] of this.sessions) if (s.username === username) this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const nowMs = this.now();
    for (const [id, s] of this.sessions) {
      if (nowMs - s.lastSeenMs > this.idleMs || nowMs - s.createdMs > this.absoluteMs) this.sessions.delete(id);
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sessions.clear();
  }
}
