/**
 * One fastify app per listening port: security headers, who-is-asking, the API routes registered by walking
 * API_ROUTES (a route in the table without a handler fails at start), the renderer's files (only the sign-in
 * page and its assets without a session), and one error shape for every failure.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import fastifyRateLimit from '@fastify/rate-limit';
import type { WebSocket } from 'ws';
import { API_ROUTES, PUBLIC_ASSET_PATTERN } from '../../src-shared/api.js';
import type { SessionInfo } from '../../src-shared/api.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { errorOf, sendError } from './api-error.js';
import { identify, sameOrigin } from './request-auth.js';
import { applySecurityHeaders } from './security-headers.js';
import type { PortContext, ServerContext } from './server-context.js';
import { TokenBucket, bucketsFor, throttled } from './token-bucket.js';
import { sessionRoutes } from './routes/session-routes.js';
import { streamRoutes } from './routes/stream-routes.js';
import { hlsRoutes } from './routes/hls-routes.js';
import { liveRoutes } from './routes/live-routes.js';
import { playbackRoutes } from './routes/playback-routes.js';
import { adminRoutes } from './routes/admin-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is signed in on this request (cookie or client certificate), or null. */
    session: (SessionInfo & { id: string | null }) | null;
  }
}

type ApiRoute = (typeof API_ROUTES)[number];
export type ApiRouteKey = ApiRoute extends { method: infer M extends string; path: infer P extends string }
  ? `${M} ${P}`
  : never;

export interface RouteDefinition {
  handler?: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
  /** A WebSocket route: plain HTTP requests to it get a 400 saying so. */
  wsHandler?: (socket: WebSocket, request: FastifyRequest) => void;
  /** Runs before the handler (and before a WebSocket upgrade): throw to refuse with a 4xx. */
  check?: (request: FastifyRequest) => void;
  /** Only admins (viewers get 403). */
  adminOnly?: boolean;
  bodyLimit?: number;
  /** Requests per minute per client address (sign-in, setup). */
  perMinute?: number;
}

export type RouteTable = Partial<Record<ApiRouteKey, RouteDefinition>>;

interface RouteConfig {
  auth: boolean;
  adminOnly: boolean;
}

export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
const SAFE_FILE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export async function buildHttpApp(
  ctx: ServerContext,
  port: PortContext,
  /** Checked first on every request: an answer refuses it (connection limits). */
  refuse: (request: FastifyRequest) => ErrorInfo | null,
  serverOptions: FastifyServerOptions & { https?: object | null },
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: false,
    return503OnClosing: true,
    // No automatic HEAD routes: a HEAD on a live stream would start a viewer whose body is thrown away.
    exposeHeadRoutes: false,
    ...serverOptions,
  }) as unknown as FastifyInstance;
  const log = ctx.log;

  app.decorateRequest('session', null);
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifyWebsocket, {
    options: { maxPayload: 64 * 1024, perMessageDeflate: false },
    errorHandler: (err, socket, request) => {
      log(`http: websocket ${request.url}: ${err.message}`);
      socket.terminate();
    },
  });
  await app.register(fastifyStatic, { root: ctx.rendererDir, serve: false, dotfiles: 'deny', index: false });

  // Security headers on every answer, errors included.
  app.addHook('onSend', async (_request, reply, payload) => {
    applySecurityHeaders(reply, port.tls);
    return payload;
  });

  // Who is asking, and may they.
  app.addHook('onRequest', async (request, reply) => {
    const refused = refuse(request);
    if (refused) {
      reply.header('Connection', 'close');
      return sendError(request, reply, refused, log);
    }
    const identity = identify(ctx, port, request);
    request.session = identity.session;
    if (identity.refused) return sendError(request, reply, identity.refused, log);
    const config = request.routeOptions.config as Partial<RouteConfig>;
    if (request.method !== 'GET' && request.method !== 'HEAD' && !sameOrigin(request)) {
      return sendError(request, reply, { code: 'FORBIDDEN', message: 'Cross-origin requests are refused.' }, log);
    }
    if (request.ws && !sameOrigin(request)) {
      return sendError(request, reply, { code: 'FORBIDDEN', message: 'Cross-origin WebSockets are refused.' }, log);
    }
    const needsAuth = config.auth ?? !isPublicFile(request.url);
    if (needsAuth && identity.session === null) {
      if (request.method === 'GET' && isAppPage(request.url) && !request.ws) {
        return reply.redirect('/signin.html', 302);
      }
      const info: ErrorInfo = { code: 'AUTH_REQUIRED', message: 'Sign in first: this needs a session.' };
      return sendError(request, reply, info, log);
    }
    if (config.adminOnly && identity.session?.role !== 'admin') {
      return sendError(request, reply, { code: 'FORBIDDEN', message: 'Only an admin may do this.' }, log);
    }
    return undefined;
  });

  // Caps on bytes in: request bodies pass through the port's, the connection's and the overall buckets.
  const connectionIn = new WeakMap<Socket, TokenBucket>();
  app.addHook('preParsing', async (request, _reply, payload) => {
    let perConn: TokenBucket | null = null;
    if (port.limits.bpsIn > 0) {
      const socket = request.raw.socket;
      perConn = connectionIn.get(socket) ?? new TokenBucket(port.limits.bpsIn);
      connectionIn.set(socket, perConn);
    }
    const buckets = bucketsFor(perConn, port.portBpsIn, ctx.globalBpsIn);
    return throttled(payload, buckets);
  });

  app.setErrorHandler((err, request, reply) => {
    const { info, status } = errorOf(err);
    if (status >= 500) log(`http: ${request.method} ${request.url}: internal error: ${(err as Error).stack ?? err}`);
    return sendError(request, reply, info, log, status);
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, { code: 'NOT_FOUND', message: `Nothing at ${request.url.split('?')[0]}.` }, log),
  );

  registerApi(app, ctx, port);
  registerFiles(app, ctx);
  return app;
}

