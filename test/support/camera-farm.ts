/**
 * A farm of N simulated cameras for scale benchmarks and soak tests (issue 7): `thinstream camera
 * --cameras N` in a child process (so its CPU and memory can be measured apart from the client under
 * test), or the server in-process, serving a generated 1080p 4 Mbit/s GOP-2s clip on /cam1 … /camN.
 *
 *   const farm = await startCameraFarm({ cameras: 64 });
 *   farm.urls            // rtsp://127.0.0.1:<port>/cam1 …
 *   await farm.usage()   // { cpuSeconds, rssBytes } of the farm process
 *   await farm.close();
 *
 * Also a drain client (`drainCameras`): the cheapest possible RTSP reader, which plays every camera
 * over TCP or UDP and counts frames and bytes, so a benchmark can load the farm without ffmpeg.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { RtspHeaders, RtspStreamParser, serializeRequest, type RtspResponse } from '../../src-main/rtsp/message.js';
import { startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip, type Clip, type ClipOptions } from './clips.js';
import { REPO_ROOT } from './paths.js';

export interface CameraFarmOptions {
  cameras: number;
  /** Default: 1920x1080, 25 fps, GOP 2 s (50 frames), 4000 kbit/s, 10 s. */
  clip?: ClipOptions;
  /** Run the server in this process instead of a `thinstream camera` child. Default false. */
  inProcess?: boolean;
  auth?: { scheme: 'basic' | 'digest'; user: string; password: string };
  quirks?: string[];
  /** Session timeout the cameras advertise, in seconds. Default 60. */
  sessionTimeoutS?: number;
}

export interface FarmUsage {
  /** User + system CPU seconds of the farm process since it started. */
  cpuSeconds: number;
  rssBytes: number;
}

export interface CameraFarm {
  clip: Clip;
  port: number;
  /** One URL per camera, without credentials. */
  urls: string[];
  /** The child's pid, or null in-process. */
  pid: number | null;
  usage(): Promise<FarmUsage>;
  close(): Promise<void>;
}

export const FARM_CLIP: Required<Omit<ClipOptions, 'clock'>> = {
  width: 1920,
  height: 1080,
  fps: 25,
  gopFrames: 50,
  bitrateKbps: 4000,
  seconds: 10,
  profile: 'main',
};

export async function startCameraFarm(options: CameraFarmOptions): Promise<CameraFarm> {
  const clip = await makeClip({ ...FARM_CLIP, ...options.clip });
  return options.inProcess ? startInProcess(clip, options) : startChild(clip, options);
}

async function startInProcess(clip: Clip, options: CameraFarmOptions): Promise<CameraFarm> {
  const paths = Array.from({ length: options.cameras }, (_, i) => `/cam${i + 1}`);
  const server: RtspServer = await startRtspServer({
    port: 0,
    mounts: paths.map((path) =>
      options.auth ? { path, source: clip.path, auth: options.auth } : { path, source: clip.path },
    ),
    quirks: options.quirks ?? [],
    sessionTimeoutMs: (options.sessionTimeoutS ?? 60) * 1000,
  });
  return {
    clip,
    port: server.port,
    urls: paths.map((p) => server.url(p)),
    pid: null,
    usage: async () => {
      const cpu = process.cpuUsage();
      return { cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBytes: process.memoryUsage().rss };
    },
    close: () => server.close(),
  };
}

async function startChild(clip: Clip, options: CameraFarmOptions): Promise<CameraFarm> {
  const args = [
    resolve(REPO_ROOT, 'bin/thinstream.js'),
    ...['camera', '--clip', clip.path, '--cameras', String(options.cameras), '--port', '0'],
    ...['--session-timeout', String(options.sessionTimeoutS ?? 60)],
  ];
  if (options.auth)
    args.push('--auth', options.auth.scheme, '--user', options.auth.user, '--password', options.auth.password);
  if (options.quirks?.length) args.push('--quirk', options.quirks.join(','));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString();
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const { port, urls } = await readReady(child, options.cameras, () => stderr);
  return {
    clip,
    port,
    urls,
    pid: child.pid ?? null,
    usage: () => processUsage(child.pid!),
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readReady(
  child: ChildProcess,
  cameras: number,
  stderr: () => string,
): Promise<{ port: number; urls: string[] }> {
  return new Promise((res, rej) => {
    let port = -1;
    const urls: string[] = [];
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`thinstream camera did not start within 60 s: ${stderr()}`));
    }, 60_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const ready = /^READY (\d+)$/.exec(line);
      if (ready) port = Number(ready[1]);
      else if (port !== -1 && line.startsWith('rtsp://')) urls.push(line.trim());
      if (port !== -1 && urls.length === cameras) {
        clearTimeout(timer);
        lines.close();
        res({ port, urls });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`thinstream camera exited with ${code} before it was ready: ${stderr()}`));
    });
  });
}

