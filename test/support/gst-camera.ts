/**
 * Starts GStreamer's RTSP server (test/support/gst-camera.py) as a camera for integration tests.
 * Real server, real x264 encoder: nobody here wrote it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths.js';

export interface GstCameraOptions {
  /** 0 lets the OS pick; pass the previous port to restart a camera where a client expects it. */
  port?: number;
  path?: string;
  width?: number;
  height?: number;
  fps?: number;
  bitrateKbps?: number;
  gop?: number;
  auth?: 'none' | 'basic' | 'digest';
  user?: string;
  password?: string;
  protocols?: Array<'udp' | 'tcp'>;
  pattern?: string;
}

export interface GstCamera {
  port: number;
  /** rtsp://127.0.0.1:<port><path>, without credentials. */
  url: string;
  /** The same URL with the configured user and password in it. */
  urlWithCredentials: string;
  process: ChildProcess;
  /** Kills the server (SIGKILL by default, as a camera losing power) and waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startGstCamera(options: GstCameraOptions = {}): Promise<GstCamera> {
  const o = {
    port: 0,
    path: '/stream',
    width: 1280,
    height: 720,
    fps: 25,
    bitrateKbps: 1000,
    gop: 25,
    auth: 'none' as const,
    user: 'admin',
    password: 'secret',
    protocols: ['udp', 'tcp'] as Array<'udp' | 'tcp'>,
    pattern: 'smpte',
    ...options,
  };
  const args = [
    resolve(REPO_ROOT, 'test/support/gst-camera.py'),
    `--port=${o.port}`,
    `--path=${o.path}`,
    `--width=${o.width}`,
    `--height=${o.height}`,
    `--fps=${o.fps}`,
    `--bitrate-kbps=${o.bitrateKbps}`,
    `--gop=${o.gop}`,
    `--auth=${o.auth}`,
    `--user=${o.user}`,
    `--password=${o.password}`,
    `--protocols=${o.protocols.join(',')}`,
    `--pattern=${o.pattern}`,
  ];
  const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString();
  });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`GStreamer camera did not start within 15 s: ${stderr}`));
    }, 15_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^READY (\d+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        res(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`GStreamer camera exited with ${code} before it was ready: ${stderr}`));
    });
  });
  const url = `rtsp://127.0.0.1:${port}${o.path}`;
  return {
    port,
    url,
    urlWithCredentials: `rtsp://${encodeURIComponent(o.user)}:${encodeURIComponent(o.password)}@127.0.0.1:${port}${o.path}`,
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
