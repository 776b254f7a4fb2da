/**
 * bench:scale's side of the farm process (scale-farm-process.ts): start it, read its counters, stop it.
 *
 *   const farm = await startScaleFarm(clip.path, 64);
 *   farm.urls                 // rtsp://127.0.0.1:<port>/cam1 …
 *   await farm.stats()        // { framesSent, bytesSent, playing, … } so far
 *   const last = await farm.stop()   // stops sending, closes every connection: the final counters
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { RtspServerStats } from '../src-main/rtsp/server/index.js';

export interface ScaleFarm {
  pid: number;
  port: number;
  urls: string[];
  stats(): Promise<RtspServerStats>;
  /** Stops the cameras (every session ends, every connection closes) and returns the final counters. */
  stop(): Promise<RtspServerStats>;
  /** Kills the process if it is still running. */
  close(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./scale-farm-process.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const ANSWER_TIMEOUT_MS = 15_000;

export async function startScaleFarm(clipPath: string, cameras: number): Promise<ScaleFarm> {
  const child = spawn(process.execPath, [SCRIPT, clipPath, String(cameras)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout! });
  const waiting: Array<{ prefix: string; resolve: (json: string) => void }> = [];
  let port = -1;
  const urls: string[] = [];
  let ready: () => void = () => {};
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  lines.on('line', (line) => {
    const space = line.indexOf(' ');
    const word = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    if (word === 'READY') port = Number(rest);
    else if (word === 'URL') urls.push(rest);
    else {
      const i = waiting.findIndex((w) => w.prefix === word);
      if (i >= 0) waiting.splice(i, 1)[0]!.resolve(rest);
    }
    if (port !== -1 && urls.length === cameras) ready();
  });
  const failed = exited.then(() => {
    throw new Error(`the farm process exited (code ${child.exitCode}): ${stderr}`);
  });
  failed.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the farm did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)),
      START_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([readyPromise, failed, timeout]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    clearTimeout(timer);
  }

  const ask = (command: string, answer: string): Promise<RtspServerStats> =>
    new Promise<RtspServerStats>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`the farm did not answer ${command} in time`)), ANSWER_TIMEOUT_MS);
      waiting.push({
        prefix: answer,
        resolve: (json) => {
          clearTimeout(t);
          resolve(JSON.parse(json) as RtspServerStats);
        },
      });
      child.stdin!.write(`${command}\n`);
    });

  return {
    pid: child.pid!,
    port,
    urls,
    stats: () => ask('stats', 'STATS'),
    stop: () => ask('close', 'CLOSED'),
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin!.end();
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
