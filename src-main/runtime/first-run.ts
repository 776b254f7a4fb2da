/**
 * Starting ThinStream the way a user does (the desktop app and `thinstream start`): the config in the OS
 * app-data folder unless one is named; on first run a default config with the **demo camera** (our RTSP
 * server on loopback serving assets/demo/demo.h264 in a loop, ingested through the same RTSP client as a real
 * camera, recording); then the runtime. The demo runs whenever the config still has its entry, so removing the
 * camera in the config editor removes the demo at the next start.
 *
 *   const core = await startCore({ log });
 *   core.runtime.url      // https://localhost:30443
 *   core.setupLink        // first run: where to set the admin password (null once an admin exists)
 *   await core.close()    // streams stopped, open segments finished, servers and the demo closed
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SecretStore } from '../config/secret-store.js';
import { CONFIG_FILENAME, DEFAULT_HTTPS_PORT, DEMO_DEVICE_UID, appDataDir } from '../config/default-config.js';
import { readConfigJson } from '../config/load-config.js';
import { saveConfig } from '../config/save-config.js';
import { DEMO_PATH, startDemoCamera } from '../rtsp/server/demo-camera.js';
import type { RtspServer } from '../rtsp/server/rtsp-server.js';
import { startRuntime, type Runtime } from './runtime.js';

/** The demo camera's RTSP port when it is free (on loopback only); else another free one is picked and saved. */
export const DEFAULT_DEMO_RTSP_PORT = 30554;
/** Ports tried above a busy default before asking the OS for any free one. */
const PORT_SEARCH_SPAN = 16;

export interface StartCoreOptions {
  /** Default: `thinstream.json` in appDataDir(). The data folder (users, key store, certificates) is its folder. */
  configPath?: string;
  /** The viewer's HTTPS port for this run (0 = any free port); on first run also the one written. */
  httpPort?: number;
  /** Default: all interfaces (LAN browsers). */
  host?: string;
  /** First run: put the demo camera in the new config (default true). */
  demo?: boolean;
  /** First run: the demo camera's RTSP port (default 30554 when free; 0 = any free port). */
  demoPort?: number;
  /** Where the demo clip is when packaged (Electron's resources folder); default assets/demo/demo.h264. */
  clipPath?: string;
  /** Default: the runtime's key file in the data folder. The desktop app passes its OS key storage. */
  secretStore?: SecretStore;
  /** The first-run setup token; default random. The desktop app passes it to its setup window. */
  setupToken?: string;
  log?: (line: string) => void;
}

export interface Core {
  readonly runtime: Runtime;
  readonly configPath: string;
  readonly dataDir: string;
  /** This start wrote the config (there was none). */
  readonly firstRun: boolean;
  /** The demo camera's server, while the config has the demo entry. */
  readonly demo: RtspServer | null;
  /** While no admin exists: the sign-in page's create-admin form with the setup token; else null. */
  readonly setupLink: string | null;
  close(): Promise<void>;
}

/** The first-run link: the sign-in page reads the token from `token=` and shows the create-admin form. */
export function setupLinkFor(url: string, token: string): string {
  return `${url}/signin.html?token=${encodeURIComponent(token)}`;
}

/** True when nothing listens on `port` at `host` (checked by binding it for a moment). */
export function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => done(true)));
  });
}

/** `preferred` if free, else the next free one within a few, else any free port the OS gives. */
export async function pickPort(preferred: number, host: string): Promise<number> {
  if (preferred === 0) return anyFreePort(host);
  for (let port = preferred; port < preferred + PORT_SEARCH_SPAN && port <= 65535; port++)
    if (await isPortFree(port, host)) return port;
  return anyFreePort(host);
}

function anyFreePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

interface DemoEntry {
  /** Where the entry's URI is in the config, to rewrite it when the port moves. */
  version: { uri?: unknown };
  port: number;
}

