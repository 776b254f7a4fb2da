/**
 * Payloads for a replayed camera report (report-replay.ts): a report holds each RTP packet's header and
 * the shape of its H.264 payload (RFC 6184: NAL header, FU header, STAP-A units, first-slice bit, Annex B
 * start codes) but not its bytes. This fills each shape with real NAL units: the report's own SPS and PPS
 * (so the picture size is the camera's) and the slices of a clip, taken in order and cut or zero-padded to
 * the recorded sizes. Packet order, sizes, NAL types, fragment bits and start codes are the camera's; the
 * picture content is the clip's (decodable when the clip is the one the camera served, as in our tests).
 * Pure: no I/O.
 */
import type { ReportRtpPacket } from '../../../src-shared/camera-report.js';
import { NalType, isVcl, nalType } from '../../codec/h264/annexb.js';

/** The NAL units to draw from: a clip's access units (NAL units without start codes). */
export interface NalSource {
  readonly units: readonly (readonly Uint8Array[])[];
  readonly sps: Uint8Array;
  readonly pps: Uint8Array;
}

/** A NAL unit being read out, across the fragments of a FU-A; past its end it reads zeros. */
class NalStream {
  constructor(
    private readonly bytes: Uint8Array,
    private pos: number,
  ) {}

  readInto(out: Uint8Array, from: number, to: number): void {
    const n = Math.max(0, Math.min(to - from, this.bytes.byteLength - this.pos));
    if (n > 0) out.set(this.bytes.subarray(this.pos, this.pos + n), from);
    // The rest stays zero: a NAL unit longer than the clip's is padded (no start code can appear in zeros alone).
    this.pos += to - from;
  }
}

const EMPTY = new Uint8Array(0);

export class PayloadSynthesizer {
  private readonly source: NalSource;
  private readonly sps: Uint8Array[];
  private readonly pps: Uint8Array[];
  /** The clip's NAL units in order, but parameter sets (the report's are used). */
  private readonly nals: Uint8Array[];
  private cursor = 0;
  /** The FU-A NAL unit in progress (null between fragmented units). */
  private fu: NalStream | null = null;
  private fuNal: Uint8Array | null = null;

  /** `sps`/`pps`: the report's in-band parameter sets, preferred over the clip's. */
  constructor(source: NalSource, parameterSets: { sps: Uint8Array[]; pps: Uint8Array[] }) {
    this.source = source;
    this.sps = parameterSets.sps;
    this.pps = parameterSets.pps;
    this.nals = [];
    for (const unit of source.units) {
      for (const nal of unit) {
        const type = nalType(nal);
        if (type !== NalType.SPS && type !== NalType.PPS) this.nals.push(nal);
      }
    }
  }

  /** The payload for a recorded video packet, `p.len` bytes long. */
  payloadOf(p: ReportRtpPacket): Uint8Array {
    const len = p.len ?? Math.max(0, p.bytes - 12);
    const out = new Uint8Array(len);
    if (len === 0) return out;
    const indicator = p.nal ?? 0;
    out[0] = indicator;
    const type = indicator & 0x1f;
    if (type === NalType.FU_A && p.fu !== undefined && len >= 2) {
      this.fillFuA(out, indicator, p.fu, p.restart === true, p.first, p.sc);
    } else if (type === NalType.STAP_A && p.stap !== undefined) {
      this.fillStapA(out, p.stap);
    } else if (type >= 1 && type <= 23) {
      const stream = new NalStream(this.nalUnit(indicator, len), 1);
      this.fillRegion(out, 1, len, stream, p.sc);
      if (isVcl(type) && p.first !== undefined && len >= 2) out[1] = withFirstSliceBit(out[1]!, p.first);
    } else {
      // Type 0 (Annex B bytes from the first byte on), 25–31: zeros, then what the start codes say.
      this.fillRegion(out, 0, len, new NalStream(EMPTY, 0), p.sc);
    }
    return out;
  }

  /** A payload of another payload type (not video): its first byte, then zeros. */
  static otherPayload(p: ReportRtpPacket): Uint8Array {
    const out = new Uint8Array(p.len ?? Math.max(0, p.bytes - 12));
    if (out.byteLength > 0) out[0] = p.nal ?? 0;
    return out;
  }

