/** Sign-in, sign-out, and first-run admin creation. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionInfo, SetupStatus } from '../../../src-shared/api.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { SESSION_COOKIE } from '../auth/session-store.js';
import { sendError } from '../api-error.js';
import type { RouteTable } from '../http-app.js';
import { objectBody, stringField } from '../request-body.js';
import type { PortContext, ServerContext } from '../server-context.js';

const SIGN_IN_BODY_LIMIT = 16 * 1024;

function publicInfo(s: SessionInfo): SessionInfo {
  return { username: s.username, role: s.role, via: s.via };
}

export function sessionRoutes(ctx: ServerContext, port: PortContext): RouteTable {
  const startSession = (reply: FastifyReply, info: SessionInfo): SessionInfo => {
    const session = ctx.sessions.create(info);
    reply.setCookie(SESSION_COOKIE, session.id, {
      httpOnly: true,
      secure: port.tls,
      sameSite: 'strict',
      path: '/',
      maxAge: Math.floor(ctx.sessions.absoluteMs / 1000),
    });
    return publicInfo(session);
  };

  return {
    'GET /api/v1/session': {
      handler: async (request, reply) => {
        if (request.session === null) {
          return sendError(request, reply, { code: 'AUTH_REQUIRED', message: 'Not signed in.' }, ctx.log);
        }
        return publicInfo(request.session);
      },
    },
    'POST /api/v1/session': {
      bodyLimit: SIGN_IN_BODY_LIMIT,
      perMinute: 60,
      handler: async (request: FastifyRequest, reply) => {
        const body = objectBody(request.body);
        const username = stringField(body, 'username', 64);
        const password = stringField(body, 'password', 1024);
        const waitMs = ctx.signInLimiter.retryAfterMs(request.ip, username);
        if (waitMs > 0) {
          reply.header('Retry-After', String(Math.ceil(waitMs / 1000)));
          return sendError(
            request,
            reply,
            {
              code: 'AUTH_RATE_LIMITED',
              message: `Too many failed sign-ins; try again in ${Math.ceil(waitMs / 1000)} s.`,
            },
            ctx.log,
          );
        }
        const user = await ctx.users.verify(username, password);
        if (user === null) {
          ctx.signInLimiter.failed(request.ip, username);
          return sendError(
            request,
            reply,
            { code: 'AUTH_FAILED', message: 'The user name or the password is wrong.' },
            ctx.log,
          );
        }
        ctx.signInLimiter.succeeded(username);
        ctx.log(`http: ${username} signed in from ${request.ip}`);
        return startSession(reply, { username: user.username, role: user.role, via: 'password' });
      },
    },
    'DELETE /api/v1/session': {
      handler: async (request, reply) => {
        if (request.session?.id) ctx.sessions.delete(request.session.id);
        reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: port.tls, sameSite: 'strict' });
        return reply.code(204).send();
      },
    },
    'GET /api/v1/setup': {
      handler: async (request): Promise<SetupStatus> => {
        await ctx.users.refresh();
        return { needsAdmin: !ctx.users.hasAdmin(), signedIn: request.session !== null };
      },
    },
    'POST /api/v1/setup': {
      bodyLimit: SIGN_IN_BODY_LIMIT,
      perMinute: 30,
      handler: async (request, reply) => {
        const body = objectBody(request.body);
        const token = stringField(body, 'token', 256);
        const username = stringField(body, 'username', 64);
        const password = stringField(body, 'password', 1024);
        await ctx.users.refresh();
        if (ctx.users.hasAdmin()) {
          throw new ThinStreamError('FORBIDDEN', 'An admin exists already; sign in instead.');
        }
        const waitMs = ctx.signInLimiter.retryAfterMs(request.ip, '(setup)');
        if (waitMs > 0) {
          throw new ThinStreamError(
            'AUTH_RATE_LIMITED',
            `Too many wrong setup tokens; try again in ${Math.ceil(waitMs / 1000)} s.`,
          );
        }
        if (!ctx.setupToken.matches(token)) {
          ctx.signInLimiter.failed(request.ip, '(setup)');
          throw new ThinStreamError('FORBIDDEN', 'The setup token is wrong; use the link the server printed.');
        }
        await ctx.users.set(username, password, 'admin');
        ctx.setupToken.consume();
        ctx.log(`http: admin ${username} created from ${request.ip}`);
        return startSession(reply, { username, role: 'admin', via: 'password' });
      },
    },
  };
}
