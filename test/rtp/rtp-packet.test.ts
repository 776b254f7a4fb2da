import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RtpPacketView, RtpParseError, parseRtpPacket } from '../../src-main/rtp/rtp-packet.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

test('reads the fixed header: marker, payload type, sequence number, timestamp, SSRC', () => {
  const v = parseRtpPacket(
    bytes(0x80, 0xe0, 0xff, 0xfe, 0xf0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0x65, 1, 2),
    new RtpPacketView(),
  );
  assert.equal(v.version, 2);
  assert.equal(v.marker, true);
  assert.equal(v.payloadType, 96);
  assert.equal(v.sequenceNumber, 65534);
  assert.equal(v.timestamp, 0xf0000001);
  assert.equal(v.ssrc, 0xdeadbeef);
  assert.deepEqual([v.payloadOffset, v.payloadLength], [12, 3]);
});

test('skips the CSRC list and the header extension (§5.3.1) and removes padding', () => {
  const packet = bytes(
    0xb2,
    96,
    0,
    7,
    0,
    0,
    0,
    9,
    0,
    0,
    0,
    1, // V=2 P=1 X=1 CC=2
    0,
    0,
    0,
    0xa,
    0,
    0,
    0,
    0xb, // two CSRCs
    0xbe,
    0xde,
    0,
    1,
    0x10,
    0xff,
    0,
    0, // one-byte extension profile, one word
    0x41,
    0x9a,
    0x11, // payload
    0,
    0,
    3, // padding of 3 bytes
  );
  const v = parseRtpPacket(packet, new RtpPacketView());
  assert.equal(v.csrcCount, 2);
  assert.equal(v.extensionProfile, 0xbede);
  assert.deepEqual([v.extensionOffset, v.extensionLength], [24, 4]);
  assert.deepEqual([v.payloadOffset, v.payloadLength, v.paddingLength], [28, 3, 3]);
  assert.deepEqual([...packet.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength)], [0x41, 0x9a, 0x11]);
});

test('parses a packet inside a larger buffer (an interleaved frame in a read): offsets index that buffer', () => {
  const packet = bytes(0xb2, 96, 0, 7, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0xa, 0, 0, 0, 0xb);
  const extension = bytes(0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0);
  const whole = bytes(0x24, 0, 0, 34, ...packet, ...extension, 0x41, 0x9a, 0x11, 0, 0, 3, 0x24, 0x99);
  const v = parseRtpPacket(whole, new RtpPacketView(), 4, 4 + 34);
  assert.equal(v.sequenceNumber, 7);
  assert.equal(v.ssrc, 1);
  assert.equal(v.extensionProfile, 0xbede);
  assert.deepEqual([v.extensionOffset, v.extensionLength], [28, 4]);
  assert.deepEqual([v.payloadOffset, v.payloadLength, v.paddingLength], [32, 3, 3]);
  // The padding count is the range's last byte, not the buffer's.
  assert.deepEqual([...whole.subarray(v.payloadOffset, v.payloadOffset + v.payloadLength)], [0x41, 0x9a, 0x11]);
  assert.throws(() => parseRtpPacket(whole, new RtpPacketView(), 4, 4 + 11), /11 bytes is shorter/);
});

test('reuses one view: every field is overwritten by the next packet', () => {
  const view = new RtpPacketView();
  parseRtpPacket(bytes(0x90, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0), view);
  assert.equal(view.extensionProfile, 1);
  parseRtpPacket(bytes(0x80, 96, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 9), view);
  assert.equal(view.extensionProfile, -1);
  assert.equal(view.payloadLength, 1);
});

for (const [what, packet, offset, message] of [
  ['a packet shorter than 12 bytes', bytes(0x80, 96, 0), 0, /3 bytes is shorter than the RTP header/],
  ['version 1', bytes(0x40, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, /RTP version 1, expected 2/],
  ['a CSRC list past the end', bytes(0x8f, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4), 12, /CSRC list of 15/],
  ['an extension header cut off', bytes(0x90, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe), 12, /extension cut off/],
  [
    'an extension longer than the packet',
    bytes(0x90, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9, 1),
    12,
    /9 words/,
  ],
  ['a padding count of zero', bytes(0xa0, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0), 13, /padding count 0/],
  ['padding longer than the payload', bytes(0xa0, 96, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9), 13, /padding count 9/],
] as const) {
  test(`refuses ${what} with RTP_INVALID and the offset`, () => {
    assert.throws(
      () => parseRtpPacket(packet, new RtpPacketView()),
      (e: unknown) =>
        e instanceof RtpParseError && e.code === 'RTP_INVALID' && e.offset === offset && message.test(e.message),
    );
  });
}
