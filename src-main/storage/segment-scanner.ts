/**
 * Reads a segment file's boxes into a SegmentInfo, and finds where it stops being whole: a process killed
 * mid-write leaves at most a partial moof/mdat at the end (ISO/IEC 14496-12 §4.2: each box states its
 * size, so walking the top-level boxes finds the first that does not fit). With `repair`, the file is
 * truncated to its last complete fragment, so it plays again. Reads only box headers and moofs, never
 * the media data, so a 1 GB file costs a few thousand small reads.
 */
import { open, truncate, type FileHandle } from 'node:fs/promises';
import type { StreamId } from '../../src-shared/access-unit.js';
import { Mp4ParseError, readBoxHeader, MAX_BOX_HEADER_BYTES } from '../recorder/mp4/box-reader.js';
import { isSyncSample, parseMoof, type FragmentInfo } from '../recorder/mp4/fragment.js';
import { parseInitSegment, type InitSegmentInfo } from '../recorder/mp4/init-segment.js';
import { FragmentTimeline, type SegmentInfo } from './segment-index.js';

export type ScanOutcome =
  | { kind: 'segment'; segment: SegmentInfo; fileBytes: number; truncatedBytes: number; damage: string | null }
  /** The file starts like ours but holds no complete fragment: the process died while creating it. */
  | { kind: 'empty'; fileBytes: number; reason: string }
  /** Not a fragmented H.264 MP4 we can index. */
  | { kind: 'invalid'; fileBytes: number; reason: string };

export interface ScanTarget {
  streamId: StreamId;
  path: string;
  id: string;
  sequence: number;
  startMs: number;
}

/** Boxes that may sit between fragments and are skipped (§8.16 styp/sidx/prft, §8.8.9 mfra, free space). */
const SKIPPABLE = new Set(['free', 'skip', 'mfra', 'sidx', 'styp', 'prft', 'emsg', 'udta', 'meta', 'ssix']);
/** moov and moof larger than this are damage (ours are a few kB). */
const MAX_HEADER_BOX_BYTES = 64 * 1024 * 1024;
const PROBE_BYTES = 4096;

export async function scanSegmentFile(target: ScanTarget, options: { repair: boolean }): Promise<ScanOutcome> {
  const fh = await open(target.path, 'r');
  let outcome: ScanOutcome;
  try {
    outcome = await scanOpen(fh, target);
  } finally {
    await fh.close();
  }
  if (options.repair && outcome.kind === 'segment' && outcome.truncatedBytes > 0) {
    await truncate(target.path, outcome.segment.bytes);
  }
  return outcome;
}

async function scanOpen(fh: FileHandle, target: ScanTarget): Promise<ScanOutcome> {
  const fileBytes = (await fh.stat()).size;
  if (fileBytes === 0) return { kind: 'empty', fileBytes, reason: 'the file is empty' };
  const head = await readAt(fh, 0, Math.min(fileBytes, 64 * 1024));
  // Locate the moov: ftyp first, maybe free space.
  let pos = 0;
  let moovEnd = -1;
  while (pos < fileBytes) {
    let header = readBoxHeader(head, pos, fileBytes - pos);
    if (header === null && pos + MAX_BOX_HEADER_BYTES <= fileBytes) {
      header = readBoxHeader(await readAt(fh, pos, MAX_BOX_HEADER_BYTES), 0, fileBytes - pos);
    }
    if (header === null || header.size < header.headerSize || pos + header.size > fileBytes) {
      return looksLikeOurStart(head)
        ? { kind: 'empty', fileBytes, reason: 'the file ends inside its moov box' }
        : { kind: 'invalid', fileBytes, reason: `no complete box at byte ${pos}` };
    }
    if (header.type === 'moov') {
      moovEnd = pos + header.size;
      break;
    }
    if (header.type !== 'ftyp' && header.type !== 'free' && header.type !== 'skip') {
      return { kind: 'invalid', fileBytes, reason: `expected ftyp and moov, found '${header.type}' at byte ${pos}` };
    }
    pos += header.size;
  }
  if (moovEnd < 0) {
    return looksLikeOurStart(head)
      ? { kind: 'empty', fileBytes, reason: 'the file has no moov box' }
      : { kind: 'invalid', fileBytes, reason: 'no moov box' };
  }
  if (moovEnd > MAX_HEADER_BOX_BYTES) return { kind: 'invalid', fileBytes, reason: 'moov box is implausibly large' };
  const initBytes = moovEnd <= head.byteLength ? head.subarray(0, moovEnd) : await readAt(fh, 0, moovEnd);
  let init: InitSegmentInfo;
  try {
    init = parseInitSegment(initBytes).info;
  } catch (err) {
    if (err instanceof Mp4ParseError) return { kind: 'invalid', fileBytes, reason: err.message };
    throw err;
  }
  const walk = await walkFragments(fh, fileBytes, moovEnd, init);
  if (walk.fragments.count === 0) {
    return { kind: 'empty', fileBytes, reason: walk.damage ?? 'the file has no movie fragment' };
  }
  const t = walk.fragments;
  const format = { ...init.format, fps: walk.fps };
  const segment: SegmentInfo = {
    streamId: target.streamId,
    id: target.id,
    path: target.path,
    sequence: target.sequence,
    startMs: target.startMs,
    endMs: target.startMs + t.end90k / 90,
    bytes: walk.goodEnd,
    frames: walk.frames,
    keyframes: walk.keyframes,
    open: false,
    format,
    timescale: init.timescale,
    baseDecodeTime90k: walk.base90k,
    nalLengthBytes: init.nalLengthBytes,
    fragments: t,
  };
  return { kind: 'segment', segment, fileBytes, truncatedBytes: fileBytes - walk.goodEnd, damage: walk.damage };
}

