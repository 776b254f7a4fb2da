/**
 * Movie fragments (ISO/IEC 14496-12 §8.8.4-§8.8.12): `moof` (mfhd, traf with tfhd, tfdt, trun) followed
 * by the `mdat` holding its samples. Samples are AVCC (ISO/IEC 14496-15 §5.3.2): each NAL unit prefixed
 * by its 4-byte length. `FragmentBuilder` collects samples into reused buffers and emits one
 * moof+mdat buffer per fragment; `parseMoof` reads a moof back into a sample table.
 */
import { NalType, nalType } from '../../codec/h264/annexb.js';
import { BoxCursor, Mp4ParseError } from './box-reader.js';
import { BoxWriter } from './box-writer.js';
import { VIDEO_TRACK_ID } from './init-segment.js';

/** §8.8.3.1 sample flags: sample_depends_on = 2 (an I picture), sync. */
export const SAMPLE_FLAGS_SYNC = 0x0200_0000;
/** sample_depends_on = 1 and sample_is_non_sync_sample = 1. */
export const SAMPLE_FLAGS_NON_SYNC = 0x0101_0000;
const NON_SYNC_BIT = 0x0001_0000;

const TFHD_BASE_DATA_OFFSET = 0x01;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x02;
const TFHD_DEFAULT_DURATION = 0x08;
const TFHD_DEFAULT_SIZE = 0x10;
const TFHD_DEFAULT_FLAGS = 0x20;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x02_0000;
const TRUN_DATA_OFFSET = 0x001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x004;
const TRUN_DURATION = 0x100;
const TRUN_SIZE = 0x200;
const TRUN_FLAGS = 0x400;
const TRUN_CTS = 0x800;

/** More samples than this in one fragment is damage, not video (a 1 h GOP at 240 fps is 864 000). */
const MAX_SAMPLES_PER_FRAGMENT = 1 << 20;

/** The mdat box header (§8.1.1) at `at`: its size, then `mdat`. */
function writeMdatHeader(target: Uint8Array, at: number, payloadBytes: number): void {
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(at, 8 + payloadBytes);
  target[at + 4] = 0x6d; // 'mdat'
  target[at + 5] = 0x64;
  target[at + 6] = 0x61;
  target[at + 7] = 0x74;
}

export function isSyncSample(flags: number): boolean {
  return (flags & NON_SYNC_BIT) === 0;
}

/** True for NAL units that a file keeps out of its samples: AUD and filler always, SPS/PPS when asked. */
function dropFromSample(type: number, dropParameterSets: boolean): boolean {
  if (type === NalType.AUD || type === NalType.FILLER) return true;
  return dropParameterSets && (type === NalType.SPS || type === NalType.PPS);
}

/** Bytes a unit takes as an AVCC sample (what `addSample` would add). */
export function avccSampleBytes(nalus: readonly Uint8Array[], dropParameterSets: boolean): number {
  let total = 0;
  for (const nal of nalus)
    if (nal.byteLength > 0 && !dropFromSample(nalType(nal), dropParameterSets)) total += 4 + nal.byteLength;
  return total;
}

/** A fragment as the pieces of one gathered write: moof and mdat header first, then the mdat's payload. */
export interface FragmentParts {
  /** `[moof+mdat header, length₁, NAL₁, length₂, NAL₂, …]`: views, written in this order make the fragment. */
  parts: Uint8Array[];
  byteLength: number;
}

export interface FragmentBuilderOptions {
  /**
   * Keep references to the NAL units instead of copying them (`buildParts()` only): for callers whose NAL
   * units are never written again, as access units are. The recorder writes them with one gathered write,
   * so a fragment costs no copy of its video and no buffer of its size. Default false.
   */
  keepReferences?: boolean;
}

/**
 * Collects samples for one fragment. Sample bytes are copied at `addSample` (the caller may reuse its
 * buffers); `build()` returns a new moof+mdat buffer and starts the next fragment. With `keepReferences`,
 * `addSample` keeps the NAL units themselves and `buildParts()` returns the fragment as pieces.
 */
