/**
 * Live HLS (RFC 8216) with fragmented MP4 segments, for devices whose browser plays HLS but has no Media
 * Source Extensions (Safari on an iPhone) and for players that prefer it:
 *   GET /hls/<device>/<version>/index.m3u8   the media playlist (sign-in needed, as for every stream)
 *   GET /hls/<device>/<version>/init-<n>.mp4 the init segment of format n
 *   GET /hls/<device>/<version>/<n>.m4s      media segment n: one GOP (cut at TARGET_DURATION_S at most)
 * A stream's segmenter starts on the first playlist request and is a hub viewer like any other (from the
 * latest keyframe; hls/hls-segmenter.ts); it keeps the last few segments in memory and stops after 30 s
 * without a request. The delay behind live is that of HLS: a few segments. The grid itself uses the WebSocket.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StreamId } from '../../../src-shared/access-unit.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { HlsSegmenter, TARGET_DURATION_S } from '../hls/hls-segmenter.js';
import type { RouteTable } from '../http-app.js';
import type { ServerContext } from '../server-context.js';
import { formatOf } from './live-mp4.js';
import { streamOf } from './stream-params.js';

/** A playlist request waits this long for the first segment (one GOP) before answering. */
const FIRST_SEGMENT_WAIT_MS = (TARGET_DURATION_S + 4) * 1000;

/** The segmenters of one server context, by stream. */
const registries = new WeakMap<ServerContext, Map<StreamId, Promise<HlsSegmenter>>>();

function segmenterFor(ctx: ServerContext, id: StreamId, create: boolean): Promise<HlsSegmenter> | null {
  let streams = registries.get(ctx);
  if (streams === undefined) {
    streams = new Map();
    registries.set(ctx, streams);
  }
  const running = streams.get(id);
  if (running !== undefined || !create) return running ?? null;
  const map = streams;
  const starting = formatOf(ctx, id).then((format) => {
    const segmenter = new HlsSegmenter(ctx, id, format, () => {
      if (map.get(id) === starting) map.delete(id);
    });
    segmenter.start();
    ctx.log(`http: HLS of ${id} started`);
    return segmenter;
  });
  starting.catch(() => {
    if (map.get(id) === starting) map.delete(id);
  });
  map.set(id, starting);
  return starting;
}

function noStore(reply: FastifyReply, type: string): FastifyReply {
  return reply.type(type).header('Cache-Control', 'no-store');
}

/** `init-3.mp4` → init 3; `17.m4s` → segment 17; anything else → null. */
function parseFile(name: string): { init: number } | { segment: number } | null {
  const init = /^init-(\d{1,9})\.mp4$/.exec(name);
  if (init) return { init: Number(init[1]) };
  const segment = /^(\d{1,12})\.m4s$/.exec(name);
  if (segment) return { segment: Number(segment[1]) };
  return null;
}

export function hlsRoutes(ctx: ServerContext): RouteTable {
  return {
    'GET /hls/:deviceUid/:versionSid/index.m3u8': {
      check: (request: FastifyRequest) => void streamOf(ctx, request),
      handler: async (request, reply) => {
        const id = streamOf(ctx, request);
        const segmenter = await segmenterFor(ctx, id, true)!;
        segmenter.touch();
        await segmenter.whenReady(FIRST_SEGMENT_WAIT_MS);
        if (segmenter.window.segmentCount === 0) {
          throw new ThinStreamError('RTP_NO_DATA', `Stream ${id} has sent no whole segment yet; try again shortly.`);
        }
        return noStore(reply, 'application/vnd.apple.mpegurl').send(segmenter.window.playlist());
      },
    },
    'GET /hls/:deviceUid/:versionSid/:file': {
      check: (request: FastifyRequest) => void streamOf(ctx, request),
      handler: async (request, reply) => {
        const id = streamOf(ctx, request);
        const file = parseFile(String((request.params as { file?: unknown }).file ?? ''));
        const segmenter = await segmenterFor(ctx, id, false);
        if (file === null || segmenter === null) {
          throw new ThinStreamError('NOT_FOUND', 'No such HLS file: load the playlist (index.m3u8) first.');
        }
        segmenter.touch();
        if ('init' in file) {
          const init = segmenter.window.init(file.init);
          if (init === null) throw new ThinStreamError('NOT_FOUND', `Init segment ${file.init} is gone.`);
          return noStore(reply, 'video/mp4').send(Buffer.from(init.buffer, init.byteOffset, init.byteLength));
        }
        const segment = segmenter.window.segment(file.segment);
        if (segment === null) {
          throw new ThinStreamError(
            'NOT_FOUND',
            `Segment ${file.segment} is not in the live window; reload the playlist.`,
          );
        }
        const data = segment.data;
        return noStore(reply, 'video/iso.segment').send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      },
    },
  };
}
