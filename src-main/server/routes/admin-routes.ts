/** Config, "Test connection", users, certificates, discovery: the admin's routes. */
import type { ConfigErrorsBody, ProbeRequest, UserSummary } from '../../../src-shared/api.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { describeRequest } from '../api-error.js';
import { ConfigInvalidError } from '../../../src-shared/config/validate-config.js';
import { discoveryFromQuery, streamUris, urlPatterns } from '../../discovery/discovery-requests.js';
import type { RouteTable } from '../http-app.js';
import { objectBody, optionalString, roleField, stringField } from '../request-body.js';
import type { CertificatesService, ConfigService, PortContext, ServerContext } from '../server-context.js';

const CONFIG_BODY_LIMIT = 4 * 1024 * 1024;

function requireConfig(ctx: ServerContext): ConfigService {
  if (ctx.config === null) throw new ThinStreamError('NOT_IMPLEMENTED', 'This server has no config file to edit.');
  return ctx.config;
}

function requireCertificates(ctx: ServerContext): CertificatesService {
  if (ctx.certificates === null) {
    throw new ThinStreamError(
      'NOT_IMPLEMENTED',
      'This server has no certificate authority: no HTTPS port is enabled (turn ssl on for a port in http.ports and restart).',
    );
  }
  return ctx.certificates;
}

function probeRequest(body: Record<string, unknown>): ProbeRequest {
  const request: ProbeRequest = { url: stringField(body, 'url', 2048) };
  const user = optionalString(body, 'user', 256);
  const password = optionalString(body, 'password', 1024);
  const deviceUid = optionalString(body, 'deviceUid', 256);
  if (user !== undefined) request.user = user;
  if (password !== undefined) request.password = password;
  if (deviceUid !== undefined) request.deviceUid = deviceUid;
  const transport = body['transport'];
  if (transport !== undefined) {
    if (transport !== 'udp' && transport !== 'tcp' && transport !== 'auto') {
      throw new ThinStreamError('BAD_REQUEST', 'Field "transport" must be "udp", "tcp" or "auto".');
    }
    request.transport = transport;
  }
  const seconds = body['seconds'];
  if (seconds !== undefined) {
    if (typeof seconds !== 'number' || !(seconds > 0 && seconds <= 30)) {
      throw new ThinStreamError('BAD_REQUEST', 'Field "seconds" must be a number from 0 to 30.');
    }
    request.seconds = seconds;
  }
  const report = body['report'];
  if (report !== undefined) {
    if (typeof report !== 'boolean') throw new ThinStreamError('BAD_REQUEST', 'Field "report" must be true or false.');
    request.report = report;
  }
  return request;
}

