/**
 * Real H.264 for recorder tests: the shared ffmpeg clip cache (test/support/clips.ts, libx264, no
 * B-frames) and `accessUnitsOfAnnexB` turn into AccessUnits with 90 kHz times, as a camera's would
 * arrive. Each clip also gets a temp folder for the files a test writes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessUnit, VideoFormat } from '../../src-shared/access-unit.js';
import { NalType, accessUnitsOfAnnexB, nalType } from '../../src-main/codec/h264/annexb.js';
import { codecStringOfSps, levelName, profileName, readSpsHeader } from '../../src-main/recorder/mp4/avc-config.js';
import { makeClip as makeSharedClip } from '../support/clips.js';

export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  seconds?: number;
  /** Frames between keyframes. */
  gop?: number;
  bitrateKbps?: number;
  profile?: 'baseline' | 'main' | 'high';
}

export interface Clip {
  /** A temp folder for the test's own files (removed by `remove()`). */
  dir: string;
  /** The Annex B clip (in the shared cache: never modify). */
  path: string;
  fps: number;
  format: VideoFormat;
  /** Access units in decoding order; pts90k from 0 at 90000/fps per frame; wallMs from `startWallMs`. */
  units: AccessUnit[];
  remove(): Promise<void>;
}

export async function makeClip(options: ClipOptions = {}, startWallMs = Date.UTC(2025, 0, 2, 3, 4, 5)): Promise<Clip> {
  const o = {
    width: 320,
    height: 240,
    fps: 25,
    seconds: 4,
    gop: 25,
    bitrateKbps: 400,
    profile: 'high' as const,
    ...options,
  };
  const shared = await makeSharedClip({
    width: o.width,
    height: o.height,
    fps: o.fps,
    seconds: o.seconds,
    gopFrames: o.gop,
    bitrateKbps: o.bitrateKbps,
    profile: o.profile,
  });
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-clip-'));
  const path = shared.path;
  const data = new Uint8Array(await readFile(path));
  const groups = accessUnitsOfAnnexB(data);
  let sps: Uint8Array | null = null;
  let pps: Uint8Array | null = null;
  const frame90k = 90_000 / o.fps;
  const units: AccessUnit[] = groups.map((nalus, i) => {
    for (const nal of nalus) {
      if (nalType(nal) === NalType.SPS && sps === null) sps = nal;
      if (nalType(nal) === NalType.PPS && pps === null) pps = nal;
    }
    const pts90k = Math.round(i * frame90k);
    return {
      pts90k,
      dts90k: pts90k,
      keyframe: nalus.some((n) => nalType(n) === NalType.IDR),
      nalus,
      byteLength: nalus.reduce((s, n) => s + n.byteLength, 0),
      wallMs: startWallMs + pts90k / 90,
      discontinuity: false,
    };
  });
  if (sps === null || pps === null) throw new Error(`ffmpeg clip ${path} has no SPS/PPS`);
  return {
    dir,
    path,
    fps: o.fps,
    format: formatOf(sps, pps, o.width, o.height, o.fps),
    units,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export function formatOf(
  sps: Uint8Array,
  pps: Uint8Array,
  width: number,
  height: number,
  fps: number | null,
): VideoFormat {
  const h = readSpsHeader(sps);
  return {
    codec: 'h264',
    codecString: codecStringOfSps(sps),
    width,
    height,
    fps,
    profile: profileName(h.profileIdc, h.constraintFlags),
    level: levelName(h.levelIdc, h.profileIdc, h.constraintFlags),
    sps,
    pps,
  };
}

/** Units `from` the clip, re-timed to continue after `offset90k` and `wallOffsetMs` (to loop a clip). */
export function retime(units: readonly AccessUnit[], offset90k: number, wallOffsetMs: number): AccessUnit[] {
  return units.map((u) => ({
    ...u,
    pts90k: u.pts90k + offset90k,
    dts90k: u.dts90k + offset90k,
    wallMs: u.wallMs + wallOffsetMs,
  }));
}