export class FragmentBuilder {
  private readonly keepReferences: boolean;
  /** keepReferences: the NAL units of the samples so far, in order. */
  private refs: Uint8Array[] = [];
  private payload = new Uint8Array(256 * 1024);
  private payloadView = new DataView(this.payload.buffer);
  private payloadBytes = 0;
  private durations = new Uint32Array(64);
  private sizes = new Uint32Array(64);
  private flags = new Uint32Array(64);
  private cts = new Int32Array(64);
  private count = 0;
  private totalDuration90k = 0;
  private anyCts = false;
  private readonly header = new BoxWriter(4096);

  constructor(options: FragmentBuilderOptions = {}) {
    this.keepReferences = options.keepReferences ?? false;
    // Referencing builders never fill the payload buffer.
    if (this.keepReferences) this.payload = new Uint8Array(0);
  }

  get sampleCount(): number {
    return this.count;
  }

  /** Sample bytes collected so far (the mdat payload). */
  get byteLength(): number {
    return this.payloadBytes;
  }

  get duration90k(): number {
    return this.totalDuration90k;
  }

  /** True when the fragment's first sample is a sync sample. */
  get startsWithKeyframe(): boolean {
    return this.count > 0 && isSyncSample(this.flags[0]!);
  }

  /**
   * Appends one access unit as a sample. Returns the sample's size in bytes (0: nothing to write, the
   * unit held only NAL units that files leave out, and no sample was added).
   */
  addSample(
    nalus: readonly Uint8Array[],
    duration90k: number,
    keyframe: boolean,
    ctsOffset90k = 0,
    dropParameterSets = true,
  ): number {
    const size = avccSampleBytes(nalus, dropParameterSets);
    if (size === 0) return 0;
    if (this.keepReferences) {
      for (const nal of nalus) {
        if (nal.byteLength === 0 || dropFromSample(nalType(nal), dropParameterSets)) continue;
        this.refs.push(nal);
      }
      this.payloadBytes += size;
    } else {
      this.ensurePayload(size);
      for (const nal of nalus) {
        if (nal.byteLength === 0 || dropFromSample(nalType(nal), dropParameterSets)) continue;
        this.payloadView.setUint32(this.payloadBytes, nal.byteLength);
        this.payload.set(nal, this.payloadBytes + 4);
        this.payloadBytes += 4 + nal.byteLength;
      }
    }
    this.ensureSamples();
    const i = this.count++;
    this.durations[i] = Math.max(0, Math.round(duration90k));
    this.sizes[i] = size;
    this.flags[i] = keyframe ? SAMPLE_FLAGS_SYNC : SAMPLE_FLAGS_NON_SYNC;
    this.cts[i] = Math.round(ctsOffset90k);
    if (ctsOffset90k !== 0) this.anyCts = true;
    this.totalDuration90k += this.durations[i]!;
    return size;
  }

  /** Changes the duration of the last sample added (when the next unit's time shows it was wrong). */
  setLastDuration(duration90k: number): void {
    if (this.count === 0) return;
    const i = this.count - 1;
    this.totalDuration90k -= this.durations[i]!;
    this.durations[i] = Math.max(0, Math.round(duration90k));
    this.totalDuration90k += this.durations[i]!;
  }

  /**
   * The moof+mdat of the samples collected (a new buffer), and resets for the next fragment.
   * `baseDecodeTime90k` goes into tfdt (§8.8.12), version 1 (64-bit) so long recordings never wrap.
   */
  build(sequenceNumber: number, baseDecodeTime90k: number): Uint8Array {
    if (this.keepReferences) throw new Error('FragmentBuilder.build() on a builder that keeps references');
    const moofBytes = this.writeMoof(sequenceNumber, baseDecodeTime90k);
    const out = new Uint8Array(moofBytes + 8 + this.payloadBytes);
    out.set(this.header.bytes(), 0);
    writeMdatHeader(out, moofBytes, this.payloadBytes);
    out.set(this.payload.subarray(0, this.payloadBytes), moofBytes + 8);
    this.reset();
    return out;
  }

