/**
 * Live video: a WebSocket per viewer (src-shared/live-wire.ts) fed by the hub, and fragmented MP4 over plain
 * HTTP for players that are not our app (`<video src>`, VLC, ffprobe).
 */
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { toErrorInfo } from '../../../src-shared/errors.js';
import type { ServerTextMessage } from '../../../src-shared/live-wire.js';
import type { ViewerOptions } from '../../streams/hub.js';
import type { RouteTable } from '../http-app.js';
import type { PortContext, ServerContext } from '../server-context.js';
import { TokenBucket, bucketsFor } from '../token-bucket.js';
import { WS_CLOSE_POLICY, WsViewerSink } from '../ws-viewer-sink.js';
import { streamOf } from './stream-params.js';
import { liveMp4Handler } from './live-mp4.js';

/** Liveness pings when the port sets no idle time. */
const DEFAULT_WS_IDLE_MS = 60_000;

export function viewerOptions(ctx: ServerContext, port: PortContext): ViewerOptions {
  const perConn = port.limits.bpsOut > 0 ? new TokenBucket(port.limits.bpsOut) : null;
  return {
    maxPendingBytes: port.limits.sendQueueBytes,
    overqueueMs: port.limits.secsOverqueueing * 1000,
    budgets: bucketsFor(perConn, port.portBpsOut, ctx.globalBpsOut),
  };
}

/** Ends a socket that cannot be served, saying why in an `error` message first. */
export function refuseSocket(socket: WebSocket, err: unknown): void {
  const message: ServerTextMessage = { type: 'error', error: toErrorInfo(err) };
  socket.send(JSON.stringify(message));
  socket.close(WS_CLOSE_POLICY, message.error.code);
}

export function liveRoutes(ctx: ServerContext, port: PortContext): RouteTable {
  return {
    'GET /api/v1/live/:deviceUid/:versionSid': {
      check: (request: FastifyRequest) => void streamOf(ctx, request),
      wsHandler: (socket, request) => {
        let id: string;
        try {
          id = streamOf(ctx, request); // the stream may have been removed since the check
        } catch (err) {
          refuseSocket(socket, err);
          return;
        }
        const sink = new WsViewerSink(socket, request.raw.socket);
        const viewer = ctx.hub.addViewer(id, sink, viewerOptions(ctx, port));
        sink.startLiveness(port.limits.secsIdle > 0 ? port.limits.secsIdle * 1000 : DEFAULT_WS_IDLE_MS);
        ctx.log(`http: live viewer of ${id}: ${request.session?.username} (${request.ip})`);
        socket.on('error', (err) => ctx.log(`http: live viewer of ${id} (${request.ip}): ${err.message}`));
        socket.on('close', () => {
          viewer.close();
          const s = viewer.stats;
          ctx.log(`http: live viewer of ${id} left (${request.ip}): ${s.sentUnits} units, ${s.droppedUnits} skipped`);
        });
      },
    },
    'GET /live/:deviceUid/:versionSid.mp4': {
      check: (request: FastifyRequest) => void streamOf(ctx, request),
      handler: liveMp4Handler(ctx, port),
    },
  };
}
