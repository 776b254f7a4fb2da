/**
 * ffprobe as the judge of what we write: it decodes every frame (`-show_frames`) and any line it prints
 * at log level `error` is a defect in our file.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ProbedFrame {
  ptsTime: number;
  durationTime: number;
  keyframe: boolean;
  width: number;
  height: number;
}

export interface ProbeResult {
  codecName: string;
  codecTagString: string;
  profile: string;
  width: number;
  height: number;
  /** Format duration in seconds, as ffprobe reports it. */
  durationS: number;
  /** Stream nb_frames, when reported. */
  frames: ProbedFrame[];
  /** stderr lines at log level error: must be empty for a clean file. */
  errors: string[];
  formatTags: Record<string, string>;
}

interface RawProbe {
  streams?: Array<Record<string, unknown>>;
  format?: Record<string, unknown>;
  frames?: Array<Record<string, unknown>>;
}

export async function probeFile(path: string, options: { frames?: boolean } = {}): Promise<ProbeResult> {
  const args = ['-v', 'error', '-of', 'json', '-show_streams', '-show_format'];
  if (options.frames !== false) {
    args.push('-show_frames', '-show_entries', 'frame=pts_time,duration_time,key_frame,width,height');
    args.push('-show_entries', 'stream=codec_name,codec_tag_string,profile,width,height,nb_frames,duration');
    args.push('-show_entries', 'format=duration:format_tags');
  }
  const { stdout, stderr } = await run('ffprobe', [...args, path], { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  const raw = JSON.parse(stdout) as RawProbe;
  const stream = raw.streams?.[0] ?? {};
  const num = (v: unknown): number => (typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN);
  return {
    codecName: String(stream.codec_name ?? ''),
    codecTagString: String(stream.codec_tag_string ?? ''),
    profile: String(stream.profile ?? ''),
    width: num(stream.width),
    height: num(stream.height),
    durationS: num(raw.format?.duration),
    frames: (raw.frames ?? []).map((f) => ({
      ptsTime: num(f.pts_time),
      durationTime: num(f.duration_time),
      keyframe: num(f.key_frame) === 1,
      width: num(f.width),
      height: num(f.height),
    })),
    errors: stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean),
    formatTags: (raw.format?.tags as Record<string, string> | undefined) ?? {},
  };
}

/** Where ffprobe lands when it seeks to `seconds` (`-read_intervals`): the first packet it reads. */
export async function seekFirstPacket(path: string, seconds: number): Promise<{ ptsTime: number; keyframe: boolean }> {
  const { stdout, stderr } = await run(
    'ffprobe',
    ['-v', 'error', '-read_intervals', `${seconds}%+#1`, '-show_entries', 'packet=pts_time,flags', '-of', 'json', path],
    { timeout: 60_000 },
  );
  if (stderr.trim() !== '') throw new Error(`ffprobe seek in ${path}: ${stderr.trim()}`);
  const packets = (JSON.parse(stdout) as { packets?: Array<{ pts_time?: string; flags?: string }> }).packets ?? [];
  const first = packets[0];
  if (first === undefined) throw new Error(`ffprobe read nothing after seeking ${path} to ${seconds} s`);
  return { ptsTime: Number(first.pts_time), keyframe: (first.flags ?? '').startsWith('K') };
}
