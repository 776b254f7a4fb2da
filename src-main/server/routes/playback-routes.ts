/** Playback of recordings over a WebSocket in the live wire format (playback-session.ts). */
import type { FastifyRequest } from 'fastify';
import { ThinStreamError } from '../../../src-shared/errors.js';
import type { RouteTable } from '../http-app.js';
import { PlaybackSession, MAX_PLAYBACK_SPEED } from '../playback-session.js';
import { timeParam } from '../request-body.js';
import type { PortContext, ServerContext } from '../server-context.js';
import { TokenBucket, bucketsFor } from '../token-bucket.js';
import { refuseSocket } from './live-routes.js';
import { requireRecordings } from './stream-routes.js';
import { streamOf } from './stream-params.js';

function speedParam(query: unknown): number {
  const raw = (query as Record<string, unknown> | undefined)?.['speed'];
  if (raw === undefined) return 1;
  const speed = typeof raw === 'string' && /^\d{1,3}(\.\d{1,3})?$/.test(raw) ? Number(raw) : NaN;
  if (!(speed >= 0 && speed <= MAX_PLAYBACK_SPEED)) {
    throw new ThinStreamError(
      'BAD_REQUEST',
      `"speed" must be a number from 0 to ${MAX_PLAYBACK_SPEED}, got ${JSON.stringify(raw)}.`,
    );
  }
  return speed;
}

export function playbackRoutes(ctx: ServerContext, port: PortContext): RouteTable {
  const check = (request: FastifyRequest): void => {
    streamOf(ctx, request);
    timeParam(request.query, 'from');
    speedParam(request.query);
    requireRecordings(ctx);
  };
  return {
    'GET /api/v1/playback/:deviceUid/:versionSid': {
      check,
      wsHandler: (socket, request) => {
        let session: PlaybackSession;
        try {
          check(request);
          const perConn = port.limits.bpsOut > 0 ? new TokenBucket(port.limits.bpsOut) : null;
          session = new PlaybackSession({
            streamId: streamOf(ctx, request),
            recordings: requireRecordings(ctx),
            socket,
            raw: request.raw.socket,
            framePool: ctx.hub.framePool,
            fromMs: timeParam(request.query, 'from'),
            speed: speedParam(request.query),
            maxPendingBytes: port.limits.sendQueueBytes,
            overqueueMs: port.limits.secsOverqueueing * 1000,
            budgets: bucketsFor(perConn, port.portBpsOut, ctx.globalBpsOut),
            log: ctx.log,
          });
        } catch (err) {
          refuseSocket(socket, err);
          return;
        }
        ctx.log(`http: playback of ${request.url.split('?')[0]} for ${request.session?.username} (${request.ip})`);
        void session.start();
      },
    },
  };
}
