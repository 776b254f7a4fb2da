/**
 * RTCP (RFC 3550 §6): compound packets of sender reports (SR, §6.4.1), receiver reports (RR, §6.4.2),
 * source descriptions (SDES, §6.5), BYE (§6.6) and others (skipped); validated as Appendix A.2 says,
 * leniently where cameras differ (a compound that does not start with SR/RR is read anyway).
 * Builds the RR + SDES CNAME compound a receiver sends back.
 */
import { ThinStreamError } from '../../src-shared/errors.js';

export class RtcpParseError extends ThinStreamError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('RTP_INVALID', `RTCP: ${message} (at byte ${offset})`);
    this.name = 'RtcpParseError';
    this.offset = offset;
  }
}

export const RtcpType = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204 } as const;

export interface RtcpReportBlock {
  ssrc: number;
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSeq: number;
  jitter: number;
  /** Middle 32 bits of the NTP time of the last SR received (§6.4.1), 0 when none. */
  lastSr: number;
  /** Delay since that SR in units of 1/65536 s. */
  delaySinceLastSr: number;
}

export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  /** The NTP time as milliseconds since the Unix epoch. */
  ntpMs: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: RtcpReportBlock[];
}

export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: RtcpReportBlock[];
}

export interface RtcpSdes {
  type: 'sdes';
  chunks: Array<{ ssrc: number; items: Array<{ itemType: number; text: string }> }>;
}

export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
  reason: string | null;
}

export interface RtcpOther {
  type: 'other';
  packetType: number;
  byteLength: number;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpOther;

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2208988800;
const TWO_32 = 4294967296;
const utf8 = new TextDecoder('utf-8', { fatal: false });

export function ntpToUnixMs(seconds: number, fraction: number): number {
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / TWO_32) * 1000;
}

/** The middle 32 bits of a 64-bit NTP timestamp, as LSR carries it (§6.4.1). */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

function u32(d: Uint8Array, p: number): number {
  return ((d[p]! << 24) | (d[p + 1]! << 16) | (d[p + 2]! << 8) | d[p + 3]!) >>> 0;
}

/** Parses an RTCP compound packet. Throws RtcpParseError on bytes that break §6.4–6.6. */
export function parseRtcpCompound(data: Uint8Array): RtcpPacket[] {
  const out: RtcpPacket[] = [];
  const n = data.byteLength;
  if (n < 4) throw new RtcpParseError(`compound of ${n} bytes is shorter than one header`, 0);
  let pos = 0;
  while (pos < n) {
    if (pos + 4 > n) throw new RtcpParseError(`${n - pos} trailing bytes after the last packet`, pos);
    const b0 = data[pos]!;
    if (b0 >>> 6 !== 2) throw new RtcpParseError(`version ${b0 >>> 6}, expected 2`, pos);
    const padding = (b0 & 0x20) !== 0;
    const count = b0 & 0x1f;
    const packetType = data[pos + 1]!;
    const bytes = 4 * (((data[pos + 2]! << 8) | data[pos + 3]!) + 1);
    if (pos + bytes > n) throw new RtcpParseError(`packet type ${packetType} of ${bytes} bytes runs past the end`, pos);
    let end = pos + bytes;
    if (padding) {
      const pad = data[end - 1]!;
      if (pad === 0 || pad > bytes - 4) throw new RtcpParseError(`padding count ${pad} does not fit`, end - 1);
      end -= pad;
    }
    out.push(parseOne(data, pos, end, packetType, count));
    pos += bytes;
  }
  return out;
}

function parseOne(d: Uint8Array, start: number, end: number, packetType: number, count: number): RtcpPacket {
  const body = start + 4;
  switch (packetType) {
    case RtcpType.SR: {
      need(end - body, 24 + 24 * count, 'SR', start);
      const ntpSeconds = u32(d, body + 4);
      const ntpFraction = u32(d, body + 8);
      return {
        type: 'sr',
        ssrc: u32(d, body),
        ntpSeconds,
        ntpFraction,
        ntpMs: ntpToUnixMs(ntpSeconds, ntpFraction),
        rtpTimestamp: u32(d, body + 12),
        packetCount: u32(d, body + 16),
        octetCount: u32(d, body + 20),
        reports: reportBlocks(d, body + 24, count),
      };
    }
    case RtcpType.RR:
      need(end - body, 4 + 24 * count, 'RR', start);
      return { type: 'rr', ssrc: u32(d, body), reports: reportBlocks(d, body + 4, count) };
    case RtcpType.SDES:
      return parseSdes(d, body, end, count);
    case RtcpType.BYE: {
      need(end - body, 4 * count, 'BYE', start);
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(u32(d, body + 4 * i));
      let reason: string | null = null;
      const r = body + 4 * count;
      if (r < end) {
        const len = d[r]!;
        if (r + 1 + len > end) throw new RtcpParseError(`BYE reason of ${len} bytes runs past its packet`, r);
        reason = utf8.decode(d.subarray(r + 1, r + 1 + len));
      }
      return { type: 'bye', ssrcs, reason };
    }
    default:
      return { type: 'other', packetType, byteLength: end - start };
  }
}

