/**
 * A stream source that plays a clip in real time into whoever listens: a stand-in for a camera connection in
 * tests of the runtime's wiring (config changes, shutdown). Tests of ingest itself use GStreamer cameras.
 */
import type { VideoFormat } from '../../../src-shared/access-unit.js';
import { emptyCounters, type StreamStatus } from '../../../src-shared/stream-status.js';
import type { HubSourceListener } from '../../../src-main/streams/hub.js';
import type { StreamSource } from '../../../src-main/runtime/stream-set.js';
import { clipUnit, type ClipUnits } from './clip-units.js';

export class ClipSource implements StreamSource {
  private readonly listeners = new Set<HubSourceListener>();
  private timer: NodeJS.Timeout | null = null;
  private index = 0;
  private state: StreamStatus;
  format: VideoFormat | null = null;
  closed = false;

  constructor(
    readonly streamId: string,
    private readonly clip: ClipUnits,
  ) {
    this.state = {
      streamId,
      state: 'idle',
      sinceMs: Date.now(),
      error: null,
      transport: null,
      video: null,
      counters: emptyCounters(),
      quirks: [],
    };
  }

  status(): StreamStatus {
    return this.state;
  }

  addListener(listener: HubSourceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    this.format = this.clip.format;
    this.state = { ...this.state, state: 'live', sinceMs: Date.now() };
    for (const l of this.listeners) {
      l.onStatus?.(this.state);
      l.onFormat?.(this.clip.format);
    }
    this.timer = setInterval(() => {
      const au = clipUnit(this.clip, this.index++, Date.now());
      this.state.counters.frames++;
      for (const l of this.listeners) l.onAccessUnit?.(au);
    }, 1000 / this.clip.options.fps);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.closed = true;
    this.state = { ...this.state, state: 'stopped', sinceMs: Date.now() };
    for (const l of this.listeners) l.onStatus?.(this.state);
  }
}