interface Walk {
  fragments: FragmentTimeline;
  goodEnd: number;
  frames: number;
  keyframes: number;
  base90k: number;
  fps: number | null;
  damage: string | null;
}

async function walkFragments(fh: FileHandle, fileBytes: number, start: number, init: InitSegmentInfo): Promise<Walk> {
  const fragments = new FragmentTimeline();
  const toTicks90k = (t: number): number => (init.timescale === 90_000 ? t : (t * 90_000) / init.timescale);
  const w: Walk = { fragments, goodEnd: start, frames: 0, keyframes: 0, base90k: 0, fps: null, damage: null };
  let pos = start;
  let running90k = 0;
  while (pos < fileBytes) {
    const probe = await readAt(fh, pos, Math.min(PROBE_BYTES, fileBytes - pos));
    const header = readBoxHeader(probe, 0, fileBytes - pos);
    if (header === null || header.size < header.headerSize || pos + header.size > fileBytes) {
      w.damage = `incomplete box at byte ${pos} of ${fileBytes}`;
      break;
    }
    if (SKIPPABLE.has(header.type)) {
      pos += header.size;
      w.goodEnd = pos;
      continue;
    }
    if (header.type !== 'moof') {
      w.damage = `unexpected box ${JSON.stringify(header.type)} at byte ${pos}`;
      break;
    }
    if (header.size > MAX_HEADER_BOX_BYTES) {
      w.damage = `moof of ${header.size} bytes at byte ${pos}`;
      break;
    }
    const moofBytes =
      header.size <= probe.byteLength ? probe.subarray(0, header.size) : await readAt(fh, pos, header.size);
    let frag: FragmentInfo;
    try {
      frag = parseMoof(moofBytes, pos, init);
    } catch (err) {
      if (!(err instanceof Mp4ParseError)) throw err;
      w.damage = err.message;
      break;
    }
    const mdatPos = pos + header.size;
    const mdatProbe =
      mdatPos + 8 <= pos + probe.byteLength
        ? probe.subarray(header.size)
        : await readAt(fh, mdatPos, Math.min(MAX_BOX_HEADER_BYTES, Math.max(0, fileBytes - mdatPos)));
    const mdat = readBoxHeader(mdatProbe, 0, fileBytes - mdatPos);
    if (mdat === null || mdat.type !== 'mdat' || mdat.size < mdat.headerSize || mdatPos + mdat.size > fileBytes) {
      w.damage = `fragment at byte ${pos} has no complete mdat`;
      break;
    }
    const dataStart = mdatPos + mdat.headerSize;
    const dataEnd = mdatPos + mdat.size;
    if (frag.sampleCount === 0 || frag.sampleOffsets[0]! < dataStart || frag.dataEnd > dataEnd) {
      w.damage = `fragment at byte ${pos}: samples lie outside its mdat`;
      break;
    }
    if (fragments.count === 0) w.base90k = frag.hasTfdt ? toTicks90k(frag.baseDecodeTime) : 0;
    const startTime90k = frag.hasTfdt ? toTicks90k(frag.baseDecodeTime) - w.base90k : running90k;
    let keyframeSample = -1;
    let keyOffset = 0;
    let offset = 0;
    for (let i = 0; i < frag.sampleCount; i++) {
      if (isSyncSample(frag.flags[i]!)) {
        w.keyframes++;
        if (keyframeSample < 0) {
          keyframeSample = i;
          keyOffset = offset;
        }
      }
      offset += frag.durations[i]!;
    }
    const duration90k = toTicks90k(frag.duration);
    fragments.push({
      offset: pos,
      size: header.size + mdat.size,
      startTime90k,
      duration90k,
      samples: frag.sampleCount,
      keyframeSample,
      keyframeTime90k: keyframeSample < 0 ? -1 : startTime90k + toTicks90k(keyOffset),
    });
    if (w.fps === null) w.fps = estimateFps(frag, init.timescale);
    w.frames += frag.sampleCount;
    running90k = startTime90k + duration90k;
    pos = dataEnd;
    w.goodEnd = pos;
  }
  return w;
}

/** Frames per second from the median sample duration of a fragment (null when it cannot tell). */
function estimateFps(frag: FragmentInfo, timescale: number): number | null {
  if (frag.sampleCount < 2) return null;
  const sorted = Array.from(frag.durations.subarray(0, frag.sampleCount - 1)).sort((a, b) => a - b);
  const median = sorted[sorted.length >>> 1]!;
  if (median <= 0) return null;
  return Math.round((timescale / median) * 100) / 100;
}

/** ftyp at offset 0: the file was started by an MP4 writer. */
function looksLikeOurStart(head: Uint8Array): boolean {
  return head.byteLength >= 8 && head[4] === 0x66 && head[5] === 0x74 && head[6] === 0x79 && head[7] === 0x70;
}

export async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) return buffer.subarray(0, done);
    done += bytesRead;
  }
  return buffer;
}
