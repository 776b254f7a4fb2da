/**
 * RTP fixed header (RFC 3550 §5.1): version, padding, extension (§5.3.1), CSRC list, marker, payload
 * type, sequence number, timestamp, SSRC. Parsed into a view the caller reuses for every packet, so the
 * hot path allocates nothing; the payload is described by offset and length into the packet.
 */
import { ThinStreamError } from '../../src-shared/errors.js';

/** Bytes that are not an RTP packet. `offset` is where in the packet the parser gave up. */
export class RtpParseError extends ThinStreamError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('RTP_INVALID', `${message} (at byte ${offset})`);
    this.name = 'RtpParseError';
    this.offset = offset;
  }
}

export const RTP_HEADER_BYTES = 12;

/** One parsed header. Reuse one instance: `parseRtpPacket` overwrites every field. */
export class RtpPacketView {
  version = 0;
  padding = false;
  extension = false;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequenceNumber = 0;
  timestamp = 0;
  ssrc = 0;
  /** The header extension's profile-defined 16 bits (§5.3.1), or -1 when there is none. */
  extensionProfile = -1;
  extensionOffset = 0;
  extensionLength = 0;
  payloadOffset = 0;
  payloadLength = 0;
  /** Padding bytes at the end, counted in the last byte when P is set (§5.1). */
  paddingLength = 0;
}

/**
 * Parses `packet[start..end)` (default: all of it) into `into`; offsets in `into` are indices into `packet`.
 * Throws RtpParseError when the bytes break §5.1: too short, version other than 2, CSRC list or extension past
 * the end, padding count of zero or past the payload. An error's offset counts from `start`.
 */
export function parseRtpPacket(
  packet: Uint8Array,
  into: RtpPacketView,
  start = 0,
  end = packet.byteLength,
): RtpPacketView {
  const n = end - start;
  if (n < RTP_HEADER_BYTES) throw new RtpParseError(`packet of ${n} bytes is shorter than the RTP header`, 0);
  const b0 = packet[start]!;
  const version = b0 >>> 6;
  if (version !== 2) throw new RtpParseError(`RTP version ${version}, expected 2`, 0);
  const b1 = packet[start + 1]!;
  into.version = version;
  into.padding = (b0 & 0x20) !== 0;
  into.extension = (b0 & 0x10) !== 0;
  into.csrcCount = b0 & 0x0f;
  into.marker = (b1 & 0x80) !== 0;
  into.payloadType = b1 & 0x7f;
  into.sequenceNumber = (packet[start + 2]! << 8) | packet[start + 3]!;
  into.timestamp =
    ((packet[start + 4]! << 24) | (packet[start + 5]! << 16) | (packet[start + 6]! << 8) | packet[start + 7]!) >>> 0;
  into.ssrc =
    ((packet[start + 8]! << 24) | (packet[start + 9]! << 16) | (packet[start + 10]! << 8) | packet[start + 11]!) >>> 0;

  let pos = RTP_HEADER_BYTES + 4 * into.csrcCount;
  if (pos > n) throw new RtpParseError(`CSRC list of ${into.csrcCount} entries runs past the end of ${n} bytes`, 12);
  into.extensionProfile = -1;
  into.extensionOffset = 0;
  into.extensionLength = 0;
  if (into.extension) {
    // §5.3.1: 16-bit profile-defined value, 16-bit length in 32-bit words, then the words.
    if (pos + 4 > n) throw new RtpParseError('header extension cut off', pos);
    into.extensionProfile = (packet[start + pos]! << 8) | packet[start + pos + 1]!;
    const words = (packet[start + pos + 2]! << 8) | packet[start + pos + 3]!;
    const length = 4 * words;
    if (pos + 4 + length > n) {
      throw new RtpParseError(`header extension of ${words} words runs past the end of ${n} bytes`, pos);
    }
    into.extensionOffset = start + pos + 4;
    into.extensionLength = length;
    pos += 4 + length;
  }
  let payloadEnd = n;
  into.paddingLength = 0;
  if (into.padding) {
    const count = packet[end - 1]!;
    if (count === 0 || pos + count > n) {
      throw new RtpParseError(`padding count ${count} does not fit the ${n - pos} bytes after the header`, n - 1);
    }
    into.paddingLength = count;
    payloadEnd = n - count;
  }
  into.payloadOffset = start + pos;
  into.payloadLength = payloadEnd - pos;
  return into;
}
