/**
 * Our test camera's payload quirks (src-main/rtsp/server/quirks.ts, packetized by its own packetizer and
 * RTP writer from an x264 clip) through RtpReceiver: every frame comes out whole, and the tolerance
 * fires under its name. The camera's sender-level quirks (sequence restart, timestamp jump, a mixed-in
 * payload type, a 500 ppm clock) are replayed here the way its VideoSender makes them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { accessUnitsOfAnnexB, nalType } from '../../src-main/codec/h264/annexb.js';
import { packetizeAccessUnits, type PacketizerOptions } from '../../src-main/codec/h264/packetizer.js';
import { writeRtpHeader } from '../../src-main/rtp/rtp-writer.js';
import { makeClip } from '../support/clips.js';
import { recordingReceiver } from './support/packetize.js';

const CLIP = {
  width: 320,
  height: 240,
  fps: 25,
  gopFrames: 25,
  bitrateKbps: 600,
  seconds: 4,
  profile: 'main' as const,
};

interface SendOptions {
  packetizer: Partial<PacketizerOptions>;
  loops?: number;
  /** Per loop: sequence numbers move on by this much extra (quirk seq-restart). */
  seqJump?: number;
  /** Per loop: timestamps move on by this much extra (quirk ts-jump). */
  tsJump?: number;
  ticksPerFrame?: number;
  unknownPayloadType?: boolean;
}

async function cameraPackets(o: SendOptions): Promise<{ packets: Uint8Array[]; frames: number; keyframes: number }> {
  const clip = await makeClip(CLIP);
  const units = accessUnitsOfAnnexB(readFileSync(clip.path));
  const p = packetizeAccessUnits(units, { maxPayloadBytes: 1000, stapA: true, ...o.packetizer });
  const packets: Uint8Array[] = [];
  let seq = 40_000;
  let tsBase = 3_000_000_000;
  let tick = 0;
  const loops = o.loops ?? 1;
  for (let loop = 0; loop < loops; loop++) {
    if (loop > 0) {
      seq = (seq + (o.seqJump ?? 0)) & 0xffff;
      tsBase += o.tsJump ?? 0;
    }
    for (let frame = 0; frame < p.frames; frame++, tick++) {
      const ts = tsBase + Math.round(tick * (o.ticksPerFrame ?? 3600));
      for (let i = p.frameStart[frame]!; i < p.frameStart[frame + 1]!; i++) {
        const payload = p.payloads[i]!;
        const packet = new Uint8Array(12 + payload.byteLength);
        writeRtpHeader(packet, 0, p.markers[i] === 1, 96, seq++ & 0xffff, ts, 0x1234abcd);
        packet.set(payload, 12);
        packets.push(packet);
      }
      if (o.unknownPayloadType) {
        const extra = new Uint8Array(12 + 20).fill(0xaa);
        writeRtpHeader(extra, 0, false, 100, seq++ & 0xffff, ts, 0x1234abcd);
        packets.push(extra);
      }
    }
  }
  const keyframes = units.filter((u) => u.some((n) => nalType(n) === 5)).length;
  return { packets, frames: p.frames * loops, keyframes: keyframes * loops };
}

const CASES: Array<{ quirk: string; send: SendOptions; fires: string[] }> = [
  { quirk: 'none', send: { packetizer: {} }, fires: [] },
  { quirk: 'no-marker', send: { packetizer: { marker: 'none' } }, fires: ['marker-missing'] },
  { quirk: 'marker-every-packet', send: { packetizer: { marker: 'every-packet' } }, fires: ['marker-every-packet'] },
  { quirk: 'annexb-in-payload', send: { packetizer: { annexBInPayload: true } }, fires: ['annexb-in-payload'] },
  {
    quirk: 'fu-a-start-end',
    send: { packetizer: { fuAStartEnd: true, maxPayloadBytes: 60_000 } },
    fires: ['fu-a-start-and-end'],
  },
  { quirk: 'fu-a-restart', send: { packetizer: { fuARestart: true } }, fires: ['fu-a-restart'] },
  { quirk: 'sps-after-idr', send: { packetizer: { parameterSetsAfterIdr: true } }, fires: [] },
  { quirk: 'unknown-pt-mixed', send: { packetizer: {}, unknownPayloadType: true }, fires: ['unknown-payload-type'] },
  { quirk: 'clock-drift-500ppm', send: { packetizer: {}, ticksPerFrame: 3600 * 1.0005 }, fires: [] },
  {
    quirk: 'seq-restart + ts-jump',
    send: { packetizer: {}, loops: 2, seqJump: 20_000, tsJump: 10 * 90000 + 1234 },
    fires: ['sequence-restart', 'timestamp-jump'],
  },
];

for (const c of CASES) {
  test(`takes the test camera's ${c.quirk} quirk: every frame whole, tolerance named`, async () => {
    const { packets, frames, keyframes } = await cameraPackets(c.send);
    const r = recordingReceiver({ payloadType: 96 });
    packets.forEach((p, i) => r.receiver.pushRtp(p, 1_000 + i * 0.5));
    r.receiver.flush();
    const s = r.receiver.stats;
    // After a sequence restart the first unit of the new run is held back as a possible stray, then kept.
    assert.equal(r.units.length, frames, `${c.quirk}: frames`);
    assert.equal(s.keyframes, keyframes, `${c.quirk}: keyframes`);
    assert.equal(s.droppedUnits, 0, `${c.quirk}: dropped`);
    assert.equal(s.malformed, 0, `${c.quirk}: malformed`);
    assert.deepEqual(
      r.formats.map((f) => [f.width, f.height, f.fps]),
      [[CLIP.width, CLIP.height, CLIP.fps]],
      `${c.quirk}: format`,
    );
    const fired = [...r.quirks.keys()].filter((q) => q !== 'sprop-parameter-sets-missing');
    assert.deepEqual(fired.sort(), [...c.fires].sort(), `${c.quirk}: quirks ${JSON.stringify([...r.quirks])}`);
    for (let i = 1; i < r.units.length; i++) assert.ok(r.units[i]!.pts90k > r.units[i - 1]!.pts90k, `${c.quirk}: pts`);
    // Each unit's slices are whole: the NAL units of a unit add up to what the clip holds for that frame.
    assert.ok(r.units.every((u) => u.nalus.every((n) => nalType(n) !== 0)));
  });
}
