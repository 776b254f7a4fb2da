/**
 * The usual NVR practice bench:scale compares against: one `ffmpeg -rtsp_transport tcp -i <url> -c copy -f segment
 * -segment_time 60 …` process per camera, each writing its own folder of MP4 segments.
 *
 *   const ff = await startFfmpegRecorders({ dir, urls, transport: 'tcp' });
 *   ff.pids()            // the live ffmpeg processes
 *   await ff.stop()      // waits for each to exit (they end by themselves when the camera closes), else SIGINT
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface FfmpegOptions {
  dir: string;
  urls: string[];
  transport: 'tcp' | 'udp';
  segmentSeconds?: number;
}

export interface FfmpegRecorders {
  recordingsDir: string;
  pids(): number[];
  /** Processes that exited with an error, with the end of their stderr. */
  failures(): string[];
  /** Waits up to `graceMs` for every process to end by itself, then SIGINT (ffmpeg writes its trailer), then SIGKILL. */
  stop(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

interface Recorder {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: string;
  label: string;
}

export async function startFfmpegRecorders(options: FfmpegOptions): Promise<FfmpegRecorders> {
  const recordingsDir = join(options.dir, 'recordings');
  const recorders: Recorder[] = [];
  for (const [i, url] of options.urls.entries()) {
    const folder = join(recordingsDir, `cam${i + 1}`);
    await mkdir(folder, { recursive: true });
    const args = [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin'],
      ...['-rtsp_transport', options.transport, '-i', url],
      ...['-c', 'copy', '-f', 'segment', '-segment_time', String(options.segmentSeconds ?? 60)],
      ...['-segment_format', 'mp4', '-reset_timestamps', '1', join(folder, '%06d.mp4')],
    ];
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const r: Recorder = {
      child,
      exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
      stderr: '',
      label: `cam${i + 1}`,
    };
    child.stderr!.on('data', (d: Buffer) => {
      r.stderr = (r.stderr + d.toString()).slice(-2048);
    });
    recorders.push(r);
  }
  const running = (r: Recorder): boolean => r.child.exitCode === null && r.child.signalCode === null;
  return {
    recordingsDir,
    pids: () => recorders.filter(running).map((r) => r.child.pid!),
    failures: () =>
      recorders
        .filter((r) => r.child.exitCode !== null && r.child.exitCode !== 0)
        .map((r) => `${r.label}: exit ${r.child.exitCode}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`),
    async stop(graceMs: number) {
      const all = Promise.all(recorders.map((r) => r.exited));
      let t: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((resolve) => (t = setTimeout(resolve, graceMs)))]);
      clearTimeout(t);
      for (const r of recorders) if (running(r)) r.child.kill('SIGINT');
      await Promise.race([all, new Promise((resolve) => (t = setTimeout(resolve, 10_000)))]);
      clearTimeout(t);
      for (const r of recorders) if (running(r)) r.child.kill('SIGKILL');
      await all;
    },
    async close() {
      for (const r of recorders) if (running(r)) r.child.kill('SIGKILL');
      await Promise.all(recorders.map((r) => r.exited));
    },
  };
}
