/**
 * The initialization segment of a fragmented MP4 (ISO/IEC 14496-12 §8.8): `ftyp` then `moov` with one
 * video track whose sample tables are empty and an `mvex` saying that samples come in movie fragments.
 * Built from a VideoFormat, and parsed back into one (for recordings on disk).
 */
import type { VideoFormat } from '../../../src-shared/access-unit.js';
import { BoxCursor, Mp4ParseError, readBoxHeader, type BoxHeader } from './box-reader.js';
import { BoxWriter } from './box-writer.js';
import { codecStringOfSps, levelName, profileName, readAvcC, readSpsHeader, writeAvcC } from './avc-config.js';

/** Media timescale: RTP's 90 kHz clock for H.264 (RFC 6184 §8.2.1), so timestamps go in unchanged. */
export const TIMESCALE_90K = 90_000;
export const VIDEO_TRACK_ID = 1;
/** Seconds from 1904-01-01 (the MP4 epoch, §8.2.2.3) to 1970-01-01. */
const MP4_EPOCH_OFFSET_S = 2_082_844_800;
const UNITY_MATRIX = [0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000];

export interface InitSegmentOptions {
  /** Wall-clock start of the recording (ms since the epoch): written as creation_time, seconds precision. */
  creationMs?: number;
}

/** `ftyp` + `moov` for one H.264 track (avc1: parameter sets live in avcC, not in samples). */
export function buildInitSegment(format: VideoFormat, options: InitSegmentOptions = {}): Uint8Array {
  const w = new BoxWriter(1024);
  const created = options.creationMs === undefined ? 0 : Math.floor(options.creationMs / 1000) + MP4_EPOCH_OFFSET_S;
  w.begin('ftyp').fourcc('isom').u32(0x200).fourcc('isom').fourcc('iso6').fourcc('avc1').fourcc('mp41').end();
  w.begin('moov');
  // §8.2.2 mvhd: durations are 0, the fragments carry the time.
  w.beginFull('mvhd', 0, 0).u32(created).u32(created).u32(1000).u32(0);
  w.u32(0x00010000).u16(0x0100).zeros(10);
  for (const m of UNITY_MATRIX) w.u32(m);
  w.zeros(24).u32(VIDEO_TRACK_ID + 1);
  w.end();
  w.begin('trak');
  // §8.3.2 tkhd: flags track_enabled | track_in_movie.
  w.beginFull('tkhd', 0, 3).u32(created).u32(created).u32(VIDEO_TRACK_ID).u32(0).u32(0);
  w.zeros(8).u16(0).u16(0).u16(0).u16(0);
  for (const m of UNITY_MATRIX) w.u32(m);
  w.u32(format.width * 0x10000).u32(format.height * 0x10000);
  w.end();
  w.begin('mdia');
  w.beginFull('mdhd', 0, 0).u32(created).u32(created).u32(TIMESCALE_90K).u32(0).u16(0x55c4).u16(0).end(); // 'und'
  w.beginFull('hdlr', 0, 0).u32(0).fourcc('vide').zeros(12).raw(asciiZ('ThinStream video')).end();
  w.begin('minf');
  w.beginFull('vmhd', 0, 1).u16(0).zeros(6).end();
  w.begin('dinf').beginFull('dref', 0, 0).u32(1).beginFull('url ', 0, 1).end().end().end();
  w.begin('stbl');
  w.beginFull('stsd', 0, 0).u32(1);
  writeAvc1(w, format);
  w.end();
  w.beginFull('stts', 0, 0).u32(0).end();
  w.beginFull('stsc', 0, 0).u32(0).end();
  w.beginFull('stsz', 0, 0).u32(0).u32(0).end();
  w.beginFull('stco', 0, 0).u32(0).end();
  w.end(); // stbl
  w.end(); // minf
  w.end(); // mdia
  w.end(); // trak
  w.begin('mvex');
  w.beginFull('trex', 0, 0).u32(VIDEO_TRACK_ID).u32(1).u32(0).u32(0).u32(0).end();
  w.end();
  w.end(); // moov
  return w.bytes().slice();
}

