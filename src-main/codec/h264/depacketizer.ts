/**
 * RFC 6184 depacketizer (non-interleaved mode: single NAL unit, STAP-A, FU-A) and access-unit assembly.
 * It takes RTP payloads in sequence order, with the loss the reordering buffer saw before each, and yields
 * whole access units. A unit that lost any of its data is dropped, never passed on; after a loss the
 * depacketizer waits for the next keyframe and flags it `discontinuity` (a decoder restarts there).
 *
 * Access units end at the marker bit (§5.1) once the stream has shown its markers are right, else at a
 * timestamp change. Camera quirks are tolerated and reported by name through the sink.
 */
import type { AccessUnit, UnitLease, VideoFormat } from '../../../src-shared/access-unit.js';
import { NalType, indexOfStartCode, isFirstSliceOfPicture, isVcl, splitAnnexB } from './annexb.js';
import { H264ParseError } from './bit-reader.js';
import { FuAAssembler } from './fu-a.js';
import type { SlabPool } from './slab-pool.js';
import { bytesEqual, parseSpropParameterSets, videoFormatOf } from './parameter-sets.js';
import { parseSps, type Sps } from './sps.js';
import { DtsEstimator } from './dts-estimator.js';

export interface H264DepacketizerSink {
  onAccessUnit(au: AccessUnit): void;
  onFormat(format: VideoFormat): void;
  /** A tolerated camera quirk (the caller reports each name once). */
  onQuirk(name: string, detail: string): void;
  /** A payload or NAL unit that breaks the syntax; the unit it belonged to is dropped. */
  onMalformed(error: H264ParseError, seq: number): void;
  /** Wall clock of an RTP time (from RTCP sender reports), or the arrival time when unknown. */
  wallMsOf(rtpTimestamp32: number, arrivalMs: number): number;
}

export interface H264DepacketizerStats {
  frames: number;
  keyframes: number;
  droppedUnits: number;
  malformed: number;
}

/** Consecutive units whose marker bit sat exactly on their last packet before markers are trusted. */
const MARKER_PROBATION_UNITS = 2;
/** Units ended by a timestamp change, not a marker, before a trusted marker is given up. */
const MARKER_MISSES_TO_DISTRUST = 3;
/** NAL units per access unit accepted (a 1080p frame in many slices, SEI, parameter sets). */
const MAX_NALUS_PER_UNIT = 1024;
/** Bytes per access unit accepted (a 4K IDR is a few MB); bounds memory whatever a camera sends. */
export const MAX_UNIT_BYTES = 16 * 1024 * 1024;
/**
 * Pictures whose every NAL unit is searched for Annex B start codes. A stream without any by then is only
 * checked where cameras put them (the head of a NAL unit, and small units such as parameter sets);
 * finding one anywhere turns full search back on for good. Full search costs about a quarter of the
 * CPU of this path (bench:ingest).
 */
const FULL_SCAN_UNITS = 250;
const SMALL_NAL_BYTES = 512;
/** Frames whose timestamp deltas measure the frame rate when the SPS has no VUI timing. */
const FPS_SAMPLE_FRAMES = 10;

type MarkerMode = 'probing' | 'trusted' | 'timestamp';

export class H264Depacketizer {
  readonly stats: H264DepacketizerStats = { frames: 0, keyframes: 0, droppedUnits: 0, malformed: 0 };

  private readonly label: string;
  private readonly sink: H264DepacketizerSink;
  private readonly fu: FuAAssembler;
  private readonly dts = new DtsEstimator();

  // The access unit being assembled.
  private nalus: Uint8Array[] = [];
  private unitBytes = 0;
  private unitOpen = false;
  private unitPts90k = 0;
  private unitTs32 = 0;
  private unitArrivalMs = 0;
  private unitHasIdr = false;
  private unitFirstVclIsStart = false;
  private unitHasVcl = false;
  /** Why the unit is damaged (null when whole). */
  private damage: string | null = null;
  /** Loss right before the unit's first packet: the unit may be whole, but what came before is not. */
  private gapBefore = false;
  private markerSeenInUnit = false;
  private packetsInUnit = 0;