function registerApi(app: FastifyInstance, ctx: ServerContext, port: PortContext): void {
  const table: RouteTable = {
    ...sessionRoutes(ctx, port),
    ...streamRoutes(ctx, port),
    ...liveRoutes(ctx, port),
    ...hlsRoutes(ctx),
    ...playbackRoutes(ctx, port),
    ...adminRoutes(ctx, port),
  };
  for (const route of API_ROUTES) {
    const key = `${route.method} ${route.path}` as ApiRouteKey;
    const def = table[key];
    if (def === undefined) throw new Error(`server: API route ${key} has no handler`);
    const config: RouteConfig = { auth: route.auth, adminOnly: def.adminOnly ?? false };
    const rateLimit = def.perMinute ? { max: def.perMinute, timeWindow: 60_000 } : undefined;
    const check = def.check;
    const preHandler = check ? async (request: FastifyRequest) => check(request) : undefined;
    const wsHandler = def.wsHandler;
    if (wsHandler !== undefined) {
      app.route({
        method: 'GET',
        url: route.path,
        config: { ...config, ...(rateLimit ? { rateLimit } : {}) },
        ...(preHandler ? { preHandler } : {}),
        handler: async (request, reply) =>
          sendError(
            request,
            reply,
            { code: 'BAD_REQUEST', message: `${route.path} is a WebSocket: open it with an Upgrade request.` },
            ctx.log,
          ),
        wsHandler: (socket, request) => wsHandler(socket, request),
      });
    } else {
      const handler = def.handler;
      if (handler === undefined) throw new Error(`server: API route ${key} has no handler`);
      app.route({
        method: route.method,
        url: route.path,
        bodyLimit: def.bodyLimit ?? DEFAULT_BODY_LIMIT_BYTES,
        config: { ...config, ...(rateLimit ? { rateLimit } : {}) },
        ...(preHandler ? { preHandler } : {}),
        handler: (request, reply) => handler(request, reply),
      });
    }
  }
}

/** The sign-in page and its assets: the only files served without a session. */
function isPublicFile(url: string): boolean {
  const path = url.split('?')[0] ?? '';
  return PUBLIC_ASSET_PATTERN.test(path.slice(1));
}

function isAppPage(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/' || path === '/index.html';
}

function registerFiles(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/', { config: { auth: true, adminOnly: false } }, async (_request, reply) =>
    reply.header('Cache-Control', 'no-store').sendFile('index.html'),
  );
  // No `auth` in its config: the onRequest hook lets only PUBLIC_ASSET_PATTERN through without a session.
  app.get('/*', { config: { adminOnly: false } }, async (request, reply) => {
    const raw = (request.params as { '*': string })['*'];
    let path: string;
    try {
      path = decodeURIComponent(raw);
    } catch {
      return sendError(
        request,
        reply,
        { code: 'BAD_REQUEST', message: 'The path is not valid URL encoding.' },
        ctx.log,
      );
    }
    if (!SAFE_FILE_PATH.test(path) || path.split('/').some((s) => s === '..' || s.startsWith('.'))) {
      return sendError(
        request,
        reply,
        { code: 'BAD_REQUEST', message: `The path ${JSON.stringify(path.slice(0, 100))} is not a file name.` },
        ctx.log,
      );
    }
    if (path === 'index.html' || path.endsWith('.html')) reply.header('Cache-Control', 'no-store');
    return reply.sendFile(path);
  });
}
