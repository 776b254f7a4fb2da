/**
 * Access units of a real H.264 clip made by ffmpeg (x264), for tests and benches that feed the hub
 * without a camera. Clips are cached in the OS temp folder, keyed by their parameters.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessUnit, VideoFormat } from '../../../src-shared/access-unit.js';
import { accessUnitsOfAnnexB, nalType } from '../../../src-main/codec/h264/annexb.js';

export interface ClipOptions {
  width: number;
  height: number;
  fps: number;
  /** Keyframe interval in frames. */
  gop: number;
  seconds: number;
  bitrateKbps: number;
}

export interface ClipUnits {
  format: VideoFormat;
  /** NAL units of each picture (SPS/PPS in-band before each IDR, as x264 writes them). */
  pictures: Uint8Array[][];
  options: ClipOptions;
}

export function makeClip(partial: Partial<ClipOptions> = {}): ClipUnits {
  const o: ClipOptions = { width: 320, height: 240, fps: 25, gop: 25, seconds: 4, bitrateKbps: 500, ...partial };
  const dir = join(tmpdir(), 'thinstream-server-clips');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `testsrc2-${o.width}x${o.height}-${o.fps}fps-g${o.gop}-${o.seconds}s-${o.bitrateKbps}k.h264`);
  if (!existsSync(file)) {
    const temp = `${file}.${process.pid}.tmp`;
    execFileSync(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-y'],
        ...['-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`],
        ...['-t', String(o.seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency'],
        ...['-profile:v', 'main', '-pix_fmt', 'yuv420p', '-g', String(o.gop), '-keyint_min', String(o.gop)],
        ...['-sc_threshold', '0', '-b:v', `${o.bitrateKbps}k`, '-maxrate', `${o.bitrateKbps}k`],
        ...['-bufsize', `${o.bitrateKbps * 2}k`, '-x264-params', 'repeat-headers=1'],
        ...['-bsf:v', 'h264_mp4toannexb', '-f', 'h264', temp],
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(temp, file);
  }
  const pictures = accessUnitsOfAnnexB(readFileSync(file));
  const sps = pictures.flat().find((n) => nalType(n) === 7);
  const pps = pictures.flat().find((n) => nalType(n) === 8);
  if (!sps || !pps) throw new Error(`clip ${file} has no SPS/PPS`);
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  const format: VideoFormat = {
    codec: 'h264',
    codecString: `avc1.${hex(sps[1]!)}${hex(sps[2]!)}${hex(sps[3]!)}`,
    width: o.width,
    height: o.height,
    fps: o.fps,
    profile: 'Main',
    level: String(sps[3]! / 10),
    sps,
    pps,
  };
  return { format, pictures, options: o };
}

/** The i-th access unit of an endless loop of the clip, with times continuing across loops. */
export function clipUnit(clip: ClipUnits, index: number, wallMs: number): AccessUnit {
  const nalus = clip.pictures[index % clip.pictures.length]!;
  const pts90k = Math.round((index * 90000) / clip.options.fps);
  let byteLength = 0;
  let keyframe = false;
  for (const n of nalus) {
    byteLength += n.byteLength;
    if (nalType(n) === 5) keyframe = true;
  }
  return { pts90k, dts90k: pts90k, keyframe, nalus, byteLength, wallMs, discontinuity: false };
}