export function adminRoutes(ctx: ServerContext, _port: PortContext): RouteTable {
  return {
    'GET /api/v1/config': {
      adminOnly: true,
      handler: async (_request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return requireConfig(ctx).readRedacted();
      },
    },
    'PUT /api/v1/config': {
      adminOnly: true,
      bodyLimit: CONFIG_BODY_LIMIT,
      handler: async (request, reply) => {
        try {
          const result = await requireConfig(ctx).write(request.body);
          ctx.log(`http: config saved by ${request.session?.username} (${request.ip}): ${result.applied}`);
          return result;
        } catch (err) {
          if (!(err instanceof ConfigInvalidError)) throw err;
          const body: ConfigErrorsBody = { error: err.toInfo(), errors: err.errors };
          ctx.log(`http: ${describeRequest(request)}: 400 CONFIG_INVALID: ${err.errors.length} problem(s)`);
          return reply.code(400).send(body);
        }
      },
    },
    'POST /api/v1/probe': {
      adminOnly: true,
      bodyLimit: 16 * 1024,
      handler: async (request, reply) => {
        if (ctx.probe === null) throw new ThinStreamError('NOT_IMPLEMENTED', 'Probing cameras is not available.');
        const probe = probeRequest(objectBody(request.body));
        if (probe.report === true) {
          if (ctx.probeReport === undefined) {
            throw new ThinStreamError('NOT_IMPLEMENTED', 'Camera reports are not available on this server.');
          }
          reply.header('Cache-Control', 'no-store');
          return ctx.probeReport(probe);
        }
        return ctx.probe(probe);
      },
    },
    'GET /api/v1/users': {
      adminOnly: true,
      handler: async (): Promise<UserSummary[]> => ctx.users.list(),
    },
    'POST /api/v1/users': {
      adminOnly: true,
      bodyLimit: 16 * 1024,
      handler: async (request, reply) => {
        const body = objectBody(request.body);
        const username = stringField(body, 'username', 64);
        const password = stringField(body, 'password', 1024);
        const role = roleField(body);
        const existing = ctx.users.get(username);
        if (
          existing?.role === 'admin' &&
          role !== 'admin' &&
          ctx.users.list().filter((u) => u.role === 'admin').length === 1
        ) {
          throw new ThinStreamError('FORBIDDEN', `User ${username} is the last admin; make another admin first.`);
        }
        const { created } = await ctx.users.set(username, password, role);
        if (!created) ctx.sessions.deleteUser(username); // a reset password signs the user out everywhere
        ctx.log(`http: user ${username} ${created ? 'added' : 'reset'} (${role}) by ${request.session?.username}`);
        return reply.code(created ? 201 : 200).send(ctx.users.get(username));
      },
    },
    'DELETE /api/v1/users/:username': {
      adminOnly: true,
      handler: async (request, reply) => {
        const username = (request.params as { username: string }).username;
        await ctx.users.remove(username);
        ctx.sessions.deleteUser(username);
        ctx.log(`http: user ${username} removed by ${request.session?.username}`);
        return reply.code(204).send();
      },
    },
    'GET /api/v1/certs': {
      adminOnly: true,
      handler: async () => requireCertificates(ctx).list(),
    },
    'GET /api/v1/certs/ca': {
      // Any signed-in user may fetch the CA certificate (public data) to trust this server on a device.
      handler: async (_request, reply) => {
        const pem = await requireCertificates(ctx).caPem();
        return reply
          .type('application/x-pem-file')
          .header('Content-Disposition', 'attachment; filename="thinstream-ca.pem"')
          .send(pem);
      },
    },
    'POST /api/v1/certs/clients': {
      adminOnly: true,
      bodyLimit: 16 * 1024,
      handler: async (request, reply) => {
        const body = objectBody(request.body);
        const name = stringField(body, 'name', 64);
        const password = stringField(body, 'password', 1024);
        if (!/^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/.test(name)) {
          throw new ThinStreamError(
            'BAD_REQUEST',
            'A device name is 1 to 64 letters, digits, spaces, dots, dashes or @.',
          );
        }
        if (password.length < 4)
          throw new ThinStreamError('BAD_REQUEST', 'The .p12 password needs at least 4 characters.');
        const { p12, serial } = await requireCertificates(ctx).issueClient(name, password);
        ctx.log(`http: client certificate ${serial} for ${name} issued by ${request.session?.username}`);
        return reply
          .type('application/x-pkcs12')
          .header('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9._-]/g, '_')}.p12"`)
          .header('X-Certificate-Serial', serial)
          .header('Cache-Control', 'no-store')
          .send(p12);
      },
    },
    'POST /api/v1/certs/clients/:serial/revoke': {
      adminOnly: true,
      handler: async (request, reply) => {
        const serial = (request.params as { serial: string }).serial;
        if (!/^[0-9A-Fa-f:]{1,128}$/.test(serial)) {
          throw new ThinStreamError('BAD_REQUEST', 'A certificate serial is hexadecimal.');
        }
        await requireCertificates(ctx).revoke(serial);
        ctx.log(`http: client certificate ${serial} revoked by ${request.session?.username}`);
        return reply.code(204).send();
      },
    },
    'GET /api/v1/discovery': {
      adminOnly: true,
      perMinute: 30,
      handler: async (request) => discoveryFromQuery(request.query),
    },
    'POST /api/v1/discovery/stream-uris': {
      adminOnly: true,
      bodyLimit: 16 * 1024,
      perMinute: 30,
      handler: async (request) => streamUris(request.body),
    },
    'POST /api/v1/discovery/url-patterns': {
      adminOnly: true,
      bodyLimit: 16 * 1024,
      perMinute: 10,
      handler: async (request) => urlPatterns(request.body),
    },
  };
}
