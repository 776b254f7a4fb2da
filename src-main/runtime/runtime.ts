/**
 * The composition root (DESIGN.md): config → streams (one supervisor per enabled version, into the hub, a
 * recorder per recorded version) → the HTTP(S) servers of `http.ports[]`. Headless (`thinstream -c cfg.json
 * -runServer`) and the Electron shell both start the core through `startRuntime()`.
 *
 *   const runtime = await startRuntime({ configPath });
 *   runtime.url            // https://localhost:30443
 *   await runtime.close()  // TEARDOWN to every camera, open segments finished, servers closed
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CameraSummary, ConfigSaveResponse } from '../../src-shared/api.js';
import { SESSION_COOKIE_NAME } from '../../src-shared/api.js';
import type { ResolvedConfig, ResolvedHttpPort } from '../../src-shared/config/resolved-config.js';
import { defaultConfig, demoCameraEntry } from '../config/default-config.js';
import { saveConfig } from '../config/save-config.js';
import { FileSecretStore, sealSecrets, type SecretStore } from '../config/secret-store.js';
import { Hub } from '../streams/hub.js';
import { SessionStore } from '../server/auth/session-store.js';
import { SetupToken } from '../server/auth/setup-token.js';
import { SignInLimiter } from '../server/auth/sign-in-limiter.js';
import { UsersStore } from '../server/auth/users-store.js';
import { ConnectionCounter, startHttpServer, type HttpServerHandle, type TlsMaterial } from '../server/http-server.js';
import type { ConnectionLimits, ServerContext } from '../server/server-context.js';
import { TokenBucket } from '../server/token-bucket.js';
import { collectTelemetry, memoryTelemetry } from '../telemetry/telemetry.js';
import { MemoryReducer } from './memory-reducer.js';
import { dataDirFor } from './data-dir.js';
import { tuneHeapForMedia } from './heap-tuning.js';
import { RuntimeConfig } from './runtime-config.js';
import { RuntimeStorage } from './recordings.js';
import { RuntimeCertificates } from './certificates.js';
import { RuntimeIngest } from './ingest.js';
import { StreamSet, type StreamFactories } from './stream-set.js';

export interface RuntimeOptions {
  /** The config file (the original's shape). */
  configPath: string;
  /** With no file at `configPath`, write the default config there first (first run). */
  createIfMissing?: boolean;
  /** First run: add the demo camera at this RTSP URL to the default config. */
  demoCameraUrl?: string;
  /** Where the users file and the key store live; default: the config file's folder. */
  dataDir?: string;
  /** Address to listen on; default all IPv4 interfaces (LAN viewers). Tests use 127.0.0.1. */
  host?: string;
  /** Replaces the port of the first enabled `http.ports[]` entry (0 = any free port, for tests). */
  httpPort?: number;
  /** The renderer bundle; default out/renderer beside the compiled core. */
  rendererDir?: string;
  /** The first-run token; the desktop app passes its own to its window. Default: random, printed in the setup link. */
  setupToken?: string;
  secretStore?: SecretStore;
  /** How streams are ingested and recorded (default: StreamSupervisor and StreamRecorder). */
  factories?: Partial<StreamFactories>;
  /** Local UDP ports for RTP/RTCP instead of the config's (0 = any free port, for tests). */
  udpPorts?: { rtpPort: number; rtcpPort: number };
  log?: (line: string) => void;
}

export interface Runtime {
  /** The first server's URL (https://localhost:<port>). */
  readonly url: string;
  readonly urls: string[];
  readonly hub: Hub;
  readonly users: UsersStore;
  readonly config: RuntimeConfig;
  readonly streams: StreamSet;
  /** While no admin exists: the link that opens first-run setup with its token; else null. */
  readonly setupUrl: string | null;
  /** The CA certificate (PEM) a client must trust for the HTTPS ports, when they use our CA. */
  readonly caPem: string | null;
  /** A session for the desktop window (via `local-app`): the cookie to set on its requests. */
  createLocalSession(username?: string): { name: string; value: string };
  cameras(): CameraSummary[];
  close(): Promise<void>;
}

const DEFAULT_SEND_QUEUE_BYTES = 4 * 1024 * 1024;

