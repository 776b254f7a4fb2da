/**
 * Live fragmented MP4 over HTTP (`/live/<device>/<version>.mp4`) for players that are not our app: a
 * `<video src>`, VLC, ffprobe/ffplay. The init segment from the stream's format, then one moof+mdat per access
 * unit (the recorder's Fmp4Muxer, `fragmentEvery: 'frame'`), starting at the hub's latest keyframe. It is a hub
 * viewer like a WebSocket one: a slow reader is skipped to the next keyframe (the gap stays a gap in the file's
 * times); a format change ends the response (an MP4 has one sample description), the player reconnects.
 */
import { PassThrough } from 'node:stream';
import type { VideoFormat } from '../../../src-shared/access-unit.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { Fmp4Muxer } from '../../recorder/mp4/fmp4-muxer.js';
import type { HubUnit, ViewerSink } from '../../streams/hub.js';
import type { RouteDefinition } from '../http-app.js';
import type { PortContext, ServerContext } from '../server-context.js';
import { viewerOptions } from './live-routes.js';
import { streamOf } from './stream-params.js';

const FORMAT_WAIT_MS = 10_000;

export class Mp4ViewerSink implements ViewerSink {
  /** The muxer holds one unit until the next (retaining its lease) and copies it into the fragment it writes. */
  readonly leaseAware = true;
  private ended = false;

  constructor(
    private readonly out: PassThrough,
    private readonly muxer: Fmp4Muxer,
    private readonly format: VideoFormat,
  ) {}

  pendingBytes(): number {
    return this.out.writableLength;
  }

  sendUnit(unit: HubUnit): number {
    if (this.ended) return 0;
    let bytes = 0;
    for (const fragment of this.muxer.push(unit.au)) {
      this.out.write(fragment);
      bytes += fragment.byteLength;
    }
    return bytes;
  }

  sendText(text: string): void {
    // Only a new description matters here: a new SPS/PPS cannot continue in the same MP4.
    if (!text.startsWith('{"type":"description"')) return;
    const d = JSON.parse(text) as { codecString: string; width: number; height: number };
    if (d.codecString !== this.format.codecString || d.width !== this.format.width || d.height !== this.format.height) {
      this.close('the stream format changed');
    }
  }

  close(_reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.muxer.close();
    this.out.end();
  }
}

/** The stream's format, waiting a while for a stream that has not sent its parameter sets yet. */
export function formatOf(ctx: ServerContext, id: string): Promise<VideoFormat> {
  const now = ctx.hub.format(id);
  if (now !== null) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    let unsubscribe: () => void = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new ThinStreamError('RTP_NO_DATA', `Stream ${id} has sent no picture yet; try again shortly.`));
    }, FORMAT_WAIT_MS);
    unsubscribe = ctx.hub.subscribe(id, {
      leaseAware: true, // it keeps nothing of a unit
      onFormat: (format) => {
        clearTimeout(timer);
        queueMicrotask(() => unsubscribe());
        resolve(format);
      },
      onUnit: () => {},
    });
  });
}

export function liveMp4Handler(ctx: ServerContext, port: PortContext): RouteDefinition['handler'] {
  return async (request, reply) => {
    const id = streamOf(ctx, request);
    const format = await formatOf(ctx, id);
    if (!ctx.hub.has(id)) throw new ThinStreamError('STREAM_NOT_FOUND', `Stream ${id} was removed.`);
    const muxer = new Fmp4Muxer({ fragmentEvery: 'frame' });
    const out = new PassThrough({ highWaterMark: 256 * 1024 });
    out.write(muxer.init(format, Date.now()));
    const sink = new Mp4ViewerSink(out, muxer, format);
    const viewer = ctx.hub.addViewer(id, sink, viewerOptions(ctx, port));
    ctx.log(`http: live MP4 viewer of ${id}: ${request.session?.username} (${request.ip})`);
    const done = (): void => {
      viewer.close();
      sink.close('viewer left');
    };
    reply.raw.once('close', done);
    out.once('close', done);
    reply
      .type('video/mp4')
      .header('Cache-Control', 'no-store')
      .header('Content-Disposition', `inline; filename="${id.replace('/', '_')}.mp4"`);
    return reply.send(out);
  };
}
