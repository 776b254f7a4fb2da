/**
 * ffmpeg and ffprobe as real parts for tests and benchmarks: encode H.264 clips with known properties,
 * read back what ffprobe sees in them.
 */
import { spawn } from 'node:child_process';

export interface RunResult {
  stdout: Buffer;
  stderr: string;
}

/** Runs a program to completion (bounded by `timeoutMs`); rejects with its stderr on a non-zero exit. */
export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 16384) stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code ?? signal}: ${stderr.slice(-2000)}`));
    });
  });
}

export interface ClipOptions {
  width: number;
  height: number;
  /** Frame rate as ffmpeg takes it: `25`, `30000/1001`. */
  fps: string;
  frames: number;
  /** Keyframe interval in frames (scene-cut keyframes are off, so keyframes are exactly every `gop`). */
  gop: number;
  bframes?: number;
  profile?: 'baseline' | 'main' | 'high' | 'high422' | 'high444';
  pixFmt?: string;
  bitrateKbps?: number;
  /** Slices per picture (x264 `slices`). */
  slices?: number;
  /** Extra x264 parameters, `a=b:c=d`. */
  x264Params?: string;
  /** Output path; its extension picks the container (`.mp4`, `.h264`). */
  out: string;
}

export async function encodeClip(o: ClipOptions): Promise<string> {
  const params = [`keyint=${o.gop}`, `min-keyint=${o.gop}`, 'scenecut=0', `bframes=${o.bframes ?? 0}`];
  if (o.slices) params.push(`slices=${o.slices}`);
  if (o.x264Params) params.push(o.x264Params);
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi'];
  args.push('-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`, '-frames:v', String(o.frames));
  args.push('-pix_fmt', o.pixFmt ?? 'yuv420p', '-c:v', 'libx264', '-preset', 'veryfast');
  if (o.profile) args.push('-profile:v', o.profile);
  if (o.bitrateKbps) {
    const k = o.bitrateKbps;
    args.push('-b:v', `${k}k`, '-maxrate', `${k}k`, '-bufsize', `${2 * k}k`);
  }
  args.push('-x264-params', params.join(':'), o.out);
  await run('ffmpeg', args, 300_000);
  return o.out;
}

export interface ProbedVideo {
  width: number;
  height: number;
  /** r_frame_rate as a number. */
  fps: number;
  profile: string;
  level: number;
  frames: number;
  keyframes: number;
  /** Presentation times of every frame, in stream time base ticks scaled to 90 kHz, in decoding order. */
  pts90k: number[];
}

function ratio(text: string): number {
  const [a, b] = text.split('/').map(Number);
  return b ? a! / b : a!;
}

/** What ffprobe reads in the first video stream of `path` (decoding every frame to count them). */
export async function probeVideo(path: string): Promise<ProbedVideo> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,r_frame_rate,profile,level:packet=pts,flags,time_base',
    '-show_entries',
    'stream=time_base',
    '-of',
    'json',
    path,
  ]);
  const j = JSON.parse(stdout.toString()) as {
    streams: Array<{
      width: number;
      height: number;
      r_frame_rate: string;
      profile: string;
      level: number;
      time_base: string;
    }>;
    packets: Array<{ pts?: number; flags: string }>;
  };
  const s = j.streams[0]!;
  const tb = ratio(s.time_base);
  return {
    width: s.width,
    height: s.height,
    fps: ratio(s.r_frame_rate),
    profile: s.profile,
    level: s.level,
    frames: j.packets.length,
    keyframes: j.packets.filter((p) => p.flags.startsWith('K')).length,
    pts90k: j.packets.map((p) => Math.round((p.pts ?? 0) * tb * 90000)),
  };
}

/** The first SPS NAL unit (without start code) in an Annex B file's bytes. */
export function firstNalOfType(annexB: Uint8Array, type: number): Uint8Array | null {
  for (let i = 0; i + 3 < annexB.byteLength; i++) {
    if (annexB[i] === 0 && annexB[i + 1] === 0 && annexB[i + 2] === 1 && (annexB[i + 3]! & 0x1f) === type) {
      let end = i + 3;
      while (end + 2 < annexB.byteLength && !(annexB[end] === 0 && annexB[end + 1] === 0 && annexB[end + 2]! <= 1))
        end++;
      if (end + 2 >= annexB.byteLength) end = annexB.byteLength;
      return annexB.slice(i + 3, end);
    }
  }
  return null;
}
