/**
 * The sliding window of a live HLS stream (RFC 8216, fragmented MP4 segments): the init segments (one per
 * stream format) and the last few media segments, and the media playlist that lists them. Pure: no I/O, no
 * timers; the segmenter (hls-routes.ts) feeds it fragments from the Fmp4Muxer.
 */

export interface HlsSegment {
  /** Media sequence number: the segment's file is `<sequence>.m4s`. */
  readonly sequence: number;
  /** The init segment it needs (`init-<initId>.mp4`). */
  readonly initId: number;
  readonly durationS: number;
  /** The segment does not continue the one before it (a gap in time, or a new format). */
  readonly discontinuity: boolean;
  readonly data: Uint8Array;
}

export interface HlsWindowOptions {
  /** Media segments kept and listed. */
  segments: number;
  /** EXT-X-TARGETDURATION in whole seconds: no segment may round to more (the muxer cuts before it). */
  targetDurationS: number;
}

export class HlsWindow {
  private readonly inits = new Map<number, Uint8Array>();
  private initId = 0;
  private list: HlsSegment[] = [];
  private nextSequence = 0;
  /** Discontinuities that have left the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  private discontinuitiesGone = 0;
  private pendingDiscontinuity = false;

  constructor(private readonly options: HlsWindowOptions) {}

  /** A new stream format: later segments use this init segment, after a discontinuity. */
  setInit(init: Uint8Array): void {
    this.initId++;
    this.inits.set(this.initId, init);
    if (this.list.length > 0) this.pendingDiscontinuity = true;
    this.dropUnusedInits();
  }

  init(id: number): Uint8Array | null {
    return this.inits.get(id) ?? null;
  }

  /** Appends a media segment (a moof+mdat) and drops the oldest past the window. */
  add(data: Uint8Array, durationS: number, discontinuity: boolean): HlsSegment {
    if (this.initId === 0) throw new Error('HlsWindow.add() before setInit()');
    const segment: HlsSegment = {
      sequence: this.nextSequence++,
      initId: this.initId,
      durationS,
      discontinuity: this.list.length > 0 && (discontinuity || this.pendingDiscontinuity),
      data,
    };
    this.pendingDiscontinuity = false;
    this.list.push(segment);
    while (this.list.length > this.options.segments) {
      this.list.shift();
      // The segment now first carried a discontinuity tag: it leaves the playlist, and is counted instead.
      if (this.list[0]!.discontinuity) this.discontinuitiesGone++;
    }
    this.dropUnusedInits();
    return segment;
  }

  segment(sequence: number): HlsSegment | null {
    const first = this.list[0];
    if (first === undefined) return null;
    return this.list[sequence - first.sequence] ?? null;
  }

  get segmentCount(): number {
    return this.list.length;
  }

  /** The media playlist (RFC 8216 §4.3), EXT-X-VERSION 7 for fragmented MP4 with EXT-X-MAP. */
  playlist(): string {
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      `#EXT-X-TARGETDURATION:${this.options.targetDurationS}`,
      `#EXT-X-MEDIA-SEQUENCE:${this.list[0]?.sequence ?? this.nextSequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitiesGone}`,
    ];
    let mapped = 0;
    for (const s of this.list) {
      // The first listed segment carries no tag: what came before it has left the window.
      if (s.discontinuity && s !== this.list[0]) lines.push('#EXT-X-DISCONTINUITY');
      if (s.initId !== mapped) {
        lines.push(`#EXT-X-MAP:URI="init-${s.initId}.mp4"`);
        mapped = s.initId;
      }
      lines.push(`#EXTINF:${s.durationS.toFixed(3)},`, `${s.sequence}.m4s`);
    }
    return `${lines.join('\n')}\n`;
  }

  private dropUnusedInits(): void {
    const oldest = this.list[0]?.initId ?? this.initId;
    for (const id of this.inits.keys()) if (id < oldest) this.inits.delete(id);
  }
}
