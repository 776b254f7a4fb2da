/**
 * The RFC 6184 packetizer (src-main/codec/h264/packetizer.ts, written for our camera): single NAL units,
 * FU-A and STAP-A payloads that reassemble to the clip's exact NAL units, markers on the last packet of
 * each access unit, and the quirk options. Runs on a real clip made by ffmpeg.
 */
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessUnitsOfAnnexB, nalType } from '../../../src-main/codec/h264/annexb.js';
import { packetizeAccessUnits, type PacketizedClip } from '../../../src-main/codec/h264/packetizer.js';
import { makeClip } from '../../support/clips.js';

/** Depacketizes well-formed payloads back into NAL units per frame (single, STAP-A, FU-A). */
function depacketize(clip: PacketizedClip): Uint8Array[][] {
  const frames: Uint8Array[][] = [];
  for (let f = 0; f < clip.frames; f++) {
    const nalus: Uint8Array[] = [];
    let fu: number[] | null = null;
    for (let i = clip.frameStart[f]!; i < clip.frameStart[f + 1]!; i++) {
      const p = clip.payloads[i]!;
      const type = p[0]! & 0x1f;
      if (type === 24) {
        for (let pos = 1; pos < p.byteLength;) {
          const size = (p[pos]! << 8) | p[pos + 1]!;
          nalus.push(p.subarray(pos + 2, pos + 2 + size));
          pos += 2 + size;
        }
      } else if (type === 28) {
        const start = (p[1]! & 0x80) !== 0;
        const end = (p[1]! & 0x40) !== 0;
        if (start) fu = [(p[0]! & 0xe0) | (p[1]! & 0x1f)];
        assert.ok(fu, `packet ${i}: FU-A continuation without a start`);
        fu.push(...p.subarray(2));
        if (end) {
          nalus.push(Uint8Array.from(fu));
          fu = null;
        }
      } else {
        nalus.push(p);
      }
    }
    assert.equal(fu, null, `frame ${f}: FU-A without an end`);
    frames.push(nalus);
  }
  return frames;
}