  // Across units.
  private markerMode: MarkerMode = 'probing';
  private markerGoodUnits = 0;
  private markerMisses = 0;
  private lastEmittedTs32 = 0;
  private emittedAny = false;
  private waitingForKeyframe = true;
  private pendingDiscontinuity = false;
  private scanAll = true;
  private cleanUnits = 0;
  private startCodesSeen = false;

  // Parameter sets: the latest seen (in-band wins over SDP) and the ones last reported.
  private sps: Uint8Array | null = null;
  private spsParsed: Sps | null = null;
  private pps: Uint8Array | null = null;
  private fromSdp = false;
  private reportedSps: Uint8Array | null = null;
  private reportedPps: Uint8Array | null = null;
  private reportedFps: number | null = null;
  private format: VideoFormat | null = null;
  private closed = false;
  private fpsDeltas: number[] = [];
  private lastPtsForFps: number | null = null;
  private measuredFps: number | null = null;

  /** `pool`: where NAL units are kept (slab-pool.ts); units then carry a lease. None: plain memory. */
  constructor(label: string, sink: H264DepacketizerSink, spropParameterSets?: string, pool: SlabPool | null = null) {
    this.label = label;
    this.sink = sink;
    this.fu = new FuAAssembler(undefined, pool);
    if (spropParameterSets !== undefined && spropParameterSets.trim() !== '') {
      try {
        for (const nal of parseSpropParameterSets(spropParameterSets)) this.acceptParameterSet(nal, true, 0);
      } catch (err) {
        if (!(err instanceof H264ParseError)) throw err;
        this.stats.malformed++;
        this.sink.onMalformed(err, -1);
      }
    }
  }

  /** The stream ended: no unit is emitted any more, and the assembler's slabs go back to the pool (fu-a.ts). */
  close(): void {
    this.closed = true;
    this.fu.close();
  }

  /** The latest format reported through onFormat, or null before the first. */
  get currentFormat(): VideoFormat | null {
    return this.format;
  }

  /**
   * One RTP payload, in sequence order. `lostBefore` counts packets declared lost just before it;
   * `pts90k` is the unwrapped timestamp; `ts32` the raw one (for the wall-clock mapping).
   */
  push(
    packet: Uint8Array,
    offset: number,
    length: number,
    seq: number,
    pts90k: number,
    ts32: number,
    marker: boolean,
    arrivalMs: number,
    lostBefore: number,
  ): void {
    if (lostBefore > 0) this.onLoss(lostBefore);
    if (this.unitOpen && pts90k !== this.unitPts90k) this.endUnit(false);
    if (!this.unitOpen) {
      if (this.emittedAny && ts32 === this.lastEmittedTs32 && this.markerMode === 'trusted' && lostBefore === 0) {
        // More data for a unit already ended at its marker: the marker is set on more than the last packet.
        this.distrustMarkers(
          'marker-every-packet',
          `RTP seq ${seq}: data after the marker bit with the same timestamp`,
        );
        this.damage = 'the start of this picture was passed on at a misplaced marker bit';
      }
      this.beginUnit(pts90k, ts32, arrivalMs);
    }
    this.packetsInUnit++;
    if (length < 1) {
      this.malformed(new H264ParseError('RTP packet with an empty payload', 0), seq);
      return;
    }
    const type = packet[offset]! & 0x1f;
    let endsNal = true;
    if (type >= 1 && type <= 23) {
      this.closeFuWithoutEnd(seq);
      this.addNal(this.fu.copy(packet, offset, length), seq);
    } else if (type === NalType.STAP_A) {
      this.closeFuWithoutEnd(seq);
      this.stapA(packet, offset, length, seq);
    } else if (type === NalType.FU_A) {
      // §5.8: the E bit ends the NAL unit, whatever became of the fragments before.
      endsNal = length < 2 || (packet[offset + 1]! & 0x40) !== 0;
      this.fuA(packet, offset, length, seq);
    } else if (type === 0 && startsWithStartCodeAt(packet, offset, length)) {
      // Annex B bytes where a NAL unit belongs (RFC 6184 forbids start codes in payloads).
      this.closeFuWithoutEnd(seq);
      this.addNal(this.fu.copy(packet, offset, length), seq);
    } else {
      const what = type === 25 || type === 26 || type === 27 || type === 29 ? 'interleaved-mode' : 'undefined';
      this.malformed(new H264ParseError(`${what} NAL unit type ${type} in an RTP payload is not supported`, 0), seq);
      return;
    }
    if (marker) {
      if (!endsNal) {
        // Marker on an FU-A fragment that does not end its NAL unit: markers cannot be trusted.
        this.distrustMarkers('marker-every-packet', `RTP seq ${seq}: marker bit on an FU-A fragment before its end`);
      } else if (this.markerSeenInUnit) {
        this.distrustMarkers('marker-every-packet', `RTP seq ${seq}: two marker bits in one picture`);
      } else if (this.markerMode !== 'timestamp') {
        this.markerSeenInUnit = true;
        if (this.markerMode === 'trusted') this.endUnit(true);
      }
    } else if (this.markerSeenInUnit && this.markerMode === 'probing') {
      this.distrustMarkers(
        'marker-every-packet',
        `RTP seq ${seq}: marker bit on a packet that did not end its picture`,
      );
    }
  }