  /**
   * The same bytes as `build()`, as pieces for a gathered write (`FileHandle.writev`): a new buffer with the
   * moof and the mdat header, then per NAL unit its 4-byte length (views into one small buffer) and the NAL
   * unit itself (as given to `addSample` when keeping references, else a view into a copy).
   */
  buildParts(sequenceNumber: number, baseDecodeTime90k: number): FragmentParts {
    if (!this.keepReferences) {
      const whole = this.build(sequenceNumber, baseDecodeTime90k);
      return { parts: [whole], byteLength: whole.byteLength };
    }
    const moofBytes = this.writeMoof(sequenceNumber, baseDecodeTime90k);
    const head = new Uint8Array(moofBytes + 8);
    head.set(this.header.bytes(), 0);
    writeMdatHeader(head, moofBytes, this.payloadBytes);
    const refs = this.refs;
    const lengths = new Uint8Array(4 * refs.length);
    const lengthView = new DataView(lengths.buffer);
    const parts: Uint8Array[] = [head];
    for (let i = 0; i < refs.length; i++) {
      lengthView.setUint32(4 * i, refs[i]!.byteLength);
      parts.push(lengths.subarray(4 * i, 4 * i + 4), refs[i]!);
    }
    const byteLength = head.byteLength + this.payloadBytes;
    this.reset();
    return { parts, byteLength };
  }

  /** Writes the moof into `this.header`; returns its size. */
  private writeMoof(sequenceNumber: number, baseDecodeTime90k: number): number {
    if (this.count === 0) throw new Error('FragmentBuilder.build() with no samples');
    const w = this.header;
    w.reset();
    w.begin('moof');
    w.beginFull('mfhd', 0, 0).u32(sequenceNumber).end();
    w.begin('traf');
    w.beginFull('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF).u32(VIDEO_TRACK_ID).end();
    w.beginFull('tfdt', 1, 0)
      .u64(Math.max(0, Math.round(baseDecodeTime90k)))
      .end();
    const trunFlags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | (this.anyCts ? TRUN_CTS : 0);
    // Version 1 makes composition offsets signed (§8.8.8.1).
    w.beginFull('trun', this.anyCts ? 1 : 0, trunFlags).u32(this.count);
    const dataOffsetAt = w.length;
    w.u32(0);
    for (let i = 0; i < this.count; i++) {
      w.u32(this.durations[i]!).u32(this.sizes[i]!).u32(this.flags[i]!);
      if (this.anyCts) w.i32(this.cts[i]!);
    }
    w.end(); // trun
    w.end(); // traf
    w.end(); // moof
    const moofBytes = w.length;
    // default-base-is-moof: the data offset counts from the moof's first byte to the first sample.
    w.patchU32(dataOffsetAt, moofBytes + 8);
    return moofBytes;
  }

  reset(): void {
    // A new array, not a cleared one: the parts of the last fragment may still be waiting for the disk.
    if (this.refs.length > 0) this.refs = [];
    this.count = 0;
    this.payloadBytes = 0;
    this.totalDuration90k = 0;
    this.anyCts = false;
  }

  private ensurePayload(extra: number): void {
    if (this.payloadBytes + extra <= this.payload.byteLength) return;
    let size = this.payload.byteLength * 2;
    while (size < this.payloadBytes + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.payload.subarray(0, this.payloadBytes));
    this.payload = next;
    this.payloadView = new DataView(next.buffer);
  }

  private ensureSamples(): void {
    if (this.count < this.durations.length) return;
    const grow = <T extends Uint32Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const next = make(a.length * 2);
      next.set(a);
      return next;
    };
    this.durations = grow(this.durations, (n) => new Uint32Array(n));
    this.sizes = grow(this.sizes, (n) => new Uint32Array(n));
    this.flags = grow(this.flags, (n) => new Uint32Array(n));
    this.cts = grow(this.cts, (n) => new Int32Array(n));
  }
}