  private fillFuA(
    out: Uint8Array,
    indicator: number,
    fuHeader: number,
    restart: boolean,
    first: boolean | undefined,
    codes: ReadonlyArray<[number, number]> | undefined,
  ): void {
    out[1] = fuHeader;
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    if (start) {
      // A restart sends the unfinished NAL unit again from its start; any other start is the next one.
      if (!(restart && this.fuNal !== null)) this.fuNal = this.nalUnit((indicator & 0xe0) | (fuHeader & 0x1f));
      this.fu = new NalStream(this.fuNal, 1);
    }
    const stream = this.fu ?? new NalStream(EMPTY, 0);
    this.fu = this.fillRegion(out, 2, out.byteLength, stream, codes);
    if (start && first !== undefined && isVcl(fuHeader & 0x1f) && out.byteLength >= 3) {
      out[2] = withFirstSliceBit(out[2]!, first);
    }
    if (end) {
      this.fu = null;
      this.fuNal = null;
    }
  }

  private fillStapA(out: Uint8Array, units: ReadonlyArray<[number, number]>): void {
    let pos = 1;
    for (const [header, size] of units) {
      if (pos + 2 + size > out.byteLength) break;
      out[pos] = size >> 8;
      out[pos + 1] = size & 0xff;
      new NalStream(this.nalUnit(header, size), 0).readInto(out, pos + 2, pos + 2 + size);
      out[pos + 2] = header;
      pos += 2 + size;
    }
  }

  /**
   * Fills out[from, to) from `stream`; at each recorded start code (the offset of the NAL unit after it,
   * its header) writes 00 00 00 01 (00 00 01 where there is no room) and goes on with that NAL unit.
   * Returns the stream in use at the end (a FU-A goes on with it in the next fragment).
   */
  private fillRegion(
    out: Uint8Array,
    from: number,
    to: number,
    stream: NalStream,
    codes: ReadonlyArray<[number, number]> | undefined,
  ): NalStream {
    let pos = from;
    let current = stream;
    for (const [nalStart, header] of codes ?? []) {
      if (nalStart < pos + 3 || nalStart > to) continue;
      const codeStart = nalStart >= pos + 4 ? nalStart - 4 : nalStart - 3;
      current.readInto(out, pos, codeStart);
      out.fill(0, codeStart, nalStart - 1);
      out[nalStart - 1] = 1;
      current = new NalStream(this.nalUnit(header), 0);
      pos = nalStart;
    }
    current.readInto(out, pos, to);
    return current;
  }

  /**
   * A NAL unit of the header's type, with that header byte: the report's SPS or PPS (of `size` bytes when
   * the camera sent several), else the clip's
   * next NAL unit of that type (slices in clip order, so pictures follow on), else a header alone.
   */
  private nalUnit(header: number, size?: number): Uint8Array {
    const type = header & 0x1f;
    let nal: Uint8Array;
    if (type === NalType.SPS) nal = ofSize(this.sps, size) ?? this.source.sps;
    else if (type === NalType.PPS) nal = ofSize(this.pps, size) ?? this.source.pps;
    else nal = this.nextOfType(type) ?? Uint8Array.of(header);
    const copy = nal.slice();
    copy[0] = header;
    return copy;
  }

  private nextOfType(type: number): Uint8Array | null {
    const n = this.nals.length;
    for (let i = 0; i < n; i++) {
      const nal = this.nals[(this.cursor + i) % n]!;
      if (nalType(nal) === type) {
        this.cursor = (this.cursor + i + 1) % n;
        return nal;
      }
    }
    return null;
  }
}

/** The parameter set of `size` bytes, else the latest; undefined when there is none. */
function ofSize(sets: readonly Uint8Array[], size: number | undefined): Uint8Array | undefined {
  return sets.find((nal) => nal.byteLength === size) ?? sets[sets.length - 1];
}

/**
 * The second byte of a slice with first_mb_in_slice (ue(v), §7.3.3) made 0 (`first`: bit 1 on) or 1–2
 * (bits 01x), the bit the depacketizer reads to find a picture's first slice.
 */
function withFirstSliceBit(byte: number, first: boolean): number {
  if (first) return byte | 0x80;
  return (byte & 0x3f) | 0x40;
}
