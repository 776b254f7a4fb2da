/**
 * One listening port: HTTPS (or HTTP where the port's ssl is disabled) with the port's limits: connections
 * (the port's `conns` and the overall `maxs.connsIn`, both counted here), idle time, and bandwidth caps.
 * A connection over a limit is answered 503 TOO_MANY_CONNECTIONS and closed.
 */
import type { Socket } from 'node:net';
import { Server as HttpsServer } from 'node:https';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ErrorInfo } from '../../src-shared/errors.js';
import type { ConnectionLimits, ServerContext, PortContext } from './server-context.js';
import { buildHttpApp } from './http-app.js';
import { TokenBucket } from './token-bucket.js';

export interface TlsMaterial {
  key: string | Buffer;
  cert: string | Buffer;
  /** The CA that client certificates must chain to (our own CA). */
  ca?: string | Buffer;
  /** The CA's revocation list: OpenSSL refuses revoked client certificates in the handshake. */
  crl?: string | Buffer;
  /** Ask for a client certificate (`ssl.cert.isRequested`). */
  requestCert: boolean;
  /** Refuse the TLS handshake without a valid one (`ssl.cert.isRequired`). */
  requireCert: boolean;
}

export interface HttpPortOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  tls: TlsMaterial | null;
  /** The port's connection limit (`conns.conns`); 0 = none. */
  maxConnections: number;
  /** The port's caps (`conns.bps`), bits per second; 0 = none. */
  bpsIn: number;
  bpsOut: number;
  limits: ConnectionLimits;
}

/** Counts open connections over every port for `maxs.connsIn`. */
export class ConnectionCounter {
  open = 0;
  constructor(readonly max: number) {}
}

export interface HttpServerHandle {
  readonly port: number;
  readonly tls: boolean;
  /** https://127.0.0.1:<port> (or http://). */
  readonly url: string;
  readonly app: FastifyInstance;
  connections(): number;
  /** New TLS material for new connections (a renewed certificate, a new revocation list). */
  setSecureContext(tls: TlsMaterial): void;
  close(): Promise<void>;
}

export async function startHttpServer(
  ctx: ServerContext,
  options: HttpPortOptions,
  overall: ConnectionCounter,
): Promise<HttpServerHandle> {
  const portContext: PortContext = {
    port: options.port,
    tls: options.tls !== null,
    clientCertRequested: options.tls?.requestCert ?? false,
    limits: options.limits,
    portBpsIn: options.bpsIn > 0 ? new TokenBucket(options.bpsIn) : null,
    portBpsOut: options.bpsOut > 0 ? new TokenBucket(options.bpsOut) : null,
  };
  const idleMs = options.limits.secsIdle > 0 ? options.limits.secsIdle * 1000 : 0;
  const https =
    options.tls === null
      ? null
      : {
          key: options.tls.key,
          cert: options.tls.cert,
          ...(options.tls.ca === undefined ? {} : { ca: options.tls.ca }),
          ...(options.tls.crl === undefined ? {} : { crl: options.tls.crl }),
          requestCert: options.tls.requestCert,
          rejectUnauthorized: options.tls.requireCert,
          minVersion: 'TLSv1.2' as const,
        };
  const overLimit = new WeakSet<Socket>();
  const refuse = (request: FastifyRequest): ErrorInfo | null =>
    overLimit.has(request.raw.socket)
      ? { code: 'TOO_MANY_CONNECTIONS', message: 'The server has as many connections as it allows; try again later.' }
      : null;
  const app = await buildHttpApp(ctx, portContext, refuse, {
    ...(https ? { https } : {}),
    connectionTimeout: idleMs,
    keepAliveTimeout: idleMs > 0 ? Math.min(idleMs, 72_000) : 72_000,
    forceCloseConnections: true,
  });

  let open = 0;
  app.server.on('connection', (socket: Socket) => {
    open++;
    overall.open++;
    if (
      (options.maxConnections > 0 && open > options.maxConnections) ||
      (overall.max > 0 && overall.open > overall.max)
    ) {
      overLimit.add(socket);
    }
    socket.once('close', () => {
      open--;
      overall.open--;
    });
  });
  app.server.on('tlsClientError', (err, socket) => {
    ctx.log(`http: TLS handshake from ${socket.remoteAddress} on port ${actualPort()} failed: ${err.message}`);
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const actualPort = (): number => (typeof address === 'object' && address !== null ? address.port : options.port);
  portContext.port = actualPort();
  const scheme = options.tls ? 'https' : 'http';
  const urlHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  return {
    port: actualPort(),
    tls: options.tls !== null,
    url: `${scheme}://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${actualPort()}`,
    app,
    connections: () => open,
    setSecureContext: (tls) => {
      if (!(app.server instanceof HttpsServer)) return;
      app.server.setSecureContext({
        key: tls.key,
        cert: tls.cert,
        ...(tls.ca === undefined ? {} : { ca: tls.ca }),
        ...(tls.crl === undefined ? {} : { crl: tls.crl }),
      });
    },
    close: () => app.close(),
  };
}