/** §12.1.3 VisualSampleEntry 'avc1' with its avcC (14496-15 §5.4.2.1). */
function writeAvc1(w: BoxWriter, format: VideoFormat): void {
  w.begin('avc1').zeros(6).u16(1); // reserved, data_reference_index
  w.u16(0).u16(0).zeros(12);
  w.u16(format.width).u16(format.height);
  w.u32(0x00480000).u32(0x00480000).u32(0).u16(1);
  const name = 'ThinStream H.264';
  w.u8(name.length)
    .raw(ascii(name))
    .zeros(31 - name.length);
  w.u16(0x0018).u16(0xffff);
  writeAvcC(w, format.sps, format.pps);
  w.end();
}

export interface InitSegmentInfo {
  /** The track's media timescale (ticks per second). */
  timescale: number;
  trackId: number;
  /** From the avcC and the sample entry; fps is null (the fragments tell it). */
  format: VideoFormat;
  nalLengthBytes: number;
  /** mvhd creation_time as ms since the epoch, or null when unset. */
  creationMs: number | null;
  /** trex defaults for fragments (§8.8.3). */
  defaultSampleDuration: number;
  defaultSampleSize: number;
  defaultSampleFlags: number;
}

/**
 * Parses `ftyp` and `moov` at the start of `bytes` (which must hold the whole moov). Returns the info and
 * the offset just past the moov. Throws Mp4ParseError for anything but a fragmented single-H.264 file.
 */
export function parseInitSegment(bytes: Uint8Array): { info: InitSegmentInfo; end: number } {
  let pos = 0;
  while (pos < bytes.byteLength) {
    const header = readBoxHeader(bytes, pos, bytes.byteLength - pos);
    if (header === null) break;
    if (header.size < header.headerSize || pos + header.size > bytes.byteLength) {
      throw new Mp4ParseError(`${printable(header.type)} box of ${header.size} bytes is incomplete`, pos);
    }
    if (header.type === 'moov')
      return { info: parseMoov(new BoxCursor(bytes, 0, bytes.byteLength), header), end: pos + header.size };
    if (header.type !== 'ftyp' && header.type !== 'free' && header.type !== 'skip') {
      throw new Mp4ParseError(`expected ftyp then moov, found ${printable(header.type)}`, pos);
    }
    pos += header.size;
  }
  throw new Mp4ParseError('no complete moov box', pos);
}

function parseMoov(root: BoxCursor, moovHeader: BoxHeader): InitSegmentInfo {
  root.pos = moovHeader.start;
  const moov = root.enter(moovHeader);
  let creationMs: number | null = null;
  let track: Omit<
    InitSegmentInfo,
    'creationMs' | 'defaultSampleDuration' | 'defaultSampleSize' | 'defaultSampleFlags'
  > | null = null;
  let trex: { duration: number; size: number; flags: number } | null = null;
  let mvexSeen = false;
  for (let child = moov.child('moov'); child; child = moov.child('moov')) {
    const c = moov.enter(child);
    if (child.type === 'mvhd') {
      const { version } = c.fullBox('mvhd');
      const created = version === 1 ? c.u64('mvhd creation_time') : c.u32('mvhd creation_time');
      creationMs = created > MP4_EPOCH_OFFSET_S ? (created - MP4_EPOCH_OFFSET_S) * 1000 : null;
    } else if (child.type === 'trak' && track === null) {
      track = parseTrak(c);
    } else if (child.type === 'mvex') {
      mvexSeen = true;
      for (let m = c.child('mvex'); m; m = c.child('mvex')) {
        const mc = c.enter(m);
        if (m.type !== 'trex') continue;
        mc.fullBox('trex');
        const trackId = mc.u32('trex track_ID');
        mc.u32('trex default_sample_description_index');
        const entry = { duration: mc.u32('trex duration'), size: mc.u32('trex size'), flags: mc.u32('trex flags') };
        if (track === null || trackId === track.trackId) trex = entry;
      }
    }
  }
  if (track === null) throw new Mp4ParseError('moov has no H.264 video track', moovHeader.start);
  if (!mvexSeen) throw new Mp4ParseError('moov has no mvex: not a fragmented MP4', moovHeader.start);
  return {
    ...track,
    creationMs,
    defaultSampleDuration: trex?.duration ?? 0,
    defaultSampleSize: trex?.size ?? 0,
    defaultSampleFlags: trex?.flags ?? 0,
  };
}

