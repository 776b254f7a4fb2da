/**
 * Restores RTP sequence order on UDP (the original's `orderingQueueSz`). Holds up to `size` packets
 * that arrived ahead of a gap in pooled slots (no allocation per packet), releases them in order, and
 * declares the gap lost when the queue is full or the oldest waiting packet has waited `maxHoldMs`.
 * Counts lost, reordered, duplicate and late packets; follows a sequence restart (a camera that
 * reboots its RTP state) after two consecutive packets confirm it, as RFC 3550 A.1 does.
 *
 * Sequence numbers are extended to an ever-growing count internally (16-bit wrap, §5.1).
 */

export interface ReorderSink {
  /**
   * One packet in sequence order. `lostBefore` counts packets declared lost just before it (a sequence
   * restart passes 1: something unknown was lost). `payloadLength` is passed through as given (a caller
   * may mark packets that only hold a sequence number with a negative length).
   */
  deliver(
    packet: Uint8Array,
    payloadOffset: number,
    payloadLength: number,
    seq: number,
    ts32: number,
    marker: boolean,
    arrivalMs: number,
    lostBefore: number,
  ): void;
  /** The sender restarted its sequence numbers (a camera hiccup); `fromSeq` → `toSeq`. */
  onSequenceRestart(fromSeq: number, toSeq: number): void;
}

export interface ReorderStats {
  lost: number;
  reordered: number;
  duplicates: number;
  /** Arrived after their gap had been declared lost: dropped. */
  late: number;
  restarts: number;
  /** Far off the expected sequence and not followed by the next number: dropped. */
  strays: number;
}

/** RFC 3550 A.1: a jump further than this is a restart candidate, not loss. */
const MAX_DROPOUT = 3000;
/** RFC 3550 A.1: packets this far behind are late or duplicate; further back, a restart candidate. */
const MAX_MISORDER = 100;
/** Consecutive late packets in sequence that mean the sender restarted a little behind. */
const LATE_RUN_RESTART = 8;
/** Released sequence numbers remembered to tell duplicates from late packets. */
const HISTORY = 1024;

export class ReorderBuffer {
  readonly stats: ReorderStats = { lost: 0, reordered: 0, duplicates: 0, late: 0, restarts: 0, strays: 0 };

  private readonly size: number;
  /** size + 1 slots: the window [next expected, next expected + size] maps to distinct slots. */
  private readonly slots: number;
  private readonly maxHoldMs: number;
  private readonly sink: ReorderSink;
  // Pooled slots, indexed by extended sequence number modulo size.
  private readonly slotPacket: Array<Uint8Array | null>;
  private readonly slotExt: Float64Array;
  private readonly slotOffset: Int32Array;
  private readonly slotLength: Int32Array;
  private readonly slotTs: Float64Array;
  private readonly slotMarker: Uint8Array;
  private readonly slotArrival: Float64Array;
  private held = 0;
  private waitStartMs = 0;

  private started = false;
  /** Extended sequence number expected next. */
  private nextExt = 0;
  private pendingLost = 0;
  /** Extended numbers of the last HISTORY packets released, by ext % HISTORY. */
  private readonly released = new Float64Array(HISTORY).fill(-1);
  private lateRun = 0;
  private lastLateExt = -1;

  // One packet far off the expected sequence, kept until the next confirms a restart.
  private strayPacket: Uint8Array | null = null;
  private straySeq = 0;
  private strayOffset = 0;
  private strayLength = 0;
  private strayTs = 0;
  private strayMarker = false;
  private strayArrival = 0;

  constructor(size: number, sink: ReorderSink, maxHoldMs = 100) {
    this.size = Math.max(0, Math.floor(size));
    this.maxHoldMs = maxHoldMs;
    this.sink = sink;
    this.slots = this.size + 1;
    const n = this.slots;
    this.slotPacket = new Array<Uint8Array | null>(n).fill(null);
    this.slotExt = new Float64Array(n).fill(-1);
    this.slotOffset = new Int32Array(n);
    this.slotLength = new Int32Array(n);
    this.slotTs = new Float64Array(n);
    this.slotMarker = new Uint8Array(n);
    this.slotArrival = new Float64Array(n);
  }

  /** Packets waiting for a gap to fill. */
  get heldCount(): number {
    return this.held;
  }

