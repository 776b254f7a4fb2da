/**
 * Fuzzing support: a seeded generator, byte mutations, a heap probe, and a corpus of real packets made
 * at test time (x264 clip → ffmpeg's RTP muxer → UDP on loopback).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeClip } from './ffmpeg.js';
import { captureFfmpegRtp } from './ffmpeg-rtp.js';

/** Iterations per fuzz loop: a fixed count in CI, more with THINSTREAM_FUZZ_ITERATIONS. */
export const FUZZ_ITERATIONS = Number(process.env['THINSTREAM_FUZZ_ITERATIONS'] ?? 3000);

/** Mulberry32: small, seeded, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function int(random: () => number, n: number): number {
  return Math.floor(random() * n);
}

export function randomBytes(random: () => number, maxLength: number): Uint8Array {
  const out = new Uint8Array(int(random, maxLength + 1));
  for (let i = 0; i < out.byteLength; i++) out[i] = int(random, 256);
  return out;
}

/** A copy of `input` with a few random mutations: bit flips, byte sets, truncation, extension, splices. */
export function mutate(input: Uint8Array, random: () => number): Uint8Array {
  let out = input.slice();
  const rounds = 1 + int(random, 4);
  for (let r = 0; r < rounds; r++) {
    const kind = int(random, 6);
    if (out.byteLength === 0 || kind === 5) {
      const extra = randomBytes(random, 16);
      const joined = new Uint8Array(out.byteLength + extra.byteLength);
      joined.set(out);
      joined.set(extra, out.byteLength);
      out = joined;
    } else if (kind === 0) {
      const i = int(random, out.byteLength);
      out[i] = out[i]! ^ (1 << int(random, 8));
    } else if (kind === 1) {
      out[int(random, out.byteLength)] = [0, 1, 3, 0x7f, 0x80, 0xff][int(random, 6)]!;
    } else if (kind === 2) {
      out = out.slice(0, int(random, out.byteLength));
    } else if (kind === 3) {
      // Header-heavy: mutate within the first 16 bytes, where the structure is.
      const i = int(random, Math.min(16, out.byteLength));
      out[i] = int(random, 256);
    } else {
      const i = int(random, out.byteLength);
      out.fill(0, i, Math.min(out.byteLength, i + 1 + int(random, 8)));
    }
  }
  return out;
}

let gcFn: (() => void) | null = null;

/** Heap in use after a full collection, in bytes. */
export function heapAfterGc(): number {
  if (gcFn === null) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
  return process.memoryUsage().heapUsed;
}

export interface RealCorpus {
  rtp: Uint8Array[];
  rtcp: Uint8Array[];
  sprop: string | undefined;
  payloadType: number;
}

let corpus: Promise<RealCorpus> | null = null;

/** Real RTP/RTCP from ffmpeg: a 2 s 320x240 clip with B-frames, 2 slices, in-band SPS/PPS (made once per process). */
export function realRtpCorpus(): Promise<RealCorpus> {
  corpus ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thinstream-fuzz-'));
    try {
      const clip = await encodeClip({
        width: 320,
        height: 240,
        fps: '25',
        frames: 50,
        gop: 25,
        bframes: 2,
        slices: 2,
        profile: 'high',
        bitrateKbps: 800,
        out: join(dir, 'clip.mkv'),
      });
      const c = await captureFfmpegRtp(clip, { readrate: 8, packetBytes: 600, inBandParameterSets: true });
      return {
        rtp: c.rtp.map((p) => new Uint8Array(p.data)),
        rtcp: c.rtcp.map((p) => new Uint8Array(p.data)),
        sprop: c.spropParameterSets,
        payloadType: c.payloadType,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return corpus;
}
