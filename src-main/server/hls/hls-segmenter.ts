/**
 * One stream's live HLS segmenter: a hub viewer (from the latest keyframe, like any other) whose units go
 * through an Fmp4Muxer cutting one fragment per GOP (at most TARGET_DURATION_S) into the HLS window. A jump in
 * the fragments' timeline is a discontinuity; a new stream format ends the open segment and maps a new init
 * segment. It closes itself after IDLE_MS without a request (`touch`).
 */
import type { StreamId, VideoFormat } from '../../../src-shared/access-unit.js';
import { Fmp4Muxer } from '../../recorder/mp4/fmp4-muxer.js';
import type { Hub, HubUnit, ViewerHandle, ViewerSink } from '../../streams/hub.js';
import { HlsWindow } from './hls-window.js';

export const TARGET_DURATION_S = 6;
const WINDOW_SEGMENTS = 6;
const IDLE_MS = 30_000;
/** One 90 kHz millisecond: fragments further apart than this on the timeline do not join up. */
const JOIN_TOLERANCE_90K = 90;

/** A fragment per GOP, cut early enough that no segment rounds above the target duration. */
function gopMuxer(): Fmp4Muxer {
  return new Fmp4Muxer({ fragmentEvery: 'gop', fragmentMaxMs: TARGET_DURATION_S * 1000 - 100 });
}

export interface HlsSegmenterContext {
  hub: Hub;
  log(line: string): void;
}

export class HlsSegmenter implements ViewerSink {
  /** The muxer copies each unit into its fragment, holding one unit (and its lease) until the next comes. */
  readonly leaseAware = true;
  readonly window = new HlsWindow({ segments: WINDOW_SEGMENTS, targetDurationS: TARGET_DURATION_S });
  private muxer = gopMuxer();
  private format: VideoFormat;
  private viewer: ViewerHandle | null = null;
  private idle: NodeJS.Timeout | null = null;
  /** Where the next fragment starts when it continues the last one; null after a new init segment. */
  private expectedStart90k: number | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly ctx: HlsSegmenterContext,
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
    for (const fragment of this.muxer.push(unit.au)) this.addSegment(fragment);
    return 0;
  }

  sendText(text: string): void {
    if (!text.startsWith('{"type":"description"')) return;
    const next = this.ctx.hub.format(this.id);
    if (next === null || next === this.format) return;
    // A new SPS/PPS or size: the open segment ends, and the next ones use a new init segment.
    for (const fragment of this.muxer.flush()) this.addSegment(fragment);
    this.format = next;
    this.muxer = gopMuxer();
    this.window.setInit(this.muxer.init(next, Date.now()));
    this.expectedStart90k = null;
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idle !== null) clearTimeout(this.idle);
    this.viewer?.close();
    this.muxer.close();
    for (const w of this.waiters.splice(0)) w();
    this.ctx.log(`http: HLS of ${this.id} stopped (${reason})`);
    this.onClose();
  }

  private addSegment(fragment: Uint8Array): void {
    const { start90k, duration90k } = this.muxer.lastFragment!;
    // The file's timeline jumps (a camera drop-out, a reconnect): the player must be told.
    const gap = this.expectedStart90k !== null && Math.abs(start90k - this.expectedStart90k) > JOIN_TOLERANCE_90K;
    this.window.add(fragment, duration90k / 90_000, gap);
    this.expectedStart90k = start90k + duration90k;
    for (const w of this.waiters.splice(0)) w();
  }
}
