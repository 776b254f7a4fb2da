/**
 * RTP header and RTCP sender report serialization (src-main/rtp/rtp-writer.ts), checked field by field
 * against RFC 3550 §5.1, §6.4.1 and §6.5.1.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSenderReport, ntpOfWallMs, writeRtpHeader } from '../../../src-main/rtp/rtp-writer.js';

describe('RTP header writer', () => {
  it('writes version 2, marker, payload type, sequence, timestamp and SSRC in network order', () => {
    const out = new Uint8Array(14).fill(0xee);
    writeRtpHeader(out, 2, true, 96, 0x1234, 0xdeadbeef, 0x01020304);
    assert.deepEqual([...out], [0xee, 0xee, 0x80, 0xe0, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04]);
  });

  it('wraps an unwrapped timestamp and an out-of-range sequence number modulo 2^32 and 2^16', () => {
    const out = new Uint8Array(12);
    writeRtpHeader(out, 0, false, 96, 0x1_0005, 2 ** 32 * 3 + 7, 0xffffffff);
    assert.equal(out[1], 96);
    assert.deepEqual([...out.subarray(2, 4)], [0x00, 0x05]);
    assert.deepEqual([...out.subarray(4, 8)], [0, 0, 0, 7]);
    assert.deepEqual([...out.subarray(8, 12)], [0xff, 0xff, 0xff, 0xff]);
  });
});

describe('RTCP sender report', () => {
  it('is an SR without report blocks followed by an SDES CNAME, each with the right length', () => {
    const wallMs = Date.UTC(2024, 0, 1, 12, 0, 0, 500);
    const sr = buildSenderReport({
      ssrc: 0xcafebabe,
      wallMs,
      rtpTimestamp: 123456,
      packetCount: 1000,
      octetCount: 1_234_567,
      cname: 'cam@127.0.0.1',
    });
    const view = new DataView(sr.buffer);
    assert.equal(sr[0], 0x80, 'V=2, RC=0');
    assert.equal(sr[1], 200);
    assert.equal(view.getUint16(2), 6, '28 bytes = 7 words');
    assert.equal(view.getUint32(4), 0xcafebabe);
    // NTP: seconds since 1900; 2024-01-01T12:00:00Z is Unix 1704110400 + 2208988800.
    assert.equal(view.getUint32(8), 3_913_099_200);
    assert.equal(view.getUint32(12), 2 ** 31, 'half a second');
    assert.equal(view.getUint32(16), 123456);
    assert.equal(view.getUint32(20), 1000);
    assert.equal(view.getUint32(24), 1_234_567);
    assert.equal(sr[28], 0x81, 'SDES with one chunk');
    assert.equal(sr[29], 202);
    assert.equal((view.getUint16(30) + 1) * 4, sr.byteLength - 28);
    assert.equal(view.getUint32(32), 0xcafebabe);
    assert.equal(sr[36], 1, 'CNAME item');
    assert.equal(sr[37], 13);
    assert.equal(new TextDecoder().decode(sr.subarray(38, 51)), 'cam@127.0.0.1');
    assert.equal(sr[51], 0, 'end of the item list');
    assert.equal(sr.byteLength % 4, 0);
  });

  it('converts wall-clock milliseconds to NTP seconds and fraction', () => {
    assert.deepEqual(ntpOfWallMs(0), { seconds: 2_208_988_800, fraction: 0 });
    assert.deepEqual(ntpOfWallMs(250), { seconds: 2_208_988_800, fraction: 2 ** 30 });
  });
});