function parseTrak(
  trak: BoxCursor,
): Omit<InitSegmentInfo, 'creationMs' | 'defaultSampleDuration' | 'defaultSampleSize' | 'defaultSampleFlags'> | null {
  let trackId = 0;
  let timescale = 0;
  let handler = '';
  let entry: { width: number; height: number; sps: Uint8Array; pps: Uint8Array; nalLengthBytes: number } | null = null;
  const walk = (c: BoxCursor, parent: string): void => {
    for (let child = c.child(parent); child; child = c.child(parent)) {
      const inner = c.enter(child);
      switch (child.type) {
        case 'tkhd': {
          const { version } = inner.fullBox('tkhd');
          inner.skip(version === 1 ? 16 : 8, 'tkhd times');
          trackId = inner.u32('tkhd track_ID');
          break;
        }
        case 'mdhd': {
          const { version } = inner.fullBox('mdhd');
          inner.skip(version === 1 ? 16 : 8, 'mdhd times');
          timescale = inner.u32('mdhd timescale');
          break;
        }
        case 'hdlr':
          inner.fullBox('hdlr');
          inner.u32('hdlr pre_defined');
          handler = String.fromCharCode(...inner.take(4, 'hdlr handler_type'));
          break;
        case 'mdia':
        case 'minf':
        case 'stbl':
          walk(inner, child.type);
          break;
        case 'stsz': {
          inner.fullBox('stsz');
          inner.u32('stsz sample_size');
          if (inner.u32('stsz sample_count') !== 0) {
            throw new Mp4ParseError('track has samples in moov: not a fragmented MP4', child.start);
          }
          break;
        }
        case 'stsd':
          inner.fullBox('stsd');
          if (inner.u32('stsd entry_count') < 1) throw new Mp4ParseError('stsd has no sample entry', child.start);
          entry = parseSampleEntry(inner);
          break;
      }
    }
  };
  walk(trak, 'trak');
  if (handler !== 'vide' || entry === null) return null;
  if (timescale === 0) throw new Mp4ParseError('video track has timescale 0', trak.base);
  const found: { width: number; height: number; sps: Uint8Array; pps: Uint8Array; nalLengthBytes: number } = entry;
  const sps = readSpsHeader(found.sps);
  return {
    trackId,
    timescale,
    nalLengthBytes: found.nalLengthBytes,
    format: {
      codec: 'h264',
      codecString: codecStringOfSps(found.sps),
      width: found.width,
      height: found.height,
      fps: null,
      profile: profileName(sps.profileIdc, sps.constraintFlags),
      level: levelName(sps.levelIdc, sps.profileIdc, sps.constraintFlags),
      sps: found.sps,
      pps: found.pps,
    },
  };
}

function parseSampleEntry(stsd: BoxCursor): {
  width: number;
  height: number;
  sps: Uint8Array;
  pps: Uint8Array;
  nalLengthBytes: number;
} {
  const header = stsd.child('stsd');
  if (header === null) throw new Mp4ParseError('stsd sample entry missing', stsd.base + stsd.pos);
  if (header.type !== 'avc1' && header.type !== 'avc3') {
    throw new Mp4ParseError(`sample entry ${printable(header.type)} is not H.264 (avc1/avc3)`, header.start);
  }
  const c = stsd.enter(header);
  c.skip(6 + 2 + 16, 'VisualSampleEntry header');
  const width = c.u16('avc1 width');
  const height = c.u16('avc1 height');
  c.skip(4 + 4 + 4 + 2 + 32 + 2 + 2, 'VisualSampleEntry fields');
  for (let child = c.child('avc1'); child; child = c.child('avc1')) {
    const inner = c.enter(child);
    if (child.type === 'avcC') return { width, height, ...readAvcC(inner) };
  }
  throw new Mp4ParseError('avc1 sample entry has no avcC', header.start);
}

function ascii(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0x7f;
  return out;
}

function asciiZ(text: string): Uint8Array {
  const out = new Uint8Array(text.length + 1);
  out.set(ascii(text));
  return out;
}

/** A box type for an error message: printable ASCII or hex. */
export function printable(type: string): string {
  return /^[\x20-\x7e]{4}$/.test(type)
    ? `'${type}'`
    : `0x${Array.from(type, (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`;
}