/** One parsed fragment: its sample table, with file offsets. */
export interface FragmentInfo {
  sequenceNumber: number;
  /** tfdt baseMediaDecodeTime in the track's timescale (0 when the traf has no tfdt). */
  baseDecodeTime: number;
  hasTfdt: boolean;
  sampleCount: number;
  durations: Uint32Array;
  sizes: Uint32Array;
  flags: Uint32Array;
  ctsOffsets: Int32Array;
  /** Offset of each sample's first byte, in the same coordinates as `moofOffset`. */
  sampleOffsets: Float64Array;
  /** Sum of `durations`. */
  duration: number;
  /** Where the samples' bytes end (the largest sampleOffset + size). */
  dataEnd: number;
}

export interface TrackDefaults {
  trackId: number;
  defaultSampleDuration: number;
  defaultSampleSize: number;
  defaultSampleFlags: number;
}

/**
 * Parses a `moof` box (`bytes` holds exactly the moof, which starts at file offset `moofOffset`).
 * Reads the first traf of `defaults.trackId`; its truns are concatenated.
 */
export function parseMoof(bytes: Uint8Array, moofOffset: number, defaults: TrackDefaults): FragmentInfo {
  const root = new BoxCursor(bytes, 0, bytes.byteLength, moofOffset);
  const moofHeader = root.child('file');
  if (moofHeader === null || moofHeader.type !== 'moof') throw new Mp4ParseError('expected a moof box', moofOffset);
  const moof = root.enter(moofHeader);
  let sequenceNumber = 0;
  for (let child = moof.child('moof'); child; child = moof.child('moof')) {
    const c = moof.enter(child);
    if (child.type === 'mfhd') {
      c.fullBox('mfhd');
      sequenceNumber = c.u32('mfhd sequence_number');
    } else if (child.type === 'traf') {
      const info = parseTraf(c, moofOffset, defaults, sequenceNumber);
      if (info !== null) return info;
    }
  }
  throw new Mp4ParseError(`moof has no traf for track ${defaults.trackId}`, moofOffset);
}

