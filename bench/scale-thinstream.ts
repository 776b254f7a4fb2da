/**
 * ThinStream as bench:scale runs it: the headless `thinstream -c <cfg> -runServer` in a child process (so its
 * CPU and memory are its own), from a generated config recording every farm camera into a temp folder, and
 * live WebSocket viewers (signed in over HTTPS with the runtime's own CA, the real wire format) in this process.
 *
 *   const ts = await startThinStream({ dir, urls, transport: 'tcp', viewers: 4 });
 *   ts.pid; ts.viewers()          // units and bytes each viewer received
 *   await ts.stop()               // SIGTERM: TEARDOWN, segments finished; resolves once the process exited
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type WebSocket from 'ws';
import type { TelemetryResponse } from '../src-shared/api.js';
import { readAccessUnitMessage, type ServerTextMessage } from '../src-shared/live-wire.js';
import { TestClient } from '../test/server/support/http-client.js';
import { REPO_ROOT } from '../test/support/paths.js';
import { GcCounter } from './scale-gc.js';
import type { ProbeLine } from './scale-probe.js';

const BIN = join(REPO_ROOT, 'bin/thinstream.js');
const PROBE = fileURLToPath(new URL('./scale-probe.js', import.meta.url));
const USER = 'bench';
const PASSWORD = 'bench-scale-password';
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 120_000;

export interface ThinStreamOptions {
  /** A fresh folder: the config, certificates, users and recordings go in it. */
  dir: string;
  /** One RTSP URL per camera. */
  urls: string[];
  transport: 'tcp' | 'udp';
  /** Live WebSocket viewers, on cameras 1…n. */
  viewers: number;
  /** `node --cpu-prof` into this folder. */
  cpuProfileDir?: string;
  /** `node --trace-gc`, counted by `gc`. */
  traceGc?: boolean;
  /** More flags for node (experiments: `--max-semi-space-size=32`). */
  nodeArgs?: string[];
  /** Another build's `bin/thinstream.js`, to measure before and after a change. Default: this repository's. */
  bin?: string;
  /** Load scale-probe.ts into the runtime; its lines go to `onProbe`. */
  onProbe?: (line: ProbeLine) => void;
  /** Lines every this many ms (default 1000). */
  probeIntervalMs?: number;
  /** Segment length; default 60 s, as ffmpeg's `-segment_time 60`. */
  segmentSeconds?: number;
  /** The global storage limit (`4GB`); default 1000GB (nothing deleted in a benchmark). */
  storageLimit?: string;
}

export interface ViewerCounts {
  streamId: string;
  units: number;
  keyframes: number;
  bytes: number;
  skippedUnits: number;
  description: boolean;
}

export interface ThinStream {
  pid: number;
  url: string;
  recordingsDir: string;
  gc: GcCounter;
  viewers(): ViewerCounts[];
  /** GET /api/v1/telemetry as the signed-in bench user: streams, storage, memory and the slab pool. */
  telemetry(): Promise<TelemetryResponse>;
  /** SIGTERM, then waits for the exit; rejects if it does not exit cleanly in time. */
  stop(): Promise<void>;
  /** Kills the process if still running, closes the viewers. */
  close(): Promise<void>;
}

export function deviceUid(index: number): string {
  return `cam${index + 1}`;
}

export async function writeScaleConfig(
  dir: string,
  urls: string[],
  transport: 'tcp' | 'udp',
  { segmentSeconds = 60, storageLimit = '1000GB' }: { segmentSeconds?: number; storageLimit?: string } = {},
): Promise<string> {
  const configPath = join(dir, 'cfg.json');
  const config = {
    context: {
      filesystem: { streams: { rootPath: 'recordings', defaults: { limit: storageLimit } } },
      caCert: { path: 'certs/ca.der', key: { pass: 'bench-ca-pass', path: 'certs/ca.p12', name: 'ca' } },
    },
    server: {
      defaults: {
        streams: {
          params: {
            rtsp: { transport },
            write: { mode: 'allways', files: { payload: { divider: `${segmentSeconds}s` } } },
          },
        },
      },
      rtsp: { rtp: { server: { ports: [0] } }, rtcp: { port: 0 } },
      streamsGrps: [
        {
          uid: 'farm',
          name: 'Farm',
          streams: urls.map((uri, i) => ({
            device: { uid: deviceUid(i), name: `Camera ${i + 1}` },
            versions: [{ sid: 'main', uri }],
          })),
        },
      ],
    },
    http: {
      ports: [
        {
          port: 0,
          ssl: {
            cert: { source: { path: 'certs/https.der', key: { pass: 'bench-https-pass', path: 'certs/https.p12' } } },
          },
        },
      ],
    },
  };
  await writeFile(configPath, JSON.stringify(config, null, 2));
  return configPath;
}

