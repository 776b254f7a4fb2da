/**
 * The HTTP server on real sockets with real parts (hub, users file, sessions), its cameras fed from a clip
 * or a supervisor by the test. TLS uses a throwaway self-signed certificate made by openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CameraSummary, TelemetryResponse } from '../../../src-shared/api.js';
import { splitStreamId } from '../../../src-shared/access-unit.js';
import { Hub } from '../../../src-main/streams/hub.js';
import type { WsFramePool } from '../../../src-main/streams/ws-frame-pool.js';
import { SessionStore } from '../../../src-main/server/auth/session-store.js';
import { SetupToken } from '../../../src-main/server/auth/setup-token.js';
import { SignInLimiter } from '../../../src-main/server/auth/sign-in-limiter.js';
import { UsersStore } from '../../../src-main/server/auth/users-store.js';
import {
  ConnectionCounter,
  startHttpServer,
  type HttpPortOptions,
  type HttpServerHandle,
} from '../../../src-main/server/http-server.js';
import type { ServerContext } from '../../../src-main/server/server-context.js';
import { memoryTelemetry } from '../../../src-main/telemetry/telemetry.js';
import { TestClient } from './http-client.js';

/** Cheap scrypt for tests that make many users (the default is deliberately slow). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1, keyLen: 32 };

export interface SelfSignedCert {
  key: string;
  cert: string;
}

export function makeSelfSignedCert(dir: string): SelfSignedCert {
  const key = join(dir, 'server.key.pem');
  const cert = join(dir, 'server.cert.pem');
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2'],
      ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

export interface TestServerOptions {
  tls?: boolean;
  streams?: string[];
  port?: Partial<HttpPortOptions>;
  context?: Partial<ServerContext>;
  maxConnectionsOverall?: number;
  /** Start without any user (first run). */
  noUsers?: boolean;
  /** The hub's WebSocket frame pool (default its own). */
  framePool?: WsFramePool;
}

export interface TestServer {
  url: string;
  dir: string;
  cert: SelfSignedCert | null;
  ctx: ServerContext;
  hub: Hub;
  server: HttpServerHandle;
  logLines: string[];
  client(): TestClient;
  /** A client signed in as the admin `admin` / `admin-password`. */
  admin(): Promise<TestClient>;
  close(): Promise<void>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-server-test-'));
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(
    join(rendererDir, 'signin.html'),
    '<!doctype html><title>Sign in</title><script src="signin.js"></script>',
  );
  writeFileSync(join(rendererDir, 'signin.js'), 'console.log("sign in");');
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>App</title><script src="app.js"></script>');
  writeFileSync(join(rendererDir, 'app.js'), 'console.log("app");');
  const tls = options.tls ?? true;
  const cert = tls ? makeSelfSignedCert(dir) : null;
  const logLines: string[] = [];
  const hub = new Hub({ log: (l) => logLines.push(l), framePool: options.framePool });
  const streams = options.streams ?? ['cam-a/1-high', 'cam-a/2-low'];
  for (const id of streams) hub.addStream(id);
  const users = await UsersStore.open(dir, { scrypt: TEST_SCRYPT });
  if (!options.noUsers) await users.set('admin', 'admin-password', 'admin');
  const sessions = new SessionStore();
  const cameras = (): CameraSummary[] => {
    const byDevice = new Map<string, CameraSummary>();
    for (const id of streams) {
      const { deviceUid, versionSid } = splitStreamId(id)!;
      let camera = byDevice.get(deviceUid);
      if (!camera) {
        camera = { deviceUid, name: deviceUid, groupUid: 'g', groupName: 'Group', enabled: true, versions: [] };
        byDevice.set(deviceUid, camera);
      }
      camera.versions.push({ versionSid, streamId: id, status: hub.status(id)!, recording: false });
    }
    return [...byDevice.values()];
  };
  const ctx: ServerContext = {
    hub,
    users,
    sessions,
    signInLimiter: new SignInLimiter(),
    setupToken: new SetupToken(),
    rendererDir,
    log: (line) => logLines.push(line),
    cameras,
    telemetry: async (): Promise<TelemetryResponse> => ({
      nowMs: Date.now(),
      streams: streams.map((id) => hub.status(id)!),
      storage: { rootPath: dir, limitBytes: 0, usedBytes: 0, freeBytes: 0, oldestMs: null, newestMs: null },
      server: { connections: server.connections(), viewers: hub.stats().viewers, bytesOut: hub.stats().bytesOut },
      memory: memoryTelemetry(null, hub.framePool),
    }),
    recordings: null,
    config: null,
    certificates: null,
    probe: null,
    globalBpsIn: null,
    globalBpsOut: null,
    ...options.context,
  };
  const server: HttpServerHandle = await startHttpServer(
    ctx,
    {
      host: '127.0.0.1',
      port: 0,
      tls: cert ? { key: cert.key, cert: cert.cert, requestCert: false, requireCert: false } : null,
      maxConnections: 0,
      bpsIn: 0,
      bpsOut: 0,
      limits: { secsIdle: 30, secsOverqueueing: 15, bpsIn: 0, bpsOut: 0, sendQueueBytes: 4 * 1024 * 1024 },
      ...options.port,
    },
    new ConnectionCounter(options.maxConnectionsOverall ?? 0),
  );
  const url = server.url.replace('127.0.0.1', tls ? 'localhost' : '127.0.0.1');
  const client = (): TestClient => new TestClient(url, cert ? { ca: cert.cert } : {});
  return {
    url,
    dir,
    cert,
    ctx,
    hub,
    server,
    logLines,
    client,
    async admin() {
      const c = client();
      const r = await c.signIn('admin', 'admin-password');
      if (r.status !== 200) throw new Error(`admin sign-in failed: ${r.status} ${r.text()}`);
      return c;
    },
    async close() {
      hub.close();
      await server.close();
      sessions.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
