/** Streams and their state, recordings between two times, telemetry, and export as MP4. */
import type { RecordingsResponse, StreamVersionSummary, StreamsResponse } from '../../../src-shared/api.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import type { RouteTable } from '../http-app.js';
import { timeRange } from '../request-body.js';
import type { PortContext, RecordingsService, ServerContext } from '../server-context.js';
import { bucketsFor, throttled, TokenBucket } from '../token-bucket.js';
import { streamOf } from './stream-params.js';

const DAY_MS = 24 * 3600_000;
/** Recordings listed at most per request, and the longest export. */
const MAX_LIST_SPAN_MS = 62 * DAY_MS;
const MAX_EXPORT_SPAN_MS = 7 * DAY_MS;

export function requireRecordings(ctx: ServerContext): RecordingsService {
  if (ctx.recordings === null)
    throw new ThinStreamError('NOT_IMPLEMENTED', 'Recordings are not available on this server.');
  return ctx.recordings;
}

function isoName(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[:]/g, '-')
    .replace(/\.\d+Z$/, 'Z');
}

export function streamRoutes(ctx: ServerContext, port: PortContext): RouteTable {
  return {
    'GET /api/v1/streams': {
      handler: async (): Promise<StreamsResponse> => ({ cameras: ctx.cameras() }),
    },
    'GET /api/v1/streams/:deviceUid/:versionSid': {
      handler: async (request): Promise<StreamVersionSummary> => {
        const id = streamOf(ctx, request);
        for (const camera of ctx.cameras()) {
          for (const version of camera.versions) if (version.streamId === id) return version;
        }
        throw new ThinStreamError('STREAM_NOT_FOUND', `There is no stream ${id}.`);
      },
    },
    'GET /api/v1/recordings/:deviceUid/:versionSid': {
      handler: async (request): Promise<RecordingsResponse> => {
        const id = streamOf(ctx, request);
        const { fromMs, toMs } = timeRange(request.query, MAX_LIST_SPAN_MS);
        return { streamId: id, segments: await requireRecordings(ctx).segments(id, fromMs, toMs) };
      },
    },
    'GET /api/v1/telemetry': {
      handler: async () => ctx.telemetry(),
    },
    'GET /api/v1/export/:deviceUid/:versionSid': {
      handler: async (request, reply) => {
        const id = streamOf(ctx, request);
        const { fromMs, toMs } = timeRange(request.query, MAX_EXPORT_SPAN_MS);
        const mp4 = await requireRecordings(ctx).exportMp4(id, fromMs, toMs);
        const name = `${id.replace('/', '_')}_${isoName(fromMs)}_${isoName(toMs)}.mp4`.replace(/[^A-Za-z0-9._-]/g, '_');
        ctx.log(`http: export of ${id} from ${fromMs} to ${toMs} for ${request.session?.username} (${request.ip})`);
        const perConn = port.limits.bpsOut > 0 ? new TokenBucket(port.limits.bpsOut) : null;
        const buckets = bucketsFor(perConn, port.portBpsOut, ctx.globalBpsOut);
        reply
          .type('video/mp4')
          .header('Content-Disposition', `attachment; filename="${name}"`)
          .header('Cache-Control', 'no-store');
        return reply.send(throttled(mp4, buckets));
      },
    },
  };
}
