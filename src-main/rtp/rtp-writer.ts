/**
 * Writing RTP and RTCP (RFC 3550) for our own RTSP server: the 12-byte RTP fixed header, rewritten per
 * packet into a reused slot, and the RTCP sender report + SDES CNAME compound sent every few seconds.
 * Pure: bytes out, no I/O.
 */

export const RTP_HEADER_BYTES = 12;

/**
 * Writes the RTP fixed header (RFC 3550 §5.1) at `offset`: version 2, no padding, no extension,
 * no CSRC. `timestamp` and `ssrc` are taken modulo 2^32, `seq` modulo 2^16.
 */
export function writeRtpHeader(
  target: Uint8Array,
  offset: number,
  marker: boolean,
  payloadType: number,
  seq: number,
  timestamp: number,
  ssrc: number,
): void {
  target[offset] = 0x80;
  target[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  target[offset + 2] = (seq >>> 8) & 0xff;
  target[offset + 3] = seq & 0xff;
  writeUint32(target, offset + 4, timestamp);
  writeUint32(target, offset + 8, ssrc);
}

export function writeUint32(target: Uint8Array, offset: number, value: number): void {
  // Modulo 2^32 (exact for integers up to 2^53), so an unwrapped timestamp wraps as RTP wants.
  let v = value % 0x1_0000_0000;
  if (v < 0) v += 0x1_0000_0000;
  target[offset] = (v >>> 24) & 0xff;
  target[offset + 1] = (v >>> 16) & 0xff;
  target[offset + 2] = (v >>> 8) & 0xff;
  target[offset + 3] = v & 0xff;
}

/** Seconds from the NTP epoch (1900-01-01) to the Unix epoch (RFC 868). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

export interface SenderReportInfo {
  ssrc: number;
  /** Wall clock of `rtpTimestamp`, in ms since the Unix epoch. */
  wallMs: number;
  rtpTimestamp: number;
  /** RTP data packets sent since the start of the session (RFC 3550 §6.4.1 sender's packet count). */
  packetCount: number;
  /** Payload octets sent (headers not counted, §6.4.1). */
  octetCount: number;
  /** SDES CNAME (§6.5.1), e.g. `thinstream@127.0.0.1`. */
  cname: string;
}

/**
 * An RTCP compound packet: a sender report without report blocks (§6.4.1) followed by an SDES with the
 * CNAME (§6.5.1), as §6.1 requires every compound packet to carry a CNAME.
 */
export function buildSenderReport(info: SenderReportInfo): Uint8Array {
  const cname = new TextEncoder().encode(info.cname.slice(0, 255));
  // SDES chunk: SSRC (4) + CNAME item (2 + n) + at least one null octet, padded to 32 bits (§6.5).
  const chunkBytes = Math.ceil((4 + 2 + cname.byteLength + 1) / 4) * 4;
  const sdesBytes = 4 + chunkBytes;
  const out = new Uint8Array(28 + sdesBytes);
  // SR: V=2, P=0, RC=0, PT=200, length = 6 (32-bit words minus one).
  out[0] = 0x80;
  out[1] = 200;
  out[2] = 0;
  out[3] = 6;
  writeUint32(out, 4, info.ssrc);
  const ntp = ntpOfWallMs(info.wallMs);
  writeUint32(out, 8, ntp.seconds);
  writeUint32(out, 12, ntp.fraction);
  writeUint32(out, 16, info.rtpTimestamp);
  writeUint32(out, 20, info.packetCount);
  writeUint32(out, 24, info.octetCount);
  // SDES: V=2, P=0, SC=1, PT=202.
  const s = 28;
  out[s] = 0x81;
  out[s + 1] = 202;
  out[s + 2] = 0;
  out[s + 3] = sdesBytes / 4 - 1;
  writeUint32(out, s + 4, info.ssrc);
  out[s + 8] = 1; // CNAME
  out[s + 9] = cname.byteLength;
  out.set(cname, s + 10);
  // The remaining bytes are already zero: the end-of-list null item and padding.
  return out;
}

/** NTP seconds and fraction of a wall-clock time in ms, as a sender report carries them (§4). */
export function ntpOfWallMs(wallMs: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(wallMs / 1000);
  const fraction = Math.min(Math.floor(((wallMs - seconds * 1000) / 1000) * 2 ** 32), 0xffffffff);
  return { seconds: (seconds + NTP_UNIX_OFFSET_S) >>> 0, fraction };
}
