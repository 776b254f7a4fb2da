/**
 * HTTP Digest authentication (RFC 2617 §3, RFC 7616 for SHA-256) as cameras use it on RTSP. Pure:
 * hashing only, no I/O. The cnonce source is injectable so tests can reproduce the RFC's example.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AuthChallenge } from './auth-challenge-header.js';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** The qop we will answer with: `auth` when offered, else `auth-int`, else null (RFC 2069 style). */
  qop: 'auth' | 'auth-int' | null;
  /** The server says the nonce expired, not the password (§3.2.1): retry with the new nonce. */
  stale: boolean;
}

/** Reads a Digest challenge; null when it is not Digest or uses an algorithm we do not speak. */
export function readDigestChallenge(challenge: AuthChallenge): DigestChallenge | null {
  if (challenge.scheme !== 'digest') return null;
  const p = challenge.params;
  if (p['nonce'] === undefined) return null;
  const algorithmText = (p['algorithm'] ?? 'MD5').toUpperCase();
  const algorithm = (['MD5', 'MD5-SESS', 'SHA-256', 'SHA-256-SESS'] as const).find((a) => a === algorithmText);
  if (algorithm === undefined) return null;
  const offered = (p['qop'] ?? '')
    .split(',')
    .map((q) => q.trim().toLowerCase())
    .filter((q) => q !== '');
  const qop = offered.includes('auth') ? 'auth' : offered.includes('auth-int') ? 'auth-int' : null;
  const result: DigestChallenge = {
    realm: p['realm'] ?? '',
    nonce: p['nonce'],
    algorithm: algorithm === 'MD5-SESS' ? 'MD5-sess' : algorithm === 'SHA-256-SESS' ? 'SHA-256-sess' : algorithm,
    qop,
    stale: (p['stale'] ?? '').toLowerCase() === 'true',
  };
  if (p['opaque'] !== undefined) result.opaque = p['opaque'];
  return result;
}

export interface DigestInput {
  challenge: DigestChallenge;
  user: string;
  password: string;
  method: string;
  /** The Request-URI exactly as in the request line. */
  uri: string;
  /** Nonce count, 1 for the first request with this nonce (§3.2.2). */
  nc: number;
  cnonce: string;
  body?: Uint8Array;
}

/** The `response` value of §3.2.2.1. */
export function digestResponse(input: DigestInput): string {
  const { challenge: c } = input;
  const hash = c.algorithm.startsWith('SHA-256') ? sha256 : md5;
  let ha1 = hash(`${input.user}:${c.realm}:${input.password}`);
  if (c.algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${c.nonce}:${input.cnonce}`);
  const ha2 =
    c.qop === 'auth-int'
      ? hash(`${input.method}:${input.uri}:${hash(input.body ?? new Uint8Array(0))}`)
      : hash(`${input.method}:${input.uri}`);
  if (c.qop === null) return hash(`${ha1}:${c.nonce}:${ha2}`);
  return hash(`${ha1}:${c.nonce}:${formatNc(input.nc)}:${input.cnonce}:${c.qop}:${ha2}`);
}

/** The whole `Authorization: Digest …` value. */
export function digestAuthorization(input: DigestInput): string {
  const c = input.challenge;
  const parts = [
    `username="${quote(input.user)}"`,
    `realm="${quote(c.realm)}"`,
    `nonce="${quote(c.nonce)}"`,
    `uri="${quote(input.uri)}"`,
    `response="${digestResponse(input)}"`,
  ];
  // Some cameras reject an algorithm parameter they did not send; send it only when it is not the default.
  if (c.algorithm !== 'MD5') parts.push(`algorithm=${c.algorithm}`);
  if (c.opaque !== undefined) parts.push(`opaque="${quote(c.opaque)}"`);
  if (c.qop !== null) parts.push(`qop=${c.qop}`, `nc=${formatNc(input.nc)}`, `cnonce="${quote(input.cnonce)}"`);
  return `Digest ${parts.join(', ')}`;
}

export function newCnonce(): string {
  return randomBytes(8).toString('hex');
}

function formatNc(nc: number): string {
  return (nc >>> 0).toString(16).padStart(8, '0');
}

function quote(text: string): string {
  return text.replace(/(["\\])/g, '\\$1');
}

function md5(text: string | Uint8Array): string {
  return createHash('md5').update(text).digest('hex');
}

function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
