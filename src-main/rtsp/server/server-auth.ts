/**
 * The camera's side of RTSP authentication (RFC 2326 §D, RFC 2617): Basic, and Digest with MD5 and
 * `qop=auth` offered (a client that answers without qop, in the RFC 2069 way, is accepted too, as
 * cameras do). Nonces are stateless: a time and an HMAC of it under a key made at start, valid for
 * `nonceLifetimeMs`; an older one gets `stale=true` so the client retries without asking the user.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface CameraCredentials {
  scheme: 'basic' | 'digest';
  user: string;
  password: string;
  /** Default `ThinStream`. */
  realm?: string;
}

export type AuthResult = { ok: true } | { ok: false; challenge: string; reason: string };

export class CameraAuthenticator {
  private readonly credentials: CameraCredentials;
  private readonly realm: string;
  private readonly key = randomBytes(32);
  private readonly nonceLifetimeMs: number;
  private readonly now: () => number;

  constructor(credentials: CameraCredentials, options: { nonceLifetimeMs?: number; now?: () => number } = {}) {
    this.credentials = credentials;
    this.realm = credentials.realm ?? 'ThinStream';
    this.nonceLifetimeMs = options.nonceLifetimeMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Checks a request's Authorization header (undefined when absent) for `method` on `uri`. */
  check(method: string, authorization: string | undefined): AuthResult {
    if (authorization === undefined) return this.refuse('no Authorization header', false);
    const space = authorization.indexOf(' ');
    const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
    const rest = space === -1 ? '' : authorization.slice(space + 1).trim();
    if (scheme !== this.credentials.scheme)
      return this.refuse(`${scheme} credentials where ${this.credentials.scheme} is required`, false);
    return scheme === 'basic' ? this.checkBasic(rest) : this.checkDigest(method, rest);
  }

  /** The WWW-Authenticate value of a 401 (§3.2.1 for Digest). */
  challenge(stale = false): string {
    if (this.credentials.scheme === 'basic') return `Basic realm="${this.realm}"`;
    return `Digest realm="${this.realm}", nonce="${this.makeNonce()}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  private refuse(reason: string, stale: boolean): AuthResult {
    return { ok: false, reason, challenge: this.challenge(stale) };
  }

  private checkBasic(token: string): AuthResult {
    const decoded = Buffer.from(token, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon === -1 ? decoded : decoded.slice(0, colon);
    const password = colon === -1 ? '' : decoded.slice(colon + 1);
    const ok = safeEqual(user, this.credentials.user) && safeEqual(password, this.credentials.password);
    return ok ? { ok: true } : this.refuse(`wrong user or password for ${JSON.stringify(user)}`, false);
  }

  private checkDigest(method: string, text: string): AuthResult {
    const p = parseAuthParams(text);
    const { username, realm, nonce, uri, response } = p;
    if (username === undefined || nonce === undefined || uri === undefined || response === undefined) {
      return this.refuse('Digest credentials without username, nonce, uri or response', false);
    }
    if (realm !== this.realm) return this.refuse(`Digest realm ${JSON.stringify(realm)} is not ours`, false);
    const nonceState = this.checkNonce(nonce);
    if (nonceState === 'invalid') return this.refuse('a nonce we did not issue', false);
    const ha1 = md5(`${this.credentials.user}:${this.realm}:${this.credentials.password}`);
    const ha2 = md5(`${method}:${uri}`);
    let expected: string;
    if (p.qop !== undefined) {
      if (p.qop.toLowerCase() !== 'auth') return this.refuse(`unsupported qop ${JSON.stringify(p.qop)}`, false);
      if (p.nc === undefined || p.cnonce === undefined) return this.refuse('qop=auth without nc or cnonce', false);
      expected = md5(`${ha1}:${nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
    } else {
      expected = md5(`${ha1}:${nonce}:${ha2}`); // RFC 2069 compatibility (§3.2.2.1)
    }
    if (!safeEqual(username, this.credentials.user) || !safeEqual(response.toLowerCase(), expected)) {
      return this.refuse(`wrong user or password for ${JSON.stringify(username)}`, false);
    }
    if (nonceState === 'stale') return this.refuse('the nonce has expired', true);
    return { ok: true };
  }

  private makeNonce(): string {
    const time = this.now().toString(16);
    return `${time}${this.sign(time)}`;
  }

  private checkNonce(nonce: string): 'fresh' | 'stale' | 'invalid' {
    const match = /^([0-9a-f]+)([0-9a-f]{32})$/.exec(nonce);
    if (!match || !safeEqual(match[2]!, this.sign(match[1]!))) return 'invalid';
    const age = this.now() - parseInt(match[1]!, 16);
    return age >= 0 && age <= this.nonceLifetimeMs ? 'fresh' : 'stale';
  }

  private sign(text: string): string {
    return createHmac('sha256', this.key).update(text).digest('hex').slice(0, 32);
  }
}

/** `a="x", b=y, c="with, comma"` → { a: 'x', b: 'y', c: 'with, comma' } (RFC 2617 §1.2 auth-params). */
export function parseAuthParams(text: string): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && m[0] !== '') {
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3];
  }
  return out;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.byteLength === y.byteLength && timingSafeEqual(x, y);
}