function parseTraf(
  traf: BoxCursor,
  moofOffset: number,
  defaults: TrackDefaults,
  sequenceNumber: number,
): FragmentInfo | null {
  let tfhdSeen = false;
  let base = moofOffset;
  let defaultDuration = defaults.defaultSampleDuration;
  let defaultSize = defaults.defaultSampleSize;
  let defaultFlags = defaults.defaultSampleFlags;
  let baseDecodeTime = 0;
  let hasTfdt = false;
  const runs: Array<{ c: BoxCursor; flags: number; version: number; start: number }> = [];
  for (let child = traf.child('traf'); child; child = traf.child('traf')) {
    const c = traf.enter(child);
    if (child.type === 'tfhd') {
      const { flags } = c.fullBox('tfhd');
      if (c.u32('tfhd track_ID') !== defaults.trackId) return null;
      tfhdSeen = true;
      if (flags & TFHD_BASE_DATA_OFFSET) base = c.u64('tfhd base_data_offset');
      if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) c.u32('tfhd sample_description_index');
      if (flags & TFHD_DEFAULT_DURATION) defaultDuration = c.u32('tfhd default_sample_duration');
      if (flags & TFHD_DEFAULT_SIZE) defaultSize = c.u32('tfhd default_sample_size');
      if (flags & TFHD_DEFAULT_FLAGS) defaultFlags = c.u32('tfhd default_sample_flags');
    } else if (child.type === 'tfdt') {
      const { version } = c.fullBox('tfdt');
      baseDecodeTime = version === 1 ? c.u64('tfdt baseMediaDecodeTime') : c.u32('tfdt baseMediaDecodeTime');
      hasTfdt = true;
    } else if (child.type === 'trun') {
      const { version, flags } = c.fullBox('trun');
      runs.push({ c, flags, version, start: child.start });
    }
  }
  if (!tfhdSeen) throw new Mp4ParseError('traf without tfhd', traf.base + traf.pos);
  // Count first so the tables are allocated once, bounded by what the trun boxes can hold.
  let total = 0;
  const counts: number[] = [];
  for (const run of runs) {
    const count = run.c.u32('trun sample_count');
    const perSample =
      ((run.flags & TRUN_DURATION) !== 0 ? 4 : 0) +
      ((run.flags & TRUN_SIZE) !== 0 ? 4 : 0) +
      ((run.flags & TRUN_FLAGS) !== 0 ? 4 : 0) +
      ((run.flags & TRUN_CTS) !== 0 ? 4 : 0);
    const headerBytes =
      ((run.flags & TRUN_DATA_OFFSET) !== 0 ? 4 : 0) + ((run.flags & TRUN_FIRST_SAMPLE_FLAGS) !== 0 ? 4 : 0);
    if (count > MAX_SAMPLES_PER_FRAGMENT || (perSample > 0 && count * perSample + headerBytes > run.c.remaining)) {
      throw new Mp4ParseError(`trun claims ${count} samples, more than its ${run.c.remaining} bytes hold`, run.start);
    }
    counts.push(count);
    total += count;
  }
  if (total > MAX_SAMPLES_PER_FRAGMENT) throw new Mp4ParseError(`traf claims ${total} samples`, traf.base);
  const info: FragmentInfo = {
    sequenceNumber,
    baseDecodeTime,
    hasTfdt,
    sampleCount: total,
    durations: new Uint32Array(total),
    sizes: new Uint32Array(total),
    flags: new Uint32Array(total),
    ctsOffsets: new Int32Array(total),
    sampleOffsets: new Float64Array(total),
    duration: 0,
    dataEnd: base,
  };
  let i = 0;
  let dataPos = base;
  for (let r = 0; r < runs.length; r++) {
    const { c, flags, version, start } = runs[r]!;
    if (flags & TRUN_DATA_OFFSET) dataPos = base + c.i32('trun data_offset');
    const firstFlags = flags & TRUN_FIRST_SAMPLE_FLAGS ? c.u32('trun first_sample_flags') : null;
    for (let k = 0; k < counts[r]!; k++, i++) {
      const duration = flags & TRUN_DURATION ? c.u32('trun sample_duration') : defaultDuration;
      const size = flags & TRUN_SIZE ? c.u32('trun sample_size') : defaultSize;
      let sampleFlags = flags & TRUN_FLAGS ? c.u32('trun sample_flags') : defaultFlags;
      if (k === 0 && firstFlags !== null) sampleFlags = firstFlags;
      const cts = flags & TRUN_CTS ? (version === 0 ? c.u32('trun cts') : c.i32('trun cts')) : 0;
      if (dataPos < 0) throw new Mp4ParseError('trun data offset points before the file', start);
      info.durations[i] = duration;
      info.sizes[i] = size;
      info.flags[i] = sampleFlags;
      info.ctsOffsets[i] = cts;
      info.sampleOffsets[i] = dataPos;
      dataPos += size;
      info.duration += duration;
    }
    if (dataPos > info.dataEnd) info.dataEnd = dataPos;
  }
  return info;
}

/**
 * Splits an AVCC sample into NAL units (views into `sample`, no copies). Returns null when a length
 * prefix runs past the sample (damaged data).
 */
export function nalusOfAvccSample(sample: Uint8Array, nalLengthBytes = 4): Uint8Array[] | null {
  const nalus: Uint8Array[] = [];
  let pos = 0;
  while (pos < sample.byteLength) {
    if (pos + nalLengthBytes > sample.byteLength) return null;
    let len = 0;
    for (let k = 0; k < nalLengthBytes; k++) len = len * 256 + sample[pos + k]!;
    pos += nalLengthBytes;
    if (pos + len > sample.byteLength) return null;
    if (len > 0) nalus.push(sample.subarray(pos, pos + len));
    pos += len;
  }
  return nalus;
}
