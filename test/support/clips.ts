/**
 * H.264 test clips made with ffmpeg (testsrc2 + libx264), cached in a folder under the OS temp dir and
 * keyed by their parameters, so tests and benchmarks running at the same time share one encode.
 * Nothing large is committed: a clip is made on first use (a few seconds for 1080p) and reused after.
 *
 *   const clip = await makeClip({ width: 1920, height: 1080, fps: 25, gopFrames: 50, bitrateKbps: 4000, seconds: 10 });
 *   clip.path  // /tmp/thinstream-clips/clip-1920x1080-25fps-gop50-4000k-10s-main.h264
 *
 * The clips have no B-frames (decode order = presentation order, as most cameras send), SPS/PPS before
 * every IDR (libx264's repeat-headers, which ffmpeg turns on for raw output), and a fixed GOP.
 */
import { execFile } from 'node:child_process';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Frames from one IDR to the next (GOP 2 s at 25 fps = 50). */
  gopFrames?: number;
  bitrateKbps?: number;
  seconds?: number;
  profile?: 'baseline' | 'main' | 'high';
  /** Burns the presentation time into the picture (needs ffmpeg's drawtext and a font). */
  clock?: boolean;
}

export interface Clip {
  /** The Annex-B file (`.h264`). */
  path: string;
  width: number;
  height: number;
  fps: number;
  gopFrames: number;
  bitrateKbps: number;
  seconds: number;
  profile: 'baseline' | 'main' | 'high';
  /** Frames in the file: seconds × fps. */
  frames: number;
  /** Keyframes in the file. */
  keyframes: number;
}

/** The cache folder: `$THINSTREAM_CLIP_CACHE`, else `<tmpdir>/thinstream-clips`. */
export function clipCacheDir(): string {
  return process.env.THINSTREAM_CLIP_CACHE ?? join(tmpdir(), 'thinstream-clips');
}

const inFlight = new Map<string, Promise<Clip>>();

/** Returns the cached clip with these parameters, encoding it first when it is not there yet. */
export function makeClip(options: ClipOptions = {}): Promise<Clip> {
  const o = {
    width: options.width ?? 640,
    height: options.height ?? 360,
    fps: options.fps ?? 25,
    gopFrames: options.gopFrames ?? options.fps ?? 25,
    bitrateKbps: options.bitrateKbps ?? 800,
    seconds: options.seconds ?? 4,
    profile: options.profile ?? 'main',
    clock: options.clock ?? false,
  };
  for (const [name, value] of Object.entries(o)) {
    if (typeof value === 'number' && !(Number.isInteger(value) && value > 0))
      throw new RangeError(`makeClip: ${name} must be a positive integer, got ${value}`);
  }
  const name =
    `clip-${o.width}x${o.height}-${o.fps}fps-gop${o.gopFrames}-${o.bitrateKbps}k-${o.seconds}s-${o.profile}` +
    `${o.clock ? '-clock' : ''}.h264`;
  const path = join(clipCacheDir(), name);
  const clip: Clip = {
    path,
    width: o.width,
    height: o.height,
    fps: o.fps,
    gopFrames: o.gopFrames,
    bitrateKbps: o.bitrateKbps,
    seconds: o.seconds,
    profile: o.profile,
    frames: o.seconds * o.fps,
    keyframes: Math.ceil((o.seconds * o.fps) / o.gopFrames),
  };
  let pending = inFlight.get(path);
  if (!pending) {
    pending = ensureClip(clip, o.clock).then(() => clip);
    inFlight.set(path, pending);
    pending.catch(() => inFlight.delete(path));
  }
  return pending;
}

async function ensureClip(clip: Clip, clock: boolean): Promise<void> {
  if (await exists(clip.path)) return;
  await mkdir(clipCacheDir(), { recursive: true });
  // Another process may be making the same clip: each writes its own temp file, the rename is atomic.
  const temp = `${clip.path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  let filter = `testsrc2=size=${clip.width}x${clip.height}:rate=${clip.fps}`;
  if (clock) {
    filter +=
      `,drawtext=text='%{pts\\:hms}':fontsize=${Math.max(12, Math.round(clip.height / 12))}` +
      `:fontcolor=white:box=1:boxcolor=black@0.6:x=16:y=16`;
  }
  const args = [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    ...['-f', 'lavfi', '-i', filter, '-frames:v', String(clip.frames)],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', clip.profile, '-pix_fmt', 'yuv420p'],
    ...['-b:v', `${clip.bitrateKbps}k`, '-maxrate', `${clip.bitrateKbps}k`, '-bufsize', `${clip.bitrateKbps * 2}k`],
    ...['-g', String(clip.gopFrames), '-keyint_min', String(clip.gopFrames), '-sc_threshold', '0', '-bf', '0'],
    ...['-f', 'h264', temp],
  ];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('ffmpeg', args, { timeout: 300_000 }, (err, _stdout, stderr) => {
        if (err) reject(new Error(`ffmpeg could not make ${clip.path}: ${err.message}\n${stderr}`));
        else resolve();
      });
    });
    await rename(temp, clip.path);
  } finally {
    await rm(temp, { force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
