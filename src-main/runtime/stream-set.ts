/**
 * The running streams: per enabled stream version, one source (a StreamSupervisor: one camera connection),
 * its place in the hub, and a recorder when the version records. `apply()` takes a new list of versions and
 * changes only what changed: a camera added starts, one removed stops (its viewers are told `end`), one whose
 * settings changed restarts; every other stream keeps running untouched.
 */
import type { AccessUnit, StreamId, VideoFormat } from '../../src-shared/access-unit.js';
import type { ResolvedStreamVersion } from '../../src-shared/config/resolved-config.js';
import type { StreamStatus } from '../../src-shared/stream-status.js';
import type { Hub, HubSource } from '../streams/hub.js';

/** A StreamSupervisor, as the runtime drives it. */
export interface StreamSource extends HubSource {
  start(): void;
  close(): Promise<void>;
}

/** A StreamRecorder, as the runtime drives it. */
export interface StreamRecorderLike {
  /** True when it retains the leases of the units it keeps (StreamRecorder does; slab-pool.ts). */
  readonly leaseAware?: boolean;
  setFormat(format: VideoFormat): void;
  write(au: AccessUnit): void;
  status(): { state: string };
  close(): Promise<void>;
}

export interface StreamFactories {
  source(version: ResolvedStreamVersion): StreamSource;
  /** null when the version does not record. */
  recorder(version: ResolvedStreamVersion): Promise<StreamRecorderLike | null>;
}

interface RunningStream {
  version: ResolvedStreamVersion;
  /** What the stream was started with, to tell whether a new config changes it. */
  signature: string;
  source: StreamSource;
  recorder: StreamRecorderLike | null;
  unsubscribe: (() => void) | null;
  /** Settles once the recorder is attached (or known not to be). */
  recorderReady: Promise<void>;
}

export interface ApplyResult {
  started: StreamId[];
  stopped: StreamId[];
  restarted: StreamId[];
}

function signatureOf(v: ResolvedStreamVersion): string {
  // Everything that reaches the supervisor or the recorder; names and groups only change what the API shows.
  const { name: _name, group: _group, ...rest } = v;
  return JSON.stringify(rest);
}

export class StreamSet {
  private readonly running = new Map<StreamId, RunningStream>();
  private applying: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly hub: Hub,
    private readonly factories: StreamFactories,
    private readonly log: (line: string) => void,
  ) {}

  /** Applies a list of versions (disabled ones are stopped); calls are serialised. */
  apply(versions: ResolvedStreamVersion[]): Promise<ApplyResult> {
    const next = this.applying.then(() => this.applyNow(versions));
    this.applying = next.catch(() => {});
    return next;
  }

  private async applyNow(versions: ResolvedStreamVersion[]): Promise<ApplyResult> {
    const result: ApplyResult = { started: [], stopped: [], restarted: [] };
    const wanted = new Map(versions.filter((v) => v.enabled).map((v) => [v.streamId, v]));
    for (const [id, stream] of [...this.running]) {
      const version = wanted.get(id);
      if (version === undefined) {
        await this.stop(id, 'camera removed or disabled in the config');
        result.stopped.push(id);
      } else if (signatureOf(version) !== stream.signature) {
        await this.stop(id, 'camera settings changed; reconnect to see it again');
        await this.start(version);
        result.restarted.push(id);
      } else {
        stream.version = version; // a new name or group
      }
    }
    for (const [id, version] of wanted) {
      if (this.running.has(id)) continue;
      await this.start(version);
      result.started.push(id);
    }
    return result;
  }

  private async start(version: ResolvedStreamVersion): Promise<void> {
    const source = this.factories.source(version);
    this.hub.addStream(version.streamId, source);
    const stream: RunningStream = {
      version,
      signature: signatureOf(version),
      source,
      recorder: null,
      unsubscribe: null,
      recorderReady: Promise.resolve(),
    };
    this.running.set(version.streamId, stream);
    source.start(); // live viewing starts at once; recording may wait for the storage scan (waitForLoad)
    stream.recorderReady = this.attachRecorder(stream);
    this.log(`runtime: ${version.streamId}: started (${version.url}, ${version.transport})`);
  }

  private async attachRecorder(stream: RunningStream): Promise<void> {
    const id = stream.version.streamId;
    let recorder: StreamRecorderLike | null;
    try {
      recorder = await this.factories.recorder(stream.version);
    } catch (err) {
      this.log(`runtime: ${id}: recording cannot start: ${(err as Error).message}`);
      return;
    }
    if (recorder === null) return;
    if (this.running.get(id) !== stream) {
      await recorder.close(); // stopped while the recorder was being made
      return;
    }
    const r = recorder;
    stream.recorder = r;
    stream.unsubscribe = this.hub.subscribe(id, {
      leaseAware: r.leaseAware === true,
      onFormat: (format) => r.setFormat(format),
      onUnit: (unit) => r.write(unit.au),
    });
    this.log(`runtime: ${id}: recording`);
  }

  private async stop(id: StreamId, reason: string): Promise<void> {
    const stream = this.running.get(id);
    if (!stream) return;
    this.running.delete(id);
    await stream.recorderReady;
    await stream.source.close().catch((err: Error) => this.log(`runtime: ${id}: close: ${err.message}`));
    stream.unsubscribe?.();
    this.hub.removeStream(id, reason);
    await stream.recorder?.close().catch((err: Error) => this.log(`runtime: ${id}: recorder close: ${err.message}`));
    this.log(`runtime: ${id}: stopped (${reason})`);
  }

  has(id: StreamId): boolean {
    return this.running.has(id);
  }

  source(id: StreamId): StreamSource | null {
    return this.running.get(id)?.source ?? null;
  }

  isRecording(id: StreamId): boolean {
    const recorder = this.running.get(id)?.recorder;
    return recorder !== undefined && recorder !== null && recorder.status().state === 'recording';
  }

  /** The stream's state with counters as of now (a supervisor reports state changes, not every frame). */
  status(id: StreamId): StreamStatus | null {
    return this.running.get(id)?.source.status() ?? null;
  }

  statuses(): StreamStatus[] {
    return [...this.running.values()].map((s) => s.source.status());
  }

  /** Stops every stream: TEARDOWN to each camera, open segments finished. */
  async close(): Promise<void> {
    await this.applying;
    await Promise.all([...this.running.keys()].map((id) => this.stop(id, 'server shutting down')));
  }
}