/** CPU seconds (utime + stime, /proc/<pid>/stat fields 14–15) and RSS of a process on Linux. */
export async function processUsage(pid: number): Promise<FarmUsage> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command: state is field 3, so utime (14) and stime (15) are at 11 and 12.
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return { cpuSeconds: ticks / CLOCK_TICKS_PER_S, rssBytes: rssKb * 1024 };
}

/** sysconf(_SC_CLK_TCK): 100 on every Linux this project runs on. */
const CLOCK_TICKS_PER_S = 100;

export interface DrainStats {
  frames: number;
  packets: number;
  bytes: number;
}

export interface CameraDrain {
  /** Per camera, in the order of the URLs. */
  stats: DrainStats[];
  close(): Promise<void>;
}

/**
 * Plays every URL and counts what arrives (frames = RTP packets with the marker bit). Over TCP each
 * camera has its own connection; over UDP each has its own port pair. No depacketizing, no copies.
 */
export async function drainCameras(urls: string[], transport: 'tcp' | 'udp'): Promise<CameraDrain> {
  const stats: DrainStats[] = urls.map(() => ({ frames: 0, packets: 0, bytes: 0 }));
  const closers: Array<() => void> = [];
  try {
    for (let i = 0; i < urls.length; i++) closers.push(await drainOne(urls[i]!, transport, stats[i]!));
  } catch (err) {
    for (const close of closers) close();
    throw err;
  }
  return {
    stats,
    close: async () => {
      for (const close of closers) close();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}

async function drainOne(url: string, transport: 'tcp' | 'udp', stats: DrainStats): Promise<() => void> {
  const { hostname, port } = new URL(url.replace(/^rtsp:/, 'http:'));
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((res, rej) => {
    socket.once('connect', res);
    socket.once('error', rej);
  });
  socket.on('error', () => {});
  const waiting: Array<(r: RtspResponse) => void> = [];
  const count = (packet: Uint8Array): void => {
    stats.packets++;
    stats.bytes += packet.byteLength;
    if (packet.byteLength > 1 && (packet[1]! & 0x80) !== 0) stats.frames++;
  };
  const parser = new RtspStreamParser({
    onMessage: (m) => {
      if (m.kind === 'response') waiting.shift()?.(m);
    },
    onInterleaved: (channel, data, start, end) => {
      if (channel === 0) count(data.subarray(start, end));
    },
  });
  socket.on('data', (chunk: Buffer) => parser.push(chunk));
  let cseq = 0;
  const request = (method: string, uri: string, headers: Record<string, string>): Promise<RtspResponse> =>
    new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${method} ${uri}: no answer in 10 s`)), 10_000);
      waiting.push((r) => {
        clearTimeout(timer);
        if (r.status === 200) res(r);
        else rej(new Error(`${method} ${uri}: ${r.status} ${r.reason}`));
      });
      socket.write(
        serializeRequest({
          method,
          uri,
          headers: new RtspHeaders([
            ['CSeq', String(++cseq)],
            ['User-Agent', 'thinstream-drain'],
            ...Object.entries(headers),
          ]),
          body: new Uint8Array(0),
        }),
      );
    });
  let udp: dgram.Socket[] = [];
  let transportHeader = 'RTP/AVP/TCP;unicast;interleaved=0-1';
  if (transport === 'udp') {
    udp = await bindPair();
    udp[0]!.on('message', (msg: Buffer) => count(msg));
    udp[1]!.on('message', () => {});
    transportHeader = `RTP/AVP;unicast;client_port=${udp[0]!.address().port}-${udp[1]!.address().port}`;
  }
  const setup = await request('SETUP', `${url}/trackID=0`, { Transport: transportHeader });
  const session = setup.headers.get('session')!.split(';')[0]!;
  await request('PLAY', url, { Session: session });
  return () => {
    socket.destroy();
    for (const s of udp) s.close();
  };
}

async function bindPair(): Promise<dgram.Socket[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 << 20 });
    const port = await new Promise<number>((res) => a.bind(0, '127.0.0.1', () => res(a.address().port)));
    if (port % 2 === 0) {
      const b = dgram.createSocket('udp4');
      const ok = await new Promise<boolean>((res) => {
        b.once('error', () => res(false));
        b.bind(port + 1, '127.0.0.1', () => res(true));
      });
      if (ok) return [a, b];
      b.close();
    }
    a.close();
  }
  throw new Error('no even/odd UDP port pair for the drain client');
}
