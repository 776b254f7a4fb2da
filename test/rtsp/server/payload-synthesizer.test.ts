/**
 * Replay payloads (src-main/rtsp/server/payload-synthesizer.ts): a camera report keeps each payload's shape
 * (describePayload), not its bytes. Filled from the clip the camera served, in order, the shapes give back
 * the camera's exact payloads, for well-behaved packetization and for each quirk that changes payload bytes.
 * Runs on a real clip made by ffmpeg.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReportRtpPacket } from '../../../src-shared/camera-report.js';
import { packetizeAccessUnits, type PacketizerOptions } from '../../../src-main/codec/h264/packetizer.js';
import { CameraReportRecorder } from '../../../src-main/rtsp/camera-report-recorder.js';
import { ClipSource } from '../../../src-main/rtsp/server/clip-source.js';
import { PayloadSynthesizer } from '../../../src-main/rtsp/server/payload-synthesizer.js';
import { writeRtpHeader } from '../../../src-main/rtp/rtp-writer.js';
import { makeClip } from '../../support/clips.js';

/** Records packets through the recorder's tap, as a probe does, and returns their shapes. */
function shapesOf(payloads: readonly Uint8Array[]): ReportRtpPacket[] {
  const recorder = new CameraReportRecorder({
    url: 'rtsp://127.0.0.1/s',
    transport: 'tcp',
    seconds: 1,
    timeoutMs: 1000,
    versions: { thinstream: 'test', node: process.version, os: 'test' },
    nowMs: () => 0,
    wallMs: () => 0,
  });
  const tap = recorder.connectionOpened('127.0.0.1:554');
  payloads.forEach((payload, i) => {
    const packet = new Uint8Array(12 + payload.byteLength);
    writeRtpHeader(packet, 0, false, 96, i & 0xffff, 0, 1);
    packet.set(payload, 12);
    tap.packet(0, 'rtp', packet);
  });
  const report = recorder.finish({ error: { code: 'INTERNAL', message: 'test' } });
  return report.packets.filter((p): p is ReportRtpPacket => p.kind === 'rtp');
}

const CASES: Array<[string, Omit<PacketizerOptions, 'maxPayloadBytes'>]> = [
  ['well-behaved (single NAL units and FU-A)', {}],
  ['STAP-A', { stapA: true }],
  ['fu-a-start-end', { fuAStartEnd: true }],
  ['fu-a-restart', { fuARestart: true }],
  ['sps-after-idr', { parameterSetsAfterIdr: true }],
  ['annexb-in-payload', { annexBInPayload: true }],
];

describe('replay payloads from recorded shapes', () => {
  let clip: ClipSource;
  before(async () => {
    const made = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 10, bitrateKbps: 600, seconds: 1 });
    clip = await ClipSource.fromFile(made.path);
  });

  for (const [name, options] of CASES) {
    it(`${name}: the shapes and the clip give back the camera's payloads byte for byte`, () => {
      const packets = packetizeAccessUnits(clip.units, { maxPayloadBytes: 1000, ...options });
      const shapes = shapesOf(packets.payloads);
      assert.equal(shapes.length, packets.payloads.length);
      const synth = new PayloadSynthesizer(clip, { sps: [clip.sps], pps: [clip.pps] });
      shapes.forEach((shape, i) => {
        const want = packets.payloads[i]!;
        const got = synth.payloadOf(shape);
        assert.equal(got.byteLength, want.byteLength, `packet ${i}: size`);
        assert.ok(Buffer.from(got).equals(Buffer.from(want)), `packet ${i} (${JSON.stringify(shape)}) differs`);
      });
    });
  }

  it("another clip: the camera's sizes, NAL types, FU bits and first-slice bits, the report's SPS", async () => {
    const made = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 10, bitrateKbps: 600, seconds: 1 });
    const other = await makeClip({ width: 640, height: 360, fps: 25, gopFrames: 25, bitrateKbps: 300, seconds: 1 });
    const camera = await ClipSource.fromFile(made.path);
    const filler = await ClipSource.fromFile(other.path);
    const packets = packetizeAccessUnits(camera.units, { maxPayloadBytes: 1000 });
    const shapes = shapesOf(packets.payloads);
    const synth = new PayloadSynthesizer(filler, { sps: [camera.sps], pps: [camera.pps] });
    const again = shapesOf(shapes.map((s) => synth.payloadOf(s)));
    assert.deepEqual(
      again.map(({ len, nal, fu, stap, first, sc, restart }) => ({ len, nal, fu, stap, first, sc, restart })),
      shapes.map(({ len, nal, fu, stap, first, sc, restart }) => ({ len, nal, fu, stap, first, sc, restart })),
    );
    const sps = synth.payloadOf(shapes.find((s) => ((s.nal ?? 0) & 0x1f) === 7)!);
    assert.ok(Buffer.from(sps).equals(Buffer.from(camera.sps)), "the camera's SPS, not the filler clip's");
  });

  it('a payload of another payload type keeps its size and first byte only', () => {
    const p = PayloadSynthesizer.otherPayload({
      kind: 'rtp',
      t: 0,
      conn: 1,
      via: 0,
      bytes: 20,
      seq: 1,
      ts: 0,
      m: false,
      pt: 100,
      ssrc: 1,
      len: 8,
      nal: 0x54,
    });
    assert.deepEqual([...p], [0x54, 0, 0, 0, 0, 0, 0, 0]);
  });
});
