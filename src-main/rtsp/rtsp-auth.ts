/**
 * The client's side of RTSP authentication: what to send in Authorization, and what a 401 means.
 * Pure state, no I/O. Digest is preferred over Basic when a camera offers both (Basic sends the
 * password in the clear). After the first challenge every request carries credentials, with the nonce
 * count increasing, so the dialogue costs one extra round trip in all.
 */
import { parseAuthChallenges } from './auth-challenge-header.js';
import { basicAuthorization } from './basic-auth.js';
import { digestAuthorization, newCnonce, readDigestChallenge, type DigestChallenge } from './digest-auth.js';

export type UnauthorizedVerdict =
  /** Credentials (or a fresh nonce) were adopted: send the request again. */
  | 'retry'
  /** The same credentials were refused: the password or user is wrong. */
  | 'refused'
  /** The camera wants credentials and we have none. */
  | 'no-credentials'
  /** No challenge we can answer (no WWW-Authenticate, or an unknown scheme or algorithm). */
  | 'unsupported';

export class RtspAuthenticator {
  private readonly user: string | undefined;
  private readonly password: string | undefined;
  private readonly makeCnonce: () => string;
  private scheme: 'none' | 'basic' | 'digest' = 'none';
  private digest: DigestChallenge | null = null;
  private nc = 0;
  private cnonce = '';
  /** The nonce the last Authorization used, to tell a changed nonce from a refused password. */
  private lastNonceSent: string | null = null;
  /** Tolerances used: `digest-nonce-changed` (new nonce without stale=true). */
  readonly quirks = new Set<string>();

  constructor(user: string | undefined, password: string | undefined, makeCnonce: () => string = newCnonce) {
    this.user = user;
    this.password = password;
    this.makeCnonce = makeCnonce;
  }

  get hasCredentials(): boolean {
    return this.user !== undefined;
  }

  get userName(): string {
    return this.user ?? '';
  }

  /** The Authorization value for a request, or undefined before any challenge. */
  authorization(method: string, uri: string): string | undefined {
    if (this.user === undefined) return undefined;
    const password = this.password ?? '';
    if (this.scheme === 'basic') return basicAuthorization(this.user, password);
    if (this.scheme !== 'digest' || this.digest === null) return undefined;
    this.nc++;
    this.lastNonceSent = this.digest.nonce;
    return digestAuthorization({
      challenge: this.digest,
      user: this.user,
      password,
      method,
      uri,
      nc: this.nc,
      cnonce: this.cnonce,
    });
  }

  /**
   * Reads the challenges of a 401 answer. `sentAuthorization` says whether the refused request carried
   * credentials: a 401 to a request without them is only the camera asking.
   */
  onUnauthorized(wwwAuthenticate: readonly string[], sentAuthorization: boolean): UnauthorizedVerdict {
    const challenges = parseAuthChallenges(wwwAuthenticate);
    let digest: DigestChallenge | null = null;
    for (const c of challenges) {
      digest = readDigestChallenge(c);
      if (digest) break;
    }
    const basic = challenges.some((c) => c.scheme === 'basic');
    if (digest === null && !basic) return 'unsupported';
    if (this.user === undefined) return 'no-credentials';
    if (digest !== null) {
      const nonceChanged = this.lastNonceSent !== null && digest.nonce !== this.lastNonceSent;
      const firstTime = this.scheme !== 'digest' || !sentAuthorization;
      if (!firstTime && !digest.stale && !nonceChanged) return 'refused';
      if (!firstTime && !digest.stale && nonceChanged) this.quirks.add('digest-nonce-changed');
      // A stale or changed nonce is retried once: the caller bounds retries per request.
      this.scheme = 'digest';
      this.digest = digest;
      this.nc = 0;
      this.cnonce = this.makeCnonce();
      return 'retry';
    }
    if (this.scheme === 'basic' && sentAuthorization) return 'refused';
    this.scheme = 'basic';
    return 'retry';
  }
}
