/**
 * The real headless server (startRuntime: config → RTSP supervisors → hub → recorder → HTTPS API) serving the
 * real renderer bundle (out/renderer), with GStreamer cameras, for the end-to-end tests and the grid benchmark.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startRuntime } from '../../../src-main/runtime/runtime.js';
import type { Runtime } from '../../../src-main/runtime/runtime.js';
import { REPO_ROOT } from '../../support/paths.js';

export const ADMIN_USER = 'admin';
export const ADMIN_PASSWORD = 'e2e-admin-password';

export interface E2eCamera {
  deviceUid: string;
  name: string;
  /** Highest first, lowest last, as the config lists them. */
  versions: Array<{ sid: string; url: string }>;
}

export interface E2eServer {
  url: string;
  runtime: Runtime;
  dir: string;
  logLines: string[];
  close(): Promise<void>;
}

/** A config file in the original's shape, recording to `dir`, HTTPS on an ephemeral loopback port. */
export function e2eConfig(dir: string, cameras: E2eCamera[], options: { record?: boolean } = {}): unknown {
  return {
    context: { filesystem: { streams: { rootPath: join(dir, 'recordings'), defaults: { limit: '2GB' } } } },
    server: {
      defaults: {
        streams: {
          params: {
            write: { mode: options.record === false ? 'never' : 'allways', files: { payload: { divider: '10s' } } },
            rtsp: { transport: 'tcp' },
            rtp: { assumeConnDroppedAfter: '5s' },
          },
        },
      },
      rtsp: { rtp: { server: { ports: [0] } }, rtcp: { port: 0 } },
      streamsGrps: [
        {
          uid: 'home',
          name: 'Home',
          streams: cameras.map((c) => ({
            device: { uid: c.deviceUid, name: c.name },
            versions: c.versions.map((v) => ({ sid: v.sid, uri: v.url })),
          })),
        },
      ],
    },
    http: { ports: [{ port: 0, desc: 'e2e' }] },
  };
}

export async function startE2eServer(cameras: E2eCamera[], options: { record?: boolean } = {}): Promise<E2eServer> {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-e2e-'));
  const configPath = join(dir, 'thinstream.json');
  writeFileSync(configPath, JSON.stringify(e2eConfig(dir, cameras, options), null, 2));
  const logLines: string[] = [];
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      configPath,
      host: '127.0.0.1',
      httpPort: 0,
      rendererDir: resolve(REPO_ROOT, 'out/renderer'),
      log: (line) => {
        if (logLines.length < 5000) logLines.push(line);
      },
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  await runtime.users.set(ADMIN_USER, ADMIN_PASSWORD, 'admin');
  return {
    url: runtime.url,
    runtime,
    dir,
    logLines,
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