/** The demo camera's version in a config file (the entry demoCameraEntry() made), or null once removed. */
export function findDemoEntry(config: unknown): DemoEntry | null {
  const groups = (config as { server?: { streamsGrps?: unknown } } | null)?.server?.streamsGrps;
  if (!Array.isArray(groups)) return null;
  for (const group of groups) {
    const streams = (group as { streams?: unknown } | null)?.streams;
    if (!Array.isArray(streams)) continue;
    for (const stream of streams) {
      const s = stream as { isDisabled?: unknown; device?: { uid?: unknown }; versions?: unknown } | null;
      if (s?.device?.uid !== DEMO_DEVICE_UID || s.isDisabled === true || !Array.isArray(s.versions)) continue;
      for (const version of s.versions as Array<{ uri?: unknown } | null>) {
        if (typeof version?.uri !== 'string') continue;
        const match = /^rtsp:\/\/127\.0\.0\.1:(\d+)(\/.*)$/.exec(version.uri);
        if (match?.[2] === DEMO_PATH) return { version, port: Number(match[1]) };
      }
    }
  }
  return null;
}

export async function startCore(options: StartCoreOptions = {}): Promise<Core> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const configPath = resolve(options.configPath ?? join(appDataDir(), CONFIG_FILENAME));
  const dataDir = dirname(configPath);
  const firstRun = !existsSync(configPath);
  const setupToken = options.setupToken ?? randomBytes(24).toString('base64url');
  const listenHost = options.host ?? '0.0.0.0';

  let demo: RtspServer | null = null;
  let httpPort = options.httpPort;
  try {
    if (firstRun) {
      httpPort ??= await pickPort(DEFAULT_HTTPS_PORT, listenHost);
      if (options.demo !== false) {
        demo = await startDemo(await pickPort(options.demoPort ?? DEFAULT_DEMO_RTSP_PORT, '127.0.0.1'), options, log);
      }
    } else {
      demo = await startConfiguredDemo(configPath, options, log);
    }
    const runtime = await startRuntime({
      configPath,
      createIfMissing: firstRun,
      ...(demo === null || !firstRun ? {} : { demoCameraUrl: demo.url(DEMO_PATH) }),
      dataDir,
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(httpPort === undefined ? {} : { httpPort }),
      ...(options.secretStore === undefined ? {} : { secretStore: options.secretStore }),
      setupToken,
      log,
    });
    const setupLink = runtime.setupUrl === null ? null : setupLinkFor(runtime.url, setupToken);
    const running = demo;
    let closing: Promise<void> | null = null;
    return {
      runtime,
      configPath,
      dataDir,
      firstRun,
      demo,
      get setupLink() {
        // The token ends when an admin is made (from the setup page or `thinstream user add`).
        return runtime.users.hasAdmin() ? null : setupLink;
      },
      close() {
        closing ??= (async () => {
          await runtime.close();
          await running?.close();
        })();
        return closing;
      },
    };
  } catch (err) {
    await demo?.close();
    throw err;
  }
}

function startDemo(port: number, options: StartCoreOptions, log: (line: string) => void): Promise<RtspServer> {
  return startDemoCamera({
    port,
    ...(options.clipPath === undefined ? {} : { clipPath: options.clipPath }),
    log: (line) => log(`demo camera: ${line}`),
  });
}

/**
 * The demo camera of an existing config, on the port its URI names. When something else took that port since,
 * the demo moves to a free one and the config's URI follows (one log line), so the tile keeps working.
 */
async function startConfiguredDemo(
  configPath: string,
  options: StartCoreOptions,
  log: (line: string) => void,
): Promise<RtspServer | null> {
  const file = await readConfigJson(configPath);
  const entry = findDemoEntry(file);
  if (entry === null) return null;
  if (await isPortFree(entry.port, '127.0.0.1')) return startDemo(entry.port, options, log);
  const demo = await startDemo(await pickPort(entry.port + 1, '127.0.0.1'), options, log);
  entry.version.uri = demo.url(DEMO_PATH);
  await saveConfig(configPath, file as Parameters<typeof saveConfig>[1], { skipValidation: true });
  log(`demo camera: port ${entry.port} is taken; moved to ${demo.port} and saved the new URL in ${configPath}`);
  return demo;
}
