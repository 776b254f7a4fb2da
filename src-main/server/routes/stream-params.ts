/** The stream named by a route's `:deviceUid/:versionSid`, checked against the streams the hub carries. */
import type { FastifyRequest } from 'fastify';
import { makeStreamId, type StreamId } from '../../../src-shared/access-unit.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import type { ServerContext } from '../server-context.js';

export function streamOf(ctx: ServerContext, request: FastifyRequest): StreamId {
  const params = request.params as { deviceUid?: unknown; versionSid?: unknown };
  const deviceUid = typeof params.deviceUid === 'string' ? params.deviceUid : '';
  const versionSid = typeof params.versionSid === 'string' ? params.versionSid : '';
  const id = makeStreamId(deviceUid, versionSid);
  // Only ids the hub knows get past here: no user text reaches a file path.
  if (deviceUid === '' || versionSid === '' || !ctx.hub.has(id)) {
    throw new ThinStreamError('STREAM_NOT_FOUND', `There is no stream ${JSON.stringify(id.slice(0, 200))}.`);
  }
  return id;
}