  /** Ends the unit in progress (end of session). */
  flush(): void {
    // The stream stopped inside a fragmented NAL unit (a probe's or a session's end): the picture is
    // incomplete, which is no camera's missing E bit. Dropped, not reported as `fu-a-missing-end`.
    if (this.fu.isOpen) {
      this.fu.abort();
      if (this.unitOpen) this.damage ??= 'the stream ended inside a fragmented NAL unit';
    }
    if (this.unitOpen) this.endUnit(this.markerSeenInUnit);
  }

  private onLoss(count: number): void {
    if (this.unitOpen) this.damage ??= `${count} packet(s) lost inside the picture`;
    else this.gapBefore = true;
    if (this.fu.isOpen) this.fu.abort();
  }

  private beginUnit(pts90k: number, ts32: number, arrivalMs: number): void {
    this.unitOpen = true;
    this.unitPts90k = pts90k;
    this.unitTs32 = ts32;
    this.unitArrivalMs = arrivalMs;
    this.unitHasIdr = false;
    this.unitHasVcl = false;
    this.unitFirstVclIsStart = false;
    this.markerSeenInUnit = false;
    this.packetsInUnit = 0;
  }

  private stapA(packet: Uint8Array, offset: number, length: number, seq: number): void {
    // §5.7.1: STAP-A header, then (16-bit size, NAL unit) repeated.
    const end = offset + length;
    let pos = offset + 1;
    if (pos >= end) {
      this.malformed(new H264ParseError('STAP-A without any NAL unit', 1), seq);
      return;
    }
    while (pos < end) {
      if (pos + 2 > end) {
        this.malformed(new H264ParseError('STAP-A size field cut off', pos - offset), seq);
        return;
      }
      const size = (packet[pos]! << 8) | packet[pos + 1]!;
      pos += 2;
      if (size === 0 || pos + size > end) {
        this.malformed(
          new H264ParseError(`STAP-A NAL unit of ${size} bytes with ${end - pos} bytes left`, pos - 2 - offset),
          seq,
        );
        return;
      }
      this.addNal(this.fu.copy(packet, pos, size), seq);
      pos += size;
    }
  }

