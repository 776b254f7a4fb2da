/**
 * A small RFC 6184 packetizer for tests: access units → RTP packets (single NAL unit, STAP-A for
 * parameter sets, FU-A above the MTU), and a recorder of what an RtpReceiver gives back.
 */
import type { AccessUnit, VideoFormat } from '../../../src-shared/access-unit.js';
import type { ThinStreamError } from '../../../src-shared/errors.js';
import { writeRtpHeader } from '../../../src-main/rtp/rtp-writer.js';
import { RtpReceiver, type RtpReceiverOptions } from '../../../src-main/rtp/rtp-receiver.js';

export interface TestUnit {
  nalus: Uint8Array[];
  pts90k: number;
}

export interface PacketizeOptions {
  /** Largest RTP payload in bytes (default 1400). */
  mtu?: number;
  ssrc?: number;
  payloadType?: number;
  firstSeq?: number;
  /** Added to every pts90k (RTP timestamps are taken modulo 2^32). */
  timestampOffset?: number;
  /** Put SPS/PPS (and other small non-VCL units in front of a picture) into one STAP-A (default true). */
  stapA?: boolean;
}

export function rtpPacket(
  payload: Uint8Array,
  h: { marker: boolean; payloadType?: number; sequenceNumber: number; timestamp: number; ssrc?: number },
): Uint8Array {
  const out = new Uint8Array(12 + payload.byteLength);
  writeRtpHeader(out, 0, h.marker, h.payloadType ?? 96, h.sequenceNumber, h.timestamp, h.ssrc ?? 0x11223344);
  out.set(payload, 12);
  return out;
}

export function packetize(units: readonly TestUnit[], o: PacketizeOptions = {}): Uint8Array[] {
  const mtu = o.mtu ?? 1400;
  const packets: Uint8Array[] = [];
  let seq = o.firstSeq ?? 1000;
  for (const unit of units) {
    const ts = (unit.pts90k + (o.timestampOffset ?? 0)) % 4294967296;
    const payloads: Uint8Array[] = [];
    let i = 0;
    if (o.stapA ?? true) {
      const small: Uint8Array[] = [];
      while (i < unit.nalus.length && [6, 7, 8, 9].includes(unit.nalus[i]![0]! & 0x1f)) small.push(unit.nalus[i++]!);
      if (small.length > 1) {
        const size = 1 + small.reduce((a, n) => a + 2 + n.byteLength, 0);
        const stap = new Uint8Array(size);
        stap[0] = (small.reduce((a, n) => Math.max(a, n[0]! & 0x60), 0) & 0x60) | 24;
        let p = 1;
        for (const n of small) {
          stap[p] = n.byteLength >> 8;
          stap[p + 1] = n.byteLength & 0xff;
          stap.set(n, p + 2);
          p += 2 + n.byteLength;
        }
        payloads.push(stap);
      } else {
        payloads.push(...small);
      }
    }
    for (; i < unit.nalus.length; i++) {
      const nal = unit.nalus[i]!;
      if (nal.byteLength <= mtu) {
        payloads.push(nal);
        continue;
      }
      const chunk = mtu - 2;
      for (let pos = 1; pos < nal.byteLength; pos += chunk) {
        const part = nal.subarray(pos, Math.min(nal.byteLength, pos + chunk));
        const fu = new Uint8Array(2 + part.byteLength);
        fu[0] = (nal[0]! & 0xe0) | 28;
        fu[1] = (pos === 1 ? 0x80 : 0) | (pos + chunk >= nal.byteLength ? 0x40 : 0) | (nal[0]! & 0x1f);
        fu.set(part, 2);
        payloads.push(fu);
      }
    }
    payloads.forEach((p, k) => {
      packets.push(
        rtpPacket(p, {
          marker: k === payloads.length - 1,
          payloadType: o.payloadType ?? 96,
          sequenceNumber: seq & 0xffff,
          timestamp: ts,
          ssrc: o.ssrc ?? 0x11223344,
        }),
      );
      seq++;
    });
  }
  return packets;
}

/** Sets or clears the marker bit of an RTP packet in place. */
export function setMarker(packet: Uint8Array, marker: boolean): Uint8Array {
  packet[1] = marker ? packet[1]! | 0x80 : packet[1]! & 0x7f;
  return packet;
}

export function seqOf(packet: Uint8Array): number {
  return (packet[2]! << 8) | packet[3]!;
}

export interface Received {
  receiver: RtpReceiver;
  units: AccessUnit[];
  formats: VideoFormat[];
  quirks: Map<string, string>;
  errors: ThinStreamError[];
}

/** An RtpReceiver that records everything it gives back. */
export function recordingReceiver(options: Partial<RtpReceiverOptions> = {}): Received {
  const units: AccessUnit[] = [];
  const formats: VideoFormat[] = [];
  const quirks = new Map<string, string>();
  const errors: ThinStreamError[] = [];
  const receiver = new RtpReceiver({
    streamLabel: 'cam-test/1-high',
    clockRate: 90000,
    payloadType: 96,
    reorderQueueSize: 16,
    onAccessUnit: (au) => units.push(au),
    onFormat: (f) => formats.push(f),
    onQuirk: (name, detail) => quirks.set(name, detail),
    onMalformed: (e) => errors.push(e),
    ...options,
  });
  return { receiver, units, formats, quirks, errors };
}

/** Fake-but-valid H.264 units: a real SPS/PPS (640x480 Baseline, 25 fps) and slices with filler bytes. */
export const TEST_SPS = Uint8Array.from(Buffer.from('6742c01ed900a03db011000003000100000300320f162e48', 'hex'));
export const TEST_PPS = Uint8Array.from([0x68, 0xcb, 0x83, 0xcb, 0x20]);

/** A slice NAL unit: header, then first_mb_in_slice = 0 (a 1 bit), then `size` bytes of a pattern without zeros. */
export function slice(type: 1 | 5, size: number, seed = 0, firstMb = true): Uint8Array {
  const nal = new Uint8Array(size);
  nal[0] = type === 5 ? 0x65 : 0x41;
  for (let i = 1; i < size; i++) nal[i] = 1 + ((i * 7 + seed * 13) % 250);
  nal[1] = firstMb ? nal[1]! | 0x80 : nal[1]! & 0x7f;
  return nal;
}

/** `count` frames at 25 fps, an IDR (with SPS/PPS) every `gop`, each frame `frameBytes` large. */
export function testStream(
  count: number,
  o: { gop?: number; frameBytes?: number; firstPts?: number } = {},
): TestUnit[] {
  const gop = o.gop ?? 10;
  const units: TestUnit[] = [];
  for (let i = 0; i < count; i++) {
    const pts90k = (o.firstPts ?? 0) + i * 3600;
    const key = i % gop === 0;
    const body = slice(key ? 5 : 1, o.frameBytes ?? 3000, i);
    units.push({ nalus: key ? [TEST_SPS, TEST_PPS, body] : [body], pts90k });
  }
  return units;
}