function run(bin: string, args: string[], input?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [bin, ...args], { timeout: 120_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`thinstream ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve();
    });
    child.stdin?.end(input ?? '');
  });
}

export async function startThinStream(options: ThinStreamOptions): Promise<ThinStream> {
  const configPath = await writeScaleConfig(options.dir, options.urls, options.transport, {
    ...(options.segmentSeconds === undefined ? {} : { segmentSeconds: options.segmentSeconds }),
    ...(options.storageLimit === undefined ? {} : { storageLimit: options.storageLimit }),
  });
  // Certificates and the user first, so the measured process does not spend its first seconds on RSA keys.
  const bin = options.bin ?? BIN;
  await run(bin, ['-c', configPath, '-genCA', '-genSSL']);
  await run(bin, ['-c', configPath, 'user', 'add', USER, '--password-stdin', '--role', 'admin'], `${PASSWORD}\n`);

  const nodeArgs: string[] = [];
  if (options.cpuProfileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
  if (options.traceGc) nodeArgs.push('--trace-gc');
  nodeArgs.push(...(options.nodeArgs ?? []));
  if (options.onProbe) nodeArgs.push('--import', PROBE);
  const child = spawn(process.execPath, [...nodeArgs, bin, '-c', configPath, '-runServer'], {
    cwd: options.dir,
    env: { ...process.env, THINSTREAM_PROBE_INTERVAL_MS: String(options.probeIntervalMs ?? 1000) },
    stdio: ['ignore', 'pipe', 'pipe', options.onProbe ? 'pipe' : 'ignore'],
  });
  // The runtime's log, kept whole beside the recordings (what the recorder and supervisors said).
  const logFile = createWriteStream(join(options.dir, 'runtime.log'));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    logFile.write(d);
    stderr = (stderr + d.toString()).slice(-16_384);
  });
  child.once('exit', () => logFile.end());
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const gc = new GcCounter();
  const stdout = createInterface({ input: child.stdout! });
  let onUrl: (url: string) => void = () => {};
  const urlPromise = new Promise<string>((resolve) => (onUrl = resolve));
  stdout.on('line', (line) => {
    logFile.write(`${line}\n`);
    if (gc.line(line)) return;
    const m = /^thinstream: serving (https:\/\/localhost:\d+)/.exec(line);
    if (m) onUrl(m[1]!);
  });
  if (options.onProbe) {
    const probe = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    probe.on('line', (line) => options.onProbe!(JSON.parse(line) as ProbeLine));
  }
  let timer: NodeJS.Timeout | undefined;
  let url: string;
  try {
    url = await Promise.race([
      urlPromise,
      exited.then((code) => {
        throw new Error(`thinstream exited with ${code} before serving:\n${stderr}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`thinstream did not serve within 120 s:\n${stderr}`)),
          START_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }

  const sockets: WebSocket[] = [];
  const counts: ViewerCounts[] = [];
  let client: TestClient;
  try {
    const ca = new X509Certificate(await readFile(join(options.dir, 'certs/ca.der'))).toString();
    client = new TestClient(url, { ca });
    const signIn = await client.signIn(USER, PASSWORD);
    if (signIn.status !== 200) throw new Error(`sign-in refused: ${signIn.status} ${signIn.text()}`);
    for (let i = 0; i < Math.min(options.viewers, options.urls.length); i++) {
      const c: ViewerCounts = {
        streamId: `${deviceUid(i)}/main`,
        units: 0,
        keyframes: 0,
        bytes: 0,
        skippedUnits: 0,
        description: false,
      };
      counts.push(c);
      const ws = client.websocket(`/api/v1/live/${c.streamId}`);
      ws.on('message', (data: Buffer, binary) => {
        if (!binary) {
          const m = JSON.parse(data.toString()) as ServerTextMessage;
          if (m.type === 'description') c.description = true;
          if (m.type === 'skipped') c.skippedUnits += m.droppedUnits;
          return;
        }
        const unit = readAccessUnitMessage(data);
        if (unit === null) return;
        c.units++;
        c.bytes += data.byteLength;
        if (unit.header.keyframe) c.keyframes++;
      });
      ws.on('error', (err) => process.stderr.write(`bench:scale: viewer of ${c.streamId}: ${err.message}\n`));
      sockets.push(ws);
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }

  const stop = async (): Promise<void> => {
    for (const ws of sockets) ws.terminate();
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    let t: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => (t = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(t);
    if (code === 'timeout') {
      child.kill('SIGKILL');
      throw new Error(`thinstream did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM:\n${stderr}`);
    }
    if (code !== 0) throw new Error(`thinstream exited with ${code}:\n${stderr}`);
  };
  return {
    pid: child.pid!,
    url,
    recordingsDir: join(options.dir, 'recordings'),
    gc,
    viewers: () => counts.map((c) => ({ ...c })),
    telemetry: async () => {
      const r = await client.fetch('GET', '/api/v1/telemetry');
      if (r.status !== 200) throw new Error(`telemetry: ${r.status} ${r.text().slice(0, 200)}`);
      return r.json() as TelemetryResponse;
    },
    stop,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      killIfRunning(child);
      await exited;
    },
  };
}

function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