  /** §5.8. */
  private fuA(packet: Uint8Array, offset: number, length: number, seq: number): void {
    if (length < 3) {
      this.fu.abort();
      this.malformed(new H264ParseError(`FU-A of ${length} bytes has no fragment data`, 0), seq);
      return;
    }
    if (this.damage !== null) {
      this.fu.abort(); // the unit will be dropped: assemble nothing more of it
      return;
    }
    const indicator = packet[offset]!;
    const fuHeader = packet[offset + 1]!;
    const start = (fuHeader & 0x80) !== 0;
    const end = (fuHeader & 0x40) !== 0;
    const type = fuHeader & 0x1f;
    if (start) {
      if (this.fu.isOpen && this.fu.openType === type && this.fu.openStartsWith(packet, offset + 2, length - 2)) {
        // The same NAL unit sent again from its start: the camera abandoned the first attempt.
        this.sink.onQuirk('fu-a-restart', `RTP seq ${seq}: a FU-A NAL unit started again before its end`);
        this.fu.abort();
      }
      this.closeFuWithoutEnd(seq);
      this.fu.start((indicator & 0xe0) | type);
      if (end) this.sink.onQuirk('fu-a-start-and-end', `RTP seq ${seq}: one FU-A fragment with both S and E bits`);
    } else if (!this.fu.isOpen) {
      this.damage ??= `RTP seq ${seq}: FU-A fragment without its start`;
      return;
    } else if (this.fu.openType !== type) {
      this.fu.abort();
      this.damage ??= `RTP seq ${seq}: FU-A fragment of NAL type ${type} inside a type ${this.fu.openType} unit`;
      return;
    }
    if (!this.fu.append(packet, offset + 2, length - 2)) {
      this.damage ??= `RTP seq ${seq}: FU-A NAL unit larger than the limit`;
      return;
    }
    if (end) this.addNal(this.fu.finish(), seq);
  }

  /** A NAL unit still being reassembled when something else begins: some cameras omit the E bit. */
  private closeFuWithoutEnd(seq: number): void {
    if (!this.fu.isOpen) return;
    if (this.damage !== null) {
      this.fu.abort();
      return;
    }
    this.sink.onQuirk('fu-a-missing-end', `RTP seq ${seq}: a FU-A NAL unit ended without its E bit`);
    this.addNal(this.fu.finish(), seq);
  }

  private addNal(nal: Uint8Array, seq: number): void {
    const found =
      this.scanAll || nal.byteLength <= SMALL_NAL_BYTES ? indexOfStartCode(nal) !== -1 : startCodeAfterHeader(nal);
    if (found) {
      this.startCodesSeen = true;
      this.scanAll = true;
      this.sink.onQuirk('annexb-in-payload', `RTP seq ${seq}: Annex B start codes inside an RTP payload`);
      for (const part of splitAnnexB(nal, true)) {
        // A 1-byte unit here is the header a FU-A rebuilt in front of a start code; only ends of sequence/stream are that short.
        const t = part[0]! & 0x1f;
        if (part.byteLength > 1 || t === NalType.END_OF_SEQUENCE || t === NalType.END_OF_STREAM)
          this.addOneNal(part, seq);
      }
      return;
    }
    this.addOneNal(nal, seq);
  }

  private addOneNal(nal: Uint8Array, seq: number): void {
    if (this.nalus.length >= MAX_NALUS_PER_UNIT)
      this.damage ??= `more than ${MAX_NALUS_PER_UNIT} NAL units in one picture`;
    if (this.unitBytes + nal.byteLength > MAX_UNIT_BYTES) this.damage ??= `picture larger than ${MAX_UNIT_BYTES} bytes`;
    const type = nal[0]! & 0x1f;
    if (isVcl(type)) {
      if (!this.unitHasVcl) this.unitFirstVclIsStart = isFirstSliceOfPicture(nal);
      this.unitHasVcl = true;
      if (type === NalType.IDR) this.unitHasIdr = true;
    } else if (type === NalType.SPS || type === NalType.PPS) {
      this.acceptParameterSet(nal, false, seq);
    }
    if (this.damage !== null) return; // the unit will be dropped: hold nothing more of it
    this.nalus.push(nal);
    this.unitBytes += nal.byteLength;
  }