function need(have: number, want: number, what: string, at: number): void {
  if (have < want) throw new RtcpParseError(`${what} needs ${want} bytes after its header, has ${have}`, at);
}

function reportBlocks(d: Uint8Array, pos: number, count: number): RtcpReportBlock[] {
  const blocks: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++, pos += 24) {
    let cumulativeLost = (d[pos + 5]! << 16) | (d[pos + 6]! << 8) | d[pos + 7]!;
    if (cumulativeLost & 0x800000) cumulativeLost -= 0x1000000; // 24-bit signed
    blocks.push({
      ssrc: u32(d, pos),
      fractionLost: d[pos + 4]!,
      cumulativeLost,
      extendedHighestSeq: u32(d, pos + 8),
      jitter: u32(d, pos + 12),
      lastSr: u32(d, pos + 16),
      delaySinceLastSr: u32(d, pos + 20),
    });
  }
  return blocks;
}

function parseSdes(d: Uint8Array, body: number, end: number, count: number): RtcpSdes {
  // §6.5: chunks of SSRC + items (type, length, text), each chunk ended by a zero item and padded to 32 bits.
  const chunks: RtcpSdes['chunks'] = [];
  let pos = body;
  for (let c = 0; c < count; c++) {
    if (pos + 4 > end) throw new RtcpParseError(`SDES chunk ${c + 1} of ${count} is missing`, pos);
    const chunk = { ssrc: u32(d, pos), items: [] as Array<{ itemType: number; text: string }> };
    pos += 4;
    while (true) {
      if (pos >= end) throw new RtcpParseError(`SDES chunk ${c + 1} has no end item`, pos);
      const itemType = d[pos]!;
      if (itemType === 0) {
        pos = (pos + 4) & ~3; // the null item and padding to the next 32-bit boundary
        break;
      }
      if (pos + 2 > end) throw new RtcpParseError('SDES item cut off', pos);
      const len = d[pos + 1]!;
      if (pos + 2 + len > end) throw new RtcpParseError(`SDES item of ${len} bytes runs past its packet`, pos);
      chunk.items.push({ itemType, text: utf8.decode(d.subarray(pos + 2, pos + 2 + len)) });
      pos += 2 + len;
    }
    chunks.push(chunk);
  }
  return { type: 'sdes', chunks };
}

/** An RR (§6.4.2) with at most one report block, followed by SDES with a CNAME item (§6.5.1): one compound. */
export function buildReceiverReport(ourSsrc: number, block: RtcpReportBlock | null, cname: string): Uint8Array {
  const cnameBytes = new TextEncoder().encode(cname).subarray(0, 255);
  const rrBytes = 8 + (block ? 24 : 0);
  // SDES chunk: SSRC, CNAME item (2 + len), null item, padded to a multiple of 4.
  const chunkBytes = (4 + 2 + cnameBytes.byteLength + 1 + 3) & ~3;
  const sdesBytes = 4 + chunkBytes;
  const out = new Uint8Array(rrBytes + sdesBytes);
  const view = new DataView(out.buffer);
  out[0] = 0x80 | (block ? 1 : 0);
  out[1] = RtcpType.RR;
  view.setUint16(2, rrBytes / 4 - 1);
  view.setUint32(4, ourSsrc >>> 0);
  if (block) {
    view.setUint32(8, block.ssrc >>> 0);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)) & 0xffffff;
    view.setUint32(12, ((block.fractionLost & 0xff) << 24) | lost);
    view.setUint32(16, block.extendedHighestSeq >>> 0);
    view.setUint32(20, Math.min(block.jitter, 0xffffffff) >>> 0);
    view.setUint32(24, block.lastSr >>> 0);
    view.setUint32(28, block.delaySinceLastSr >>> 0);
  }
  const s = rrBytes;
  out[s] = 0x81;
  out[s + 1] = RtcpType.SDES;
  view.setUint16(s + 2, sdesBytes / 4 - 1);
  view.setUint32(s + 4, ourSsrc >>> 0);
  out[s + 8] = 1; // CNAME
  out[s + 9] = cnameBytes.byteLength;
  out.set(cnameBytes, s + 10);
  return out;
}