  push(
    packet: Uint8Array,
    payloadOffset: number,
    payloadLength: number,
    seq: number,
    ts32: number,
    marker: boolean,
    arrivalMs: number,
  ): void {
    if (!this.started) {
      this.started = true;
      // Start well above zero so sequence numbers before the first stay positive.
      this.nextExt = 0x10000 + seq;
      this.release(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs);
      return;
    }
    const delta = ((seq - (this.nextExt & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    const ext = this.nextExt + delta;
    if (delta < 0) {
      if (delta >= -MAX_MISORDER) {
        this.onBehind(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs, ext);
        return;
      }
      this.onFarJump(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs);
      return;
    }
    if (delta > MAX_DROPOUT) {
      this.onFarJump(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs);
      return;
    }
    this.lateRun = 0;
    if (this.strayPacket !== null) {
      this.stats.strays++;
      this.strayPacket = null;
    }
    if (delta === 0) {
      if (this.held > 0) this.stats.reordered++;
      this.release(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs);
      this.drain();
    } else if (this.size === 0) {
      // TCP: nothing to wait for. The gap is loss.
      this.stats.lost += delta;
      this.pendingLost += delta;
      this.nextExt = ext;
      this.release(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs);
    } else {
      if (delta > this.size) this.advanceTo(ext - this.size);
      const i = ext % this.slots;
      if (this.slotExt[i] === ext) {
        this.stats.duplicates++;
        return;
      }
      // A copy of the payload: the caller's buffer may be reused (RtspConnection).
      this.slotPacket[i] = copyPayload(packet, payloadOffset, payloadLength);
      this.slotExt[i] = ext;
      this.slotOffset[i] = 0;
      this.slotLength[i] = payloadLength;
      this.slotTs[i] = ts32;
      this.slotMarker[i] = marker ? 1 : 0;
      this.slotArrival[i] = arrivalMs;
      if (this.held === 0) this.waitStartMs = arrivalMs;
      this.held++;
      this.drain();
      // Queue full: the packet we wait for is not coming in time.
      if (this.held >= this.size) this.skipGap();
    }
    this.expire(arrivalMs);
  }

  /** Declares gaps lost whose oldest waiting packet arrived more than maxHoldMs before `nowMs`. */
  expire(nowMs: number): void {
    while (this.held > 0 && nowMs - this.waitStartMs > this.maxHoldMs) this.skipGap();
  }

  /** Releases every held packet in order, declaring the gaps between them lost (end of session). */
  flush(): void {
    while (this.held > 0) this.skipGap();
  }

  /** Forgets all state: the next packet starts a new sequence (a new session). */
  reset(): void {
    this.dropHeld();
    this.started = false;
    this.pendingLost = 0;
    this.strayPacket = null;
    this.lateRun = 0;
    this.released.fill(-1);
  }

  private dropHeld(): void {
    for (let i = 0; i < this.slotPacket.length; i++) {
      this.slotPacket[i] = null;
      this.slotExt[i] = -1;
    }
    this.held = 0;
  }

  private onBehind(
    packet: Uint8Array,
    payloadOffset: number,
    payloadLength: number,
    seq: number,
    ts32: number,
    marker: boolean,
    arrivalMs: number,
    ext: number,
  ): void {
    if (this.released[ext % HISTORY] === ext) {
      this.stats.duplicates++;
      this.lateRun = 0;
      return;
    }
    this.stats.late++;
    this.stats.reordered++;
    this.lateRun = ext === this.lastLateExt + 1 ? this.lateRun + 1 : 1;
    this.lastLateExt = ext;
    if (this.lateRun >= LATE_RUN_RESTART) {
      // A run of new packets just behind what we released: the sender restarted its numbering.
      this.restart(seq);
      this.pendingLost = 1;
      this.release(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs);
    }
  }

  private onFarJump(
    packet: Uint8Array,
    payloadOffset: number,
    payloadLength: number,
    seq: number,
    ts32: number,
    marker: boolean,
    arrivalMs: number,
  ): void {
    const stray = this.strayPacket;
    if (stray !== null && seq === ((this.straySeq + 1) & 0xffff)) {
      this.restart(this.straySeq);
      this.pendingLost = 1;
      this.release(
        stray,
        this.strayOffset,
        this.strayLength,
        this.straySeq,
        this.strayTs,
        this.strayMarker,
        this.strayArrival,
      );
      this.release(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs);
      return;
    }
    // Keep it: if the next packet follows it, the sender has restarted (RFC 3550 A.1, MIN_SEQUENTIAL 2).
    if (stray !== null) this.stats.strays++;
    this.strayPacket = copyPayload(packet, payloadOffset, payloadLength); // a copy, as above
    this.straySeq = seq;
    this.strayOffset = 0;
    this.strayLength = payloadLength;
    this.strayTs = ts32;
    this.strayMarker = marker;
    this.strayArrival = arrivalMs;
  }

  /** Releases what is held, then continues numbering at `seq` (a value above every number used so far). */
  private restart(seq: number): void {
    const from = (this.nextExt - 1) & 0xffff;
    this.flush();
    this.stats.restarts++;
    this.sink.onSequenceRestart(from, seq);
    const base = this.nextExt - (this.nextExt & 0xffff) + 0x20000;
    this.nextExt = base + seq;
    this.strayPacket = null;
    this.lateRun = 0;
  }

  /** Releases `packet` as the one expected next. */
  private release(
    packet: Uint8Array,
    payloadOffset: number,
    payloadLength: number,
    seq: number,
    ts32: number,
    marker: boolean,
    arrivalMs: number,
  ): void {
    const lost = this.pendingLost;
    this.pendingLost = 0;
    this.released[this.nextExt % HISTORY] = this.nextExt;
    this.nextExt++;
    this.sink.deliver(packet, payloadOffset, payloadLength, seq, ts32, marker, arrivalMs, lost);
  }

  private releaseSlot(i: number): void {
    const packet = this.slotPacket[i]!;
    this.slotPacket[i] = null;
    this.slotExt[i] = -1;
    this.held--;
    this.release(
      packet,
      this.slotOffset[i]!,
      this.slotLength[i]!,
      this.nextExt & 0xffff,
      this.slotTs[i]!,
      this.slotMarker[i] === 1,
      this.slotArrival[i]!,
    );
  }

  /** Releases held packets that now follow in order. */
  private drain(): void {
    if (this.size === 0) return;
    while (this.held > 0) {
      const i = this.nextExt % this.slots;
      if (this.slotExt[i] !== this.nextExt) break;
      this.releaseSlot(i);
    }
    if (this.held > 0) this.waitStartMs = this.arrivalOfNextHeld();
  }

  /** Declares the packets before the next held one lost and releases from there. */
  private skipGap(): void {
    if (this.held === 0) return;
    // Every held packet lies within `size` after the next expected one (the window invariant).
    for (let k = 0; k < this.slots && this.slotExt[this.nextExt % this.slots] !== this.nextExt; k++) {
      this.stats.lost++;
      this.pendingLost++;
      this.released[this.nextExt % HISTORY] = -1;
      this.nextExt++;
    }
    if (this.slotExt[this.nextExt % this.slots] !== this.nextExt) {
      // Cannot happen while the window invariant holds; never loop on it if it does not.
      this.dropHeld();
      return;
    }
    this.drain();
  }

  /** Moves the window so that it ends at `target` − 1 + size: releases or declares lost everything before `target`. */
  private advanceTo(target: number): void {
    while (this.nextExt < target) {
      const i = this.nextExt % this.slots;
      if (this.slotExt[i] === this.nextExt) {
        this.releaseSlot(i);
      } else {
        this.stats.lost++;
        this.pendingLost++;
        this.nextExt++;
      }
      if (this.held === 0 && this.nextExt < target) {
        // Nothing held: the rest of the jump is loss, counted at once.
        this.stats.lost += target - this.nextExt;
        this.pendingLost += target - this.nextExt;
        this.nextExt = target;
      }
    }
    if (this.held > 0) this.waitStartMs = this.arrivalOfNextHeld();
  }

  private arrivalOfNextHeld(): number {
    for (let k = 0; k < this.slots; k++) {
      const ext = this.nextExt + k;
      const i = ext % this.slots;
      if (this.slotExt[i] === ext) return this.slotArrival[i]!;
    }
    return this.waitStartMs;
  }
}

/** The payload's bytes, copied; none for a packet that only carries a sequence number (a negative length). */
function copyPayload(packet: Uint8Array, offset: number, length: number): Uint8Array {
  return length > 0 ? packet.slice(offset, offset + length) : new Uint8Array(0);
}