  private acceptParameterSet(nal: Uint8Array, fromSdp: boolean, seq: number): void {
    const type = nal[0]! & 0x1f;
    if (type === NalType.SPS) {
      if (bytesEqual(nal, this.sps)) return;
      try {
        const parsed = parseSps(nal);
        if (parsed.vuiError !== null) this.sink.onQuirk('sps-vui-damaged', `${this.label}: ${parsed.vuiError}`);
        if (!fromSdp && this.fromSdp && this.sps !== null) {
          this.sink.onQuirk(
            'sprop-parameter-sets-differ',
            'the in-band SPS differs from sprop-parameter-sets; in-band wins',
          );
        }
        // Keep a copy: the NAL may be a view into a packet or slab the caller reuses.
        this.sps = nal.slice();
        this.spsParsed = parsed;
        this.fromSdp = fromSdp;
      } catch (err) {
        if (!(err instanceof H264ParseError)) throw err;
        this.malformed(err, seq);
      }
    } else if (type === NalType.PPS) {
      if (bytesEqual(nal, this.pps)) return;
      if (!fromSdp && this.fromSdp && this.pps !== null) {
        this.sink.onQuirk(
          'sprop-parameter-sets-differ',
          'the in-band PPS differs from sprop-parameter-sets; in-band wins',
        );
      }
      this.pps = nal.slice();
    }
  }

  private endUnit(atMarker: boolean): void {
    this.trackMarkers(atMarker);
    if (this.fu.isOpen) this.closeFuWithoutEnd(-1);
    // Every NAL unit of this unit has been handed out by now: the lease covers them all. Held while the unit is
    // handed over; a unit that is dropped instead gives its slabs back here.
    const lease = this.fu.takeLease();
    try {
      this.emitUnit(lease);
    } finally {
      lease?.release();
    }
  }

  private emitUnit(lease: UnitLease | null): void {
    const nalus = this.nalus;
    this.nalus = [];
    const bytes = this.unitBytes;
    this.unitBytes = 0;
    this.unitOpen = false;
    this.lastEmittedTs32 = this.unitTs32;
    const damage = this.damage;
    const gapBefore = this.gapBefore;
    this.damage = null;
    this.gapBefore = false;
    if (this.closed || (nalus.length === 0 && damage === null && !gapBefore)) return;

    if (damage !== null || (gapBefore && !(this.unitHasIdr && this.unitFirstVclIsStart))) {
      this.drop();
      return;
    }
    if (!this.unitHasVcl) {
      // Parameter sets or SEI alone under their own timestamp: keep them for the next picture's format.
      return;
    }
    const keyframe = this.unitHasIdr;
    if (gapBefore) this.pendingDiscontinuity = this.emittedAny;
    if (this.waitingForKeyframe && !keyframe) {
      this.stats.droppedUnits++;
      return;
    }
    if (this.sps === null || this.pps === null || this.spsParsed === null) {
      this.sink.onQuirk('parameter-sets-late', `${this.label}: a keyframe arrived before its SPS and PPS`);
      this.stats.droppedUnits++;
      return;
    }
    this.measureFps(this.unitPts90k);
    this.reportFormat();
    const discontinuity = this.pendingDiscontinuity;
    this.pendingDiscontinuity = false;
    this.waitingForKeyframe = false;
    this.emittedAny = true;
    if (this.scanAll && !this.startCodesSeen && ++this.cleanUnits >= FULL_SCAN_UNITS) this.scanAll = false;
    this.stats.frames++;
    if (keyframe) this.stats.keyframes++;
    const au: AccessUnit = {
      pts90k: this.unitPts90k,
      dts90k: this.dts.next(this.unitPts90k, this.spsParsed, this.format?.fps ?? null),
      keyframe,
      nalus,
      byteLength: bytes,
      wallMs: this.sink.wallMsOf(this.unitTs32, this.unitArrivalMs),
      discontinuity,
      lease,
    };
    this.sink.onAccessUnit(au);
  }

