/**
 * Fuzz: the MP4 parsers (box headers, init segment with avcC and SPS, moof sample tables, AVCC samples)
 * and the file scanner take damaged and hostile bytes and only ever answer with Mp4ParseError or a scan
 * outcome. Seeded random bytes and mutations of a real recording; a fixed count in CI, more with
 * THINSTREAM_FUZZ_ITERATIONS. Memory stays bounded (a claimed sample count cannot make a huge table).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Mp4ParseError, readBoxHeader } from '../../../src-main/recorder/mp4/box-reader.js';
import { FragmentBuilder, nalusOfAvccSample, parseMoof } from '../../../src-main/recorder/mp4/fragment.js';
import { buildInitSegment, parseInitSegment } from '../../../src-main/recorder/mp4/init-segment.js';
import { readSpsHeader } from '../../../src-main/recorder/mp4/avc-config.js';
import { scanSegmentFile } from '../../../src-main/storage/segment-scanner.js';
import { makeClip, type Clip } from '../clip-fixture.js';

const ITERATIONS = Number(process.env['THINSTREAM_FUZZ_ITERATIONS'] ?? 3000);
const FILE_ITERATIONS = Math.max(50, Math.floor(ITERATIONS / 20));

/** Mulberry32: small, seeded, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let clip: Clip;
let file: Uint8Array;
before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 });
  const parts: Uint8Array[] = [buildInitSegment(clip.format)];
  const b = new FragmentBuilder();
  let seq = 0;
  for (let i = 0; i < clip.units.length; i++) {
    const u = clip.units[i]!;
    b.addSample(u.nalus, 3600, u.keyframe, i % 3 === 0 ? 7200 : 0);
    if (b.sampleCount === 10 || i === clip.units.length - 1) parts.push(b.build(++seq, i * 3600));
  }
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  file = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    file.set(p, pos);
    pos += p.byteLength;
  }
});
after(async () => {
  await clip.remove();
});

function mutate(src: Uint8Array, random: () => number): Uint8Array {
  let out = src.slice();
  const edits = 1 + Math.floor(random() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * out.byteLength);
    switch (Math.floor(random() * 6)) {
      case 0:
        out[at] = Math.floor(random() * 256);
        break;
      case 1: // a box size or count field gets an extreme value
        new DataView(out.buffer).setUint32(
          Math.min(at, out.byteLength - 4),
          [0, 1, 7, 0xffffffff, 0x7fffffff, 16][Math.floor(random() * 6)]!,
        );
        break;
      case 2:
        out = out.subarray(0, at);
        break;
      case 3: {
        const grown = new Uint8Array(out.byteLength + 16);
        grown.set(out.subarray(0, at));
        for (let i = 0; i < 16; i++) grown[at + i] = Math.floor(random() * 256);
        grown.set(out.subarray(at), at + 16);
        out = grown;
        break;
      }
      case 4:
        out.fill(0, at, at + Math.floor(random() * 64));
        break;
      default:
        out[at] = out[at]! ^ (1 << Math.floor(random() * 8));
    }
    if (out.byteLength < 8) break;
  }
  return out;
}

/** Everything a reader of our files does with bytes, as the scanner and the playback reader do it. */
function parseAll(bytes: Uint8Array): void {
  let end: number;
  try {
    const { info, end: moovEnd } = parseInitSegment(bytes);
    end = moovEnd;
    readSpsHeader(info.format.sps);
  } catch (err) {
    if (!(err instanceof Mp4ParseError)) throw err;
    end = 0;
  }
  let pos = end;
  for (let guard = 0; guard < 10_000 && pos < bytes.byteLength; guard++) {
    const h = readBoxHeader(bytes, pos, bytes.byteLength - pos);
    if (h === null || h.size < h.headerSize) return;
    if (h.type === 'moof' && pos + h.size <= bytes.byteLength) {
      try {
        const frag = parseMoof(bytes.subarray(pos, pos + h.size), pos, {
          trackId: 1,
          defaultSampleDuration: 0,
          defaultSampleSize: 0,
          defaultSampleFlags: 0,
        });
        for (let i = 0; i < Math.min(frag.sampleCount, 64); i++) {
          const at = frag.sampleOffsets[i]!;
          const size = frag.sizes[i]!;
          if (at >= 0 && at + size <= bytes.byteLength) nalusOfAvccSample(bytes.subarray(at, at + size));
        }
      } catch (err) {
        if (!(err instanceof Mp4ParseError)) throw err;
      }
    }
    pos += h.size;
  }
}

test('the real recording parses; only Mp4ParseError escapes from damaged copies of it, memory bounded', () => {
  parseAll(file);
  const random = rng(0x5eed);
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < ITERATIONS; i++) parseAll(mutate(file, random));
  global.gc?.();
  const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  assert.ok(grownMb < 200, `heap grew by ${grownMb.toFixed(0)} MB`);
});

test('random bytes and random box soup only raise Mp4ParseError', () => {
  const random = rng(42);
  const types = [
    'ftyp',
    'moov',
    'trak',
    'mdia',
    'minf',
    'stbl',
    'stsd',
    'avc1',
    'avcC',
    'moof',
    'traf',
    'trun',
    'tfhd',
    'tfdt',
    'mdat',
    'mvex',
    'trex',
  ];
  for (let i = 0; i < ITERATIONS; i++) {
    const n = Math.floor(random() * 512);
    const bytes = new Uint8Array(n);
    for (let k = 0; k < n; k++) bytes[k] = Math.floor(random() * 256);
    // Plant plausible box headers so the parsers go deep.
    for (let at = 0; at + 8 <= n; at += 8 + Math.floor(random() * 40)) {
      new DataView(bytes.buffer).setUint32(at, Math.floor(random() * (n - at + 8)));
      const t = types[Math.floor(random() * types.length)]!;
      for (let c = 0; c < 4; c++) bytes[at + 4 + c] = t.charCodeAt(c);
    }
    parseAll(bytes);
    try {
      readSpsHeader(bytes);
    } catch (err) {
      if (!(err instanceof Mp4ParseError)) throw err;
    }
  }
});

test('the file scanner gives an outcome, never an exception, for damaged files', async () => {
  const random = rng(7);
  const path = join(clip.dir, '000001-20250102T030405.000Z.mp4');
  const kinds = new Set<string>();
  for (let i = 0; i < FILE_ITERATIONS; i++) {
    await writeFile(path, mutate(file, random));
    const outcome = await scanSegmentFile(
      { streamId: 'cam/1', path, id: '000001-20250102T030405.000Z.mp4', sequence: 1, startMs: 0 },
      { repair: false },
    );
    kinds.add(outcome.kind);
    if (outcome.kind === 'segment') assert.ok(outcome.segment.bytes <= outcome.fileBytes);
  }
  assert.ok(kinds.has('segment') && kinds.has('invalid'), `outcomes seen: ${[...kinds].join(', ')}`);
});
