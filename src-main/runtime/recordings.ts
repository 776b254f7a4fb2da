/**
 * Storage for the runtime: the recordings catalog (start-up scan per `waitForLoad`), retention (global and
 * per-stream limits, ages), a StreamRecorder per recorded version, and the server's RecordingsService
 * (segment lists, playback readers, keyframe steps, export) on top of the catalog.
 */
import type { Readable } from 'node:stream';
import type { StreamId } from '../../src-shared/access-unit.js';
import type { RecordingSegment } from '../../src-shared/api.js';
import type { ResolvedConfig, ResolvedStreamVersion } from '../../src-shared/config/resolved-config.js';
import { StreamRecorder } from '../recorder/stream-recorder.js';
import { exportMp4 } from '../storage/export-mp4.js';
import { RecordingCatalog } from '../storage/recording-catalog.js';
import { RetentionPolicy, type StreamRetention } from '../storage/retention-policy.js';
import { toRecordingSegment } from '../storage/segment-index.js';
import type { PlaybackReader, RecordingsService } from '../server/server-context.js';
import type { StreamRecorderLike } from './stream-set.js';

function retentionOf(config: ResolvedConfig): Map<StreamId, StreamRetention> {
  const map = new Map<StreamId, StreamRetention>();
  for (const v of config.streams) {
    const r: StreamRetention = {};
    if (v.recording.streamLimitBytes !== null) r.limitBytes = v.recording.streamLimitBytes;
    if (v.recording.maxAgeMs !== null) r.maxAgeMs = v.recording.maxAgeMs;
    if (r.limitBytes !== undefined || r.maxAgeMs !== undefined) map.set(v.streamId, r);
  }
  return map;
}

export class RuntimeStorage implements RecordingsService {
  readonly catalog: RecordingCatalog;
  readonly retention: RetentionPolicy;
  private readonly loading: Promise<unknown>;

  constructor(
    private config: ResolvedConfig,
    private readonly log: (line: string) => void,
  ) {
    const s = config.storage;
    this.catalog = new RecordingCatalog({
      rootPath: s.rootPath,
      isReadOnly: s.isReadOnly,
      keepUnknownFiles: s.keepUnknownFiles,
      initialLoadThreads: s.initialLoadThreads,
      log,
    });
    this.retention = new RetentionPolicy({
      catalog: this.catalog,
      limitBytes: s.limitBytes,
      streams: retentionOf(config),
      log,
    });
    this.loading = this.catalog.load().then(
      () => this.retention.check(),
      (err: unknown) => log(`storage: scan of ${s.rootPath} failed: ${String(err)}`),
    );
  }

  /** New limits from an edited config (the root folder itself changes only at restart). */
  update(config: ResolvedConfig): void {
    this.config = config;
    this.retention.setLimits(config.storage.limitBytes, retentionOf(config));
  }

  /** A recorder for a version that records; waits for the start-up scan when `waitForLoad`. */
  async recorder(version: ResolvedStreamVersion): Promise<StreamRecorderLike | null> {
    if (!version.recording.enabled || this.config.storage.isReadOnly) return null;
    if (this.config.storage.waitForLoad) await this.loading;
    const r = version.recording;
    return new StreamRecorder({
      streamId: version.streamId,
      catalog: this.catalog,
      retention: this.retention,
      dividerMs: r.dividerMs,
      limitBytes: r.fileLimitBytes,
      nameDigits: r.nameDigits,
      fsync: r.fsync,
      log: this.log,
    });
  }

  usage(): { usedBytes: number; oldestMs: number | null; newestMs: number | null } {
    const u = this.catalog.usage();
    let oldestMs: number | null = null;
    let newestMs: number | null = null;
    for (const s of u.streams.values()) {
      if (s.oldestMs !== null && (oldestMs === null || s.oldestMs < oldestMs)) oldestMs = s.oldestMs;
      if (s.newestMs !== null && (newestMs === null || s.newestMs > newestMs)) newestMs = s.newestMs;
    }
    return { usedBytes: u.totalBytes, oldestMs, newestMs };
  }

  // ---- RecordingsService ----------------------------------------------------------------------------

  async segments(streamId: StreamId, fromMs: number, toMs: number): Promise<RecordingSegment[]> {
    await this.loading;
    return this.catalog.segments(streamId, fromMs, toMs).map(toRecordingSegment);
  }

  async openReader(streamId: StreamId, fromMs: number): Promise<PlaybackReader | null> {
    await this.loading;
    if (
      this.catalog.keyframeAtOrBefore(streamId, fromMs) === null &&
      this.catalog.keyframeAtOrAfter(streamId, fromMs) === null
    ) {
      return null;
    }
    const reader = this.catalog.openReader(streamId, fromMs, { speed: 0, log: this.log });
    return {
      next: async () => {
        const unit = await reader.next();
        return unit === null ? null : { au: unit.au, format: unit.format };
      },
      close: async () => reader.close(),
    };
  }

  async stepTarget(
    streamId: StreamId,
    positionMs: number,
    direction: 'next-keyframe' | 'previous-keyframe',
  ): Promise<number | null> {
    await this.loading;
    const k =
      direction === 'next-keyframe'
        ? this.catalog.keyframeAtOrAfter(streamId, positionMs + 1)
        : this.catalog.keyframeAtOrBefore(streamId, positionMs - 1);
    return k?.timeMs ?? null;
  }

  async exportMp4(streamId: StreamId, fromMs: number, toMs: number): Promise<Readable> {
    await this.loading;
    return exportMp4(this.catalog, streamId, fromMs, toMs, { log: this.log });
  }

  async close(): Promise<void> {
    this.retention.close();
    await this.catalog.close();
  }
}