  private drop(): void {
    this.stats.droppedUnits++;
    this.waitingForKeyframe = true;
    this.pendingDiscontinuity = this.emittedAny;
  }

  private malformed(err: H264ParseError, seq: number): void {
    this.stats.malformed++;
    this.damage ??= err.message;
    this.sink.onMalformed(err, seq);
  }

  private trackMarkers(atMarker: boolean): void {
    if (this.markerMode === 'probing') {
      if (atMarker || this.markerSeenInUnit) {
        if (++this.markerGoodUnits >= MARKER_PROBATION_UNITS) this.markerMode = 'trusted';
      } else if (this.damage === null && !this.gapBefore && this.packetsInUnit > 0) {
        this.markerGoodUnits = 0;
        if (++this.markerMisses >= MARKER_PROBATION_UNITS) {
          this.markerMode = 'timestamp';
          this.sink.onQuirk('marker-missing', `${this.label}: no marker bit at the end of pictures; using timestamps`);
        }
      }
    } else if (this.markerMode === 'trusted' && !atMarker && this.damage === null && !this.gapBefore) {
      if (++this.markerMisses >= MARKER_MISSES_TO_DISTRUST) {
        this.markerMode = 'timestamp';
        this.sink.onQuirk('marker-missing', `${this.label}: pictures end without the marker bit; using timestamps`);
      }
    } else if (atMarker) {
      this.markerMisses = 0;
    }
  }

  private distrustMarkers(name: string, detail: string): void {
    if (this.markerMode !== 'timestamp') this.sink.onQuirk(name, `${detail}; using timestamps`);
    this.markerMode = 'timestamp';
    this.markerSeenInUnit = false;
  }

  private measureFps(pts90k: number): void {
    if ((this.spsParsed !== null && this.spsParsed.fps !== null) || this.measuredFps !== null) return;
    if (this.lastPtsForFps !== null) {
      const delta = pts90k - this.lastPtsForFps;
      if (delta > 0 && delta < 90000 * 10) this.fpsDeltas.push(delta);
    }
    this.lastPtsForFps = pts90k;
    if (this.fpsDeltas.length >= FPS_SAMPLE_FRAMES) {
      const sorted = this.fpsDeltas.sort((a, b) => a - b);
      const median = sorted[sorted.length >> 1]!;
      this.measuredFps = Math.round((90000 / median) * 1000) / 1000;
      this.fpsDeltas = [];
    }
  }

  private reportFormat(): void {
    const fps = this.spsParsed!.fps ?? this.measuredFps;
    if (bytesEqual(this.sps, this.reportedSps) && bytesEqual(this.pps, this.reportedPps) && fps === this.reportedFps) {
      return;
    }
    this.reportedSps = this.sps;
    this.reportedPps = this.pps;
    this.reportedFps = fps;
    this.format = videoFormatOf(this.sps!, this.spsParsed!, this.pps!, this.measuredFps);
    this.sink.onFormat(this.format);
  }
}

/** A start code right after the NAL header byte (how cameras that send Annex B in FU-A payloads do it). */
function startCodeAfterHeader(nal: Uint8Array): boolean {
  return nal.byteLength > 4 && nal[1] === 0 && nal[2] === 0 && (nal[3] === 1 || (nal[3] === 0 && nal[4] === 1));
}

function startsWithStartCodeAt(data: Uint8Array, offset: number, length: number): boolean {
  return (
    length >= 3 && data[offset] === 0 && data[offset + 1] === 0 && (data[offset + 2] === 1 || data[offset + 2] === 0)
  );
}