describe('RFC 6184 packetizer', () => {
  let units: Uint8Array[][];

  before(async () => {
    const clip = await makeClip({ width: 640, height: 360, fps: 25, gopFrames: 25, seconds: 2, bitrateKbps: 600 });
    units = accessUnitsOfAnnexB(await readFile(clip.path));
  });

  it('fragments NAL units larger than the payload limit into FU-A and reassembles to the same bytes', () => {
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 1400 });
    assert.equal(clip.frames, units.length);
    for (const payload of clip.payloads) assert.ok(payload.byteLength <= 1400);
    assert.ok(
      clip.payloads.some((p) => nalType(p) === 28),
      'some FU-A',
    );
    assert.ok(
      clip.payloads.some((p) => nalType(p) !== 28),
      'some single NAL units',
    );
    const back = depacketize(clip);
    back.forEach((nalus, f) =>
      assert.deepEqual(
        nalus.map((n) => Buffer.from(n)),
        units[f]!.map((n) => Buffer.from(n)),
      ),
    );
  });

  it('sends single NAL units as views into the clip, without copying', () => {
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 1400 });
    const single = clip.payloads.find((p) => nalType(p) !== 28)!;
    assert.equal(single.buffer, units[0]![0]!.buffer);
  });

  it('sets the marker on the last packet of each access unit only (RFC 6184 §5.1)', () => {
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 1400 });
    for (let f = 0; f < clip.frames; f++) {
      for (let i = clip.frameStart[f]!; i < clip.frameStart[f + 1]!; i++) {
        assert.equal(clip.markers[i], i === clip.frameStart[f + 1]! - 1 ? 1 : 0);
      }
    }
    assert.deepEqual(
      [...packetizeAccessUnits(units, { maxPayloadBytes: 1400, marker: 'none' }).markers].filter((m) => m).length,
      0,
    );
    assert.ok(
      [...packetizeAccessUnits(units, { maxPayloadBytes: 1400, marker: 'every-packet' }).markers].every((m) => m),
    );
  });

  it('marks keyframes and counts packets and bytes per frame', () => {
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 1400 });
    assert.equal(clip.keyframes[0], 1);
    assert.equal(clip.keyframes[25], 1);
    assert.equal([...clip.keyframes].filter((k) => k).length, 2);
    let maxPackets = 0;
    for (let f = 0; f < clip.frames; f++) {
      let bytes = 0;
      for (let i = clip.frameStart[f]!; i < clip.frameStart[f + 1]!; i++) bytes += clip.payloads[i]!.byteLength;
      assert.equal(clip.frameBytes[f], bytes);
      maxPackets = Math.max(maxPackets, clip.frameStart[f + 1]! - clip.frameStart[f]!);
    }
    assert.equal(clip.maxPacketsPerFrame, maxPackets);
  });

  it('aggregates small NAL units into STAP-A when asked (§5.7.1)', () => {
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 1400, stapA: true });
    const first = clip.payloads[0]!;
    assert.equal(nalType(first), 24, 'SPS, PPS and SEI of the first keyframe in one STAP-A');
    const back = depacketize(clip);
    back.forEach((nalus, f) =>
      assert.deepEqual(
        nalus.map((n) => Buffer.from(n)),
        units[f]!.map((n) => Buffer.from(n)),
      ),
    );
  });

  it('quirk fu-a-start-end: a slice that fits goes as one FU-A fragment with S and E', () => {
    // P-frames of this clip are 3–5 KB: with 6000-byte payloads they fit, keyframes (12 KB) do not.
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 6000, fuAStartEnd: true });
    const both = clip.payloads.filter((p) => nalType(p) === 28 && (p[1]! & 0xc0) === 0xc0);
    assert.ok(both.length > 0);
    const back = depacketize(clip);
    back.forEach((nalus, f) =>
      assert.deepEqual(
        nalus.map((n) => Buffer.from(n)),
        units[f]!.map((n) => Buffer.from(n)),
      ),
    );
  });

  it('quirk fu-a-restart: the first fragment of a fragmented NAL unit is sent twice', () => {
    const plain = packetizeAccessUnits(units, { maxPayloadBytes: 1400 });
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 1400, fuARestart: true });
    const fragmented = plain.payloads.filter((p) => nalType(p) === 28 && (p[1]! & 0x80) !== 0).length;
    assert.equal(clip.payloads.length, plain.payloads.length + fragmented);
    const i = clip.payloads.findIndex((p) => nalType(p) === 28);
    assert.deepEqual(clip.payloads[i], clip.payloads[i + 1]);
    assert.equal(clip.payloads[i]![1]! & 0x40, 0, 'the abandoned start has no end bit');
  });

  it('quirk annexb-in-payload: each access unit as start-code-separated bytes', () => {
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 6000, annexBInPayload: true });
    const small = clip.frameStart.findIndex((start, f) => f < clip.frames && clip.frameStart[f + 1]! - start === 1);
    assert.ok(small !== -1, 'a frame in one packet');
    const payload = clip.payloads[clip.frameStart[small]!]!;
    assert.deepEqual([...payload.subarray(0, 4)], [0, 0, 0, 1]);
    const first = clip.payloads[0]!;
    assert.equal(nalType(first), 28, 'the keyframe is fragmented');
    assert.equal(first[1]! & 0x1f, 7, 'typed after its first NAL unit, the SPS');
    // The SPS is followed by a start code and the PPS inside the fragment.
    const sps = units[0]![0]!;
    assert.deepEqual([...first.subarray(2 + sps.byteLength - 1, 2 + sps.byteLength + 3)], [0, 0, 0, 1]);
  });

  it('quirk sps-after-idr: SPS and PPS follow the IDR slice in keyframes', () => {
    const clip = packetizeAccessUnits(units, { maxPayloadBytes: 100_000, parameterSetsAfterIdr: true });
    const types = [];
    for (let i = clip.frameStart[0]!; i < clip.frameStart[1]!; i++) types.push(nalType(clip.payloads[i]!));
    assert.deepEqual(types.slice(-2), [7, 8]);
    assert.ok(types.indexOf(5) < types.indexOf(7));
  });

  it('refuses a payload limit too small to carry a fragment', () => {
    assert.throws(() => packetizeAccessUnits(units, { maxPayloadBytes: 4 }), RangeError);
  });
});