function defaultRendererDir(): string {
  // out/src-main/runtime/runtime.js → out/renderer
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../renderer');
}

function camerasOf(resolved: ResolvedConfig, streams: StreamSet): CameraSummary[] {
  return resolved.cameras.map((camera) => ({
    deviceUid: camera.deviceUid,
    name: camera.name,
    groupUid: camera.group.uid,
    groupName: camera.group.name,
    enabled: camera.enabled,
    versions: camera.versions
      .filter((v) => streams.has(v.streamId))
      .map((v) => ({
        versionSid: v.versionSid,
        streamId: v.streamId,
        status: streams.status(v.streamId)!,
        recording: streams.isRecording(v.streamId),
      })),
  }));
}

function limitsOf(port: ResolvedHttpPort, config: ResolvedConfig): ConnectionLimits {
  const idle = [port.perConn.idleMs, config.http.idleMs].filter((ms) => ms > 0);
  return {
    secsIdle: idle.length > 0 ? Math.min(...idle) / 1000 : 0,
    secsOverqueueing: port.perConn.overqueueingMs / 1000,
    bpsIn: port.perConn.bps.inBps,
    bpsOut: port.perConn.bps.outBps,
    sendQueueBytes: DEFAULT_SEND_QUEUE_BYTES,
  };
}

