/**
 * The same UDP RTP stream received two ways, each measured alone: ThinStream (a dgram socket feeding
 * RtpReceiver in this process) and `ffmpeg -i stream.sdp -c copy -f null -` (ffmpeg's RTP demuxer and
 * remux to nothing, the per-camera cost of the usual NVR practice minus the file writing). The sender is
 * ffmpeg's RTP muxer in another process, reading the clip `loops` times at `readrate` × real time. CPU of
 * the receiving process only: process.cpuUsage for ours, /proc/<pid>/stat for ffmpeg's.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RtpReceiver } from '../src-main/rtp/rtp-receiver.js';

export interface UdpIngestResult {
  receiver: 'ThinStream RtpReceiver' | 'Node dgram, packets dropped' | 'ffmpeg -c copy -f null';
  framesSent: number;
  framesReceived: number;
  cpuMs: number;
  cpuUsPerFrame: number;
}

export interface UdpIngestOptions {
  /** An MP4 of the clip (ffmpeg's -stream_loop needs a seekable input; raw H.264 is not). */
  clipPath: string;
  framesPerLoop: number;
  loops: number;
  readrate: number;
  /** An SDP for the stream (ffmpeg's own, from a capture): port and address are rewritten. */
  sdp: string;
}

const CLOCK_TICKS_PER_S = 100;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

function cpuMsOfPid(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of proc(5) (utime, stime) are at 11 and 12 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
}

/** Runs ffmpeg's RTP sender to 127.0.0.1:port and resolves when it has sent everything. */
function send(o: UdpIngestOptions, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['-hide_banner', '-loglevel', 'error', '-stream_loop', String(o.loops - 1)];
    args.push('-readrate', String(o.readrate), '-i', o.clipPath, '-c:v', 'copy', '-f', 'rtp');
    args.push(`rtp://127.0.0.1:${port}?pkt_size=1400`);
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg sender: ${code} ${err}`))));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Remuxes an Annex B clip into `dir`/clip.mp4 (no re-encoding) and returns its path. */
export function remuxToMp4(annexBPath: string, dir: string): Promise<string> {
  const out = join(dir, 'clip.mp4');
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', annexBPath, '-c', 'copy', out]);
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`ffmpeg remux exited with ${code}`))));
  });
}

/** Ours: a dgram socket feeding RtpReceiver; with `socketOnly`, the socket alone (its packets counted, nothing else). */
export async function thinstreamUdpIngest(o: UdpIngestOptions, socketOnly = false): Promise<UdpIngestResult> {
  const port = await freePort();
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let frames = 0;
  const sprop = /sprop-parameter-sets=([^;\s]+)/.exec(o.sdp)?.[1];
  const receiver = new RtpReceiver({
    streamLabel: 'bench/udp',
    clockRate: 90000,
    payloadType: 96,
    reorderQueueSize: 16,
    spropParameterSets: sprop,
    onAccessUnit: () => {
      frames++;
    },
    onFormat: () => {},
  });
  let packets = 0;
  if (socketOnly) socket.on('message', () => packets++);
  else socket.on('message', (data) => receiver.pushRtp(data, Date.now()));
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  const before = process.cpuUsage();
  await send(o, port);
  await sleep(200);
  const cpu = process.cpuUsage(before);
  socket.close();
  receiver.flush();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const framesSent = o.framesPerLoop * o.loops;
  return {
    receiver: socketOnly ? 'Node dgram, packets dropped' : 'ThinStream RtpReceiver',
    framesSent,
    // Without a receiver, frames are not counted: say all arrived when no packet was missing.
    framesReceived: socketOnly ? (packets > 0 ? framesSent : 0) : frames,
    cpuMs,
    cpuUsPerFrame: (cpuMs * 1000) / framesSent,
  };
}

export async function ffmpegUdpIngest(o: UdpIngestOptions): Promise<UdpIngestResult> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-bench-'));
  try {
    const sdp = o.sdp.replace(/^m=video \d+/m, `m=video ${port}`).replace(/^c=IN IP4 \S+/m, 'c=IN IP4 127.0.0.1');
    const sdpPath = join(dir, 'stream.sdp');
    writeFileSync(sdpPath, sdp);
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-protocol_whitelist', 'file,udp,rtp'];
    args.push('-buffer_size', String(4 * 1024 * 1024), '-reorder_queue_size', '16', '-i', sdpPath);
    args.push('-c', 'copy', '-f', 'null', '-progress', 'pipe:1', '-');
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let progress = '';
    child.stdout.on('data', (d: Buffer) => (progress += d.toString()));
    const exited = new Promise<void>((r) => child.once('close', () => r()));
    await sleep(1500); // ffmpeg opens the socket and settles
    const before = cpuMsOfPid(child.pid!);
    await send(o, port);
    await sleep(200);
    const cpuMs = cpuMsOfPid(child.pid!) - before;
    child.kill('SIGINT');
    await exited;
    const frameLines = [...progress.matchAll(/^frame=(\d+)/gm)];
    const framesSent = o.framesPerLoop * o.loops;
    return {
      receiver: 'ffmpeg -c copy -f null',
      framesSent,
      framesReceived: Number(frameLines.at(-1)?.[1] ?? 0),
      cpuMs,
      cpuUsPerFrame: (cpuMs * 1000) / framesSent,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
