/**
 * Who is asking: a session cookie, or on a TLS port that asks for one, a client certificate issued by our CA
 * (verified by TLS against the CA; refused when revoked). Also the cross-origin check for requests that change
 * things and for WebSocket upgrades (a page on another site must not drive the API with the user's cookie).
 */
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { SessionInfo } from '../../src-shared/api.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { SESSION_COOKIE } from './auth/session-store.js';
import type { PortContext, ServerContext } from './server-context.js';

export interface RequestIdentity {
  session: (SessionInfo & { id: string | null }) | null;
  refused: ErrorInfo | null;
}

/** Serial numbers as lowercase hex without leading zeros, however a library printed them. */
export function normalizeSerial(serial: string): string {
  const hex = serial.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
  return hex.replace(/^0+(?=.)/, '');
}

export function identify(ctx: ServerContext, port: PortContext, request: FastifyRequest): RequestIdentity {
  const cookie = request.cookies[SESSION_COOKIE];
  const session = ctx.sessions.get(cookie);
  if (session) return { session: { ...session, id: session.id }, refused: null };
  if (port.tls && port.clientCertRequested) {
    const socket = request.raw.socket as TLSSocket;
    if (typeof socket.getPeerCertificate === 'function' && !socket.authorized) {
      // The handshake's check against our CA and its revocation list (crl) refused the certificate.
      const why = String(socket.authorizationError ?? '');
      if (why === 'CERT_REVOKED') {
        const serial = normalizeSerial(socket.getPeerCertificate()?.serialNumber ?? '');
        return {
          session: null,
          refused: { code: 'CERT_REVOKED', message: `The client certificate ${serial} has been revoked.` },
        };
      }
    }
    if (typeof socket.getPeerCertificate === 'function' && socket.authorized) {
      const cert = socket.getPeerCertificate();
      if (cert && typeof cert.serialNumber === 'string') {
        const serial = normalizeSerial(cert.serialNumber);
        if (ctx.certificates?.isRevoked(serial)) {
          return {
            session: null,
            refused: { code: 'CERT_REVOKED', message: `The client certificate ${serial} has been revoked.` },
          };
        }
        const cn = cert.subject?.CN;
        const name = Array.isArray(cn) ? cn.join(',') : (cn ?? `certificate ${serial}`);
        return { session: { username: name, role: 'viewer', via: 'client-certificate', id: null }, refused: null };
      }
    }
  }
  return { session: null, refused: null };
}

/** True when the request comes from a page of this server (or from no page: curl, a native app). */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || origin === '') return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}
