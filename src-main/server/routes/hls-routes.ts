/**
 * Live HLS (RFC 8216) with fragmented MP4 segments, for devices whose browser plays HLS but has no Media
 * Source Extensions (Safari on an iPhone) and for players that prefer it:
 *   GET /hls/<device>/<version>/index.m3u8   the media playlist (sign-in needed, as for every stream)
 *   GET /hls/<device>/<version>/init-<n>.mp4 the init segment of format n
 *   GET /hls/<device>/<version>/<n>.m4s      media segment n: one GOP (cut at TARGET_DURATION_S at most)
 * A stream's segmenter starts on the first playlist request and is a hub viewer like any other (from the
 * latest keyframe); it keeps the last WINDOW_SEGMENTS segments in memory and stops after IDLE_MS without a
 * request. The delay behind live is that of HLS: a few segments. The grid itself uses the WebSocket.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StreamId, VideoFormat } from '../../../src-shared/access-unit.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { Fmp4Muxer } from '../../recorder/mp4/fmp4-muxer.js';
import type { HubUnit, ViewerHandle, ViewerSink } from '../../streams/hub.js';
import { HlsWindow } from '../hls/hls-window.js';
import type { RouteTable } from '../http-app.js';
import type { ServerContext } from '../server-context.js';
import { formatOf } from './live-mp4.js';
import { streamOf } from './stream-params.js';

const TARGET_DURATION_S = 6;
const WINDOW_SEGMENTS = 6;
const IDLE_MS = 30_000;
/** A playlist request waits this long for the first segment (one GOP) before answering. */
const FIRST_SEGMENT_WAIT_MS = (TARGET_DURATION_S + 4) * 1000;

/** One stream's segmenter: hub units → Fmp4Muxer fragments (one per GOP) → the HLS window. */
class HlsSegmenter implements ViewerSink {
  readonly window = new HlsWindow({ segments: WINDOW_SEGMENTS, targetDurationS: TARGET_DURATION_S });
  private muxer = new Fmp4Muxer({ fragmentEvery: 'gop', fragmentMaxMs: TARGET_DURATION_S * 1000 - 100 });
  private format: VideoFormat;
  private viewer: ViewerHandle | null = null;
  private idle: NodeJS.Timeout | null = null;
  private expectedStart90k: number | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly ctx: ServerContext,
    readonly id: StreamId,
    format: VideoFormat,
    private readonly onClose: () => void,
  ) {
    this.format = format;
    this.window.setInit(this.muxer.init(format, Date.now()));
    this.touch();
  }

  start(): void {
    // No budgets or queue bound: the segmenter keeps what it is sent; each HTTP answer is its own.
    this.viewer = this.ctx.hub.addViewer(this.id, this, { maxPendingBytes: Number.MAX_SAFE_INTEGER, overqueueMs: 0 });
  }

  /** A request: keeps the segmenter alive for another IDLE_MS. */
  touch(): void {
    if (this.idle !== null) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close('no HLS request for 30 s'), IDLE_MS);
    this.idle.unref();
  }

  /** Resolves once the window holds a segment (at once when it does), or after `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<void> {
    if (this.window.segmentCount > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, timeoutMs);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  pendingBytes(): number {
    return 0;
  }

  sendUnit(unit: HubUnit): number {
    if (this.closed) return 0;
    const fragments = this.muxer.push(unit.au);
    for (const fragment of fragments) this.addSegment(fragment);
    return 0;
  }

  sendText(text: string): void {
    if (!text.startsWith('{"type":"description"')) return;
    const next = this.ctx.hub.format(this.id);
    if (next === null || next === this.format) return;
    // A new SPS/PPS or size: the open segment ends, and the next ones use a new init segment.
    for (const fragment of this.muxer.flush()) this.addSegment(fragment);
    this.format = next;
    this.muxer = new Fmp4Muxer({ fragmentEvery: 'gop', fragmentMaxMs: TARGET_DURATION_S * 1000 - 100 });
    this.window.setInit(this.muxer.init(next, Date.now()));
    this.expectedStart90k = null;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idle !== null) clearTimeout(this.idle);
    this.viewer?.close();
    for (const w of this.waiters.splice(0)) w();
    this.ctx.log(`http: HLS of ${this.id} stopped (${reason})`);
    this.onClose();
  }

  private addSegment(fragment: Uint8Array): void {
    const info = this.muxer.lastFragment!;
    // The file's timeline jumps (a camera drop-out, a reconnect): the player must be told.
    const gap = this.expectedStart90k !== null && Math.abs(info.start90k - this.expectedStart90k) > 90;
    this.window.add(fragment, info.duration90k / 90_000, gap);
    this.expectedStart90k = info.start90k + info.duration90k;
    for (const w of this.waiters.splice(0)) w();
  }
}

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