/** What a config change needs beyond the streams: HTTP, RTP ports, storage and certificates apply at restart. */
function restartReasons(next: ResolvedConfig, previous: ResolvedConfig): string[] {
  const reasons: string[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (!same(next.http, previous.http)) reasons.push('HTTP ports, TLS or connection limits changed');
  if (!same(next.rtp, previous.rtp)) reasons.push('RTP/RTCP ports changed');
  if (next.storage.rootPath !== previous.storage.rootPath) reasons.push('the recordings folder changed');
  if (!same(next.certs, previous.certs)) reasons.push('certificate settings changed');
  return reasons;
}

/** First run: the default config (HTTPS, certificates made at start), with the demo camera when given its URL. */
export async function writeDefaultConfig(
  configPath: string,
  dataDir: string,
  store: SecretStore,
  options: { httpPort?: number; demoCameraUrl?: string } = {},
): Promise<void> {
  const config = defaultConfig({ dataDir, ...(options.httpPort === undefined ? {} : { httpsPort: options.httpPort }) });
  if (options.demoCameraUrl) config.server?.streamsGrps?.[0]?.streams?.push(demoCameraEntry(options.demoCameraUrl));
  await mkdir(dirname(resolve(configPath)), { recursive: true });
  await saveConfig(configPath, await sealSecrets(config, store));
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  tuneHeapForMedia(); // full collections paced by the video read, not by a 20 MB heap (heap-tuning.ts)
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataDir = options.dataDir ?? dataDirFor(options.configPath);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const store = options.secretStore ?? new FileSecretStore(join(dataDir, 'secrets.json'));
  if (options.createIfMissing && !existsSync(options.configPath)) {
    await writeDefaultConfig(options.configPath, dataDir, store, {
      ...(options.httpPort === undefined ? {} : { httpPort: options.httpPort }),
      ...(options.demoCameraUrl === undefined ? {} : { demoCameraUrl: options.demoCameraUrl }),
    });
    log(`runtime: wrote a default config to ${resolve(options.configPath)}`);
  }
  const config = await RuntimeConfig.load(options.configPath, store);
  for (const w of config.warnings) log(`config: ${w.path}: ${w.message}`);
  let resolved = config.resolved;

  const users = await UsersStore.open(dataDir);
  const sessions = new SessionStore();
  const setupToken = new SetupToken(options.setupToken);
  if (users.hasAdmin()) setupToken.consume();
  const hub = new Hub({ log });
  const memoryReducer = new MemoryReducer();
  memoryReducer.start();
  const storage = new RuntimeStorage(resolved, log);
  let ingest: RuntimeIngest | null = null;
  let certificates: RuntimeCertificates | null = null;

  const factories: StreamFactories = {
    source: options.factories?.source ?? ((version) => ingest!.supervisor(version)),
    recorder: options.factories?.recorder ?? ((version) => storage.recorder(version)),
  };
  const streams = new StreamSet(hub, factories, log);
  const servers: HttpServerHandle[] = [];
  const cameras = (): CameraSummary[] => camerasOf(resolved, streams);

  const ctx: ServerContext = {
    hub,
    users,
    sessions,
    signInLimiter: new SignInLimiter(),
    setupToken,
    rendererDir: options.rendererDir ?? defaultRendererDir(),
    log,
    cameras,
    telemetry: () =>
      collectTelemetry({
        streams: () => streams.statuses(),
        storage: {
          rootPath: resolved.storage.rootPath,
          limitBytes: resolved.storage.limitBytes,
          recordings: () => storage.usage(),
        },
        server: () => ({
          connections: servers.reduce((n, s) => n + s.connections(), 0),
          viewers: hub.stats().viewers,
          bytesOut: hub.stats().bytesOut,
        }),
        memory: () => memoryTelemetry(ingest?.slabPool ?? null, hub.framePool, memoryReducer.collections),
      }),
    recordings: storage,
    config,
    certificates: null,
    probe: (request) => ingest!.probe(request, resolved),
    probeReport: (request) => ingest!.probeReport(request, resolved),
    globalBpsIn: resolved.http.bps.inBps > 0 ? new TokenBucket(resolved.http.bps.inBps) : null,
    globalBpsOut: resolved.http.bps.outBps > 0 ? new TokenBucket(resolved.http.bps.outBps) : null,
  };

  const closeAll = async (): Promise<void> => {
    hub.close(); // viewers are told `end` before their sockets close
    await Promise.all(servers.map((s) => s.close().catch(() => {})));
    await streams.close(); // TEARDOWN, then each recorder finishes its segment
    await storage.close();
    await ingest?.close();
    sessions.close();
    memoryReducer.stop();
  };

  try {
    ingest = await RuntimeIngest.start(resolved, options.udpPorts ?? null, log);
    certificates = await RuntimeCertificates.start(resolved, log);
    ctx.certificates = certificates;
    await streams.apply(resolved.streams);
    const overall = new ConnectionCounter(resolved.http.maxConns);
    const enabledPorts = resolved.http.ports.filter((p) => p.enabled);
    for (const [i, port] of enabledPorts.entries()) {
      const listenPort = i === 0 && options.httpPort !== undefined ? options.httpPort : port.port;
      const tls: TlsMaterial | null = port.tls === null ? null : await certificates!.tlsFor(port);
      const server = await startHttpServer(
        ctx,
        {
          host: options.host ?? '0.0.0.0',
          port: listenPort,
          tls,
          maxConnections: port.maxConns,
          bpsIn: port.bps.inBps,
          bpsOut: port.bps.outBps,
          limits: limitsOf(port, resolved),
        },
        overall,
      );
      servers.push(server);
      if (port.tls !== null) certificates!.track(port, server);
      log(`runtime: serving ${server.url.replace('127.0.0.1', 'localhost')} (http.ports[${port.index}] ${port.desc})`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }

  config.onApply(async (next, previous): Promise<ConfigSaveResponse> => {
    resolved = next;
    storage.update(next);
    certificates?.update(next);
    const result = await streams.apply(next.streams);
    log(
      `runtime: config applied: ${result.started.length} started, ${result.stopped.length} stopped, ${result.restarted.length} restarted`,
    );
    const reasons = restartReasons(next, previous);
    return { applied: reasons.length === 0 ? 'live' : 'restart-needed', restartReasons: reasons };
  });

  const urls = servers.map((s) => s.url.replace('127.0.0.1', 'localhost'));
  const url = urls[0] ?? '';
  const setupUrl = setupToken.value === null || url === '' ? null : `${url}/signin.html?token=${setupToken.value}`;

  let closed: Promise<void> | null = null;
  return {
    url,
    urls,
    hub,
    users,
    config,
    streams,
    setupUrl,
    caPem: certificates?.ca.exportCaPem() ?? null,
    createLocalSession(username = 'local') {
      const session = sessions.create({ username, role: 'admin', via: 'local-app' });
      return { name: SESSION_COOKIE_NAME, value: session.id };
    },
    cameras,
    close() {
      closed ??= closeAll().then(() => log('runtime: stopped'));
      return closed;
    },
  };
}
