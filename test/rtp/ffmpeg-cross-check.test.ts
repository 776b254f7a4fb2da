/**
 * Cross-check against real parts: x264 encodes a clip with known properties, ffmpeg's own RTP muxer sends
 * it over UDP on loopback, our RtpReceiver takes the packets as they arrive, and what it yields must
 * match what ffprobe reads in the clip: frame count, keyframes, size, frame rate, profile and level,
 * presentation times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessUnit, VideoFormat } from '../../src-shared/access-unit.js';
import { RtpReceiver } from '../../src-main/rtp/rtp-receiver.js';
import { encodeClip, probeVideo, type ClipOptions } from './support/ffmpeg.js';
import { captureFfmpegRtp } from './support/ffmpeg-rtp.js';

const PROFILE_IDC: Record<string, number> = { 'Constrained Baseline': 66, Baseline: 66, Main: 77, High: 100 };

async function crossCheck(
  clip: Omit<ClipOptions, 'out'>,
  o: { inBand: boolean; container: 'mp4' | 'mkv'; readrate: number },
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-xcheck-'));
  try {
    const path = await encodeClip({ ...clip, out: join(dir, `clip.${o.container}`) });
    const probed = await probeVideo(path);
    const units: AccessUnit[] = [];
    const formats: VideoFormat[] = [];
    const quirks: string[] = [];
    const capture = await captureFfmpegRtp(path, { readrate: o.readrate, inBandParameterSets: o.inBand });
    // The SDP comes from ffmpeg as it starts: feed the packets, with their arrival times, once it is known.
    const receiver = new RtpReceiver({
      streamLabel: 'ffmpeg/rtp',
      clockRate: 90000,
      payloadType: capture.payloadType,
      reorderQueueSize: 16,
      spropParameterSets: o.inBand ? undefined : capture.spropParameterSets,
      onAccessUnit: (au) => units.push(au),
      onFormat: (f) => formats.push(f),
      onQuirk: (name) => quirks.push(name),
    });
    // Interleave RTP and RTCP by arrival time, as a session would have fed them.
    const all = [
      ...capture.rtp.map((p) => ({ ...p, rtcp: false })),
      ...capture.rtcp.map((p) => ({ ...p, rtcp: true })),
    ].sort((a, b) => a.arrivalMs - b.arrivalMs);
    for (const p of all) {
      if (p.rtcp) receiver.pushRtcp(p.data, p.arrivalMs);
      else receiver.pushRtp(p.data, p.arrivalMs);
    }
    receiver.flush();

    const what = `${clip.width}x${clip.height}@${clip.fps} ${o.container} ${o.inBand ? 'in-band' : 'sprop'}`;
    const s = receiver.stats;
    assert.equal(s.lostPackets, 0, `${what}: lost packets on loopback`);
    assert.equal(s.malformed, 0, what);
    assert.equal(units.length, probed.frames, `${what}: frames`);
    assert.equal(units.filter((u) => u.keyframe).length, probed.keyframes, `${what}: keyframes`);
    assert.equal(formats.length, 1, `${what}: formats ${JSON.stringify(formats)}`);
    const f = formats[0]!;
    assert.equal(f.width, probed.width, what);
    assert.equal(f.height, probed.height, what);
    assert.ok(f.fps !== null && Math.abs(f.fps - probed.fps) < 0.001, `${what}: fps ${f.fps} vs ${probed.fps}`);
    assert.equal(f.profile, probed.profile, what);
    assert.equal(f.level, String(probed.level / 10), what);
    const idc = PROFILE_IDC[probed.profile]!;
    assert.match(
      f.codecString,
      new RegExp(`^avc1\\.${idc.toString(16)}[0-9a-f]{2}${probed.level.toString(16)}$`),
      what,
    );
    // Presentation times, relative to the first, in decoding order.
    const ours = units.map((u) => u.pts90k - units[0]!.pts90k);
    const theirs = probed.pts90k.map((p) => p - probed.pts90k[0]!);
    assert.deepEqual(ours, theirs, `${what}: pts`);
    for (let i = 1; i < units.length; i++) assert.ok(units[i]!.dts90k > units[i - 1]!.dts90k, `${what}: dts at ${i}`);
    assert.ok(
      units.every((u) => u.dts90k <= u.pts90k),
      `${what}: dts after pts`,
    );
    assert.equal(units.filter((u) => u.discontinuity).length, 0, what);
    // ffmpeg's sender reports carry its wall clock, the first sent with the first packet: the first unit maps
    // to about when it arrived. (Later reports re-anchor the mapping; ffmpeg reads faster than real time here.)
    assert.ok(capture.rtcp.length > 0, `${what}: no RTCP sender report`);
    const first = units[0]!;
    const firstArrival = capture.rtp[0]!.arrivalMs;
    assert.ok(
      Math.abs(first.wallMs - firstArrival) < 500,
      `${what}: wallMs ${first.wallMs} vs arrival ${firstArrival}`,
    );
    const latest = capture.rtp.at(-1)!.arrivalMs + (clip.frames / probed.fps) * 1000;
    assert.ok(
      units.every((u) => u.wallMs > firstArrival - 500 && u.wallMs < latest),
      `${what}: wallMs out of range`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('matches ffprobe for a 640x360 25 fps Baseline clip sent by ffmpeg with sprop-parameter-sets', async () => {
  await crossCheck(
    { width: 640, height: 360, fps: '25', frames: 75, gop: 25, profile: 'baseline', bitrateKbps: 1500 },
    { inBand: false, container: 'mp4', readrate: 2 },
  );
});

test('matches ffprobe for a 1280x720 29.97 fps High clip with B-frames, 4 slices and in-band SPS/PPS', async () => {
  await crossCheck(
    {
      width: 1280,
      height: 720,
      fps: '30000/1001',
      frames: 60,
      gop: 30,
      profile: 'high',
      bframes: 2,
      slices: 4,
      bitrateKbps: 3000,
    },
    { inBand: true, container: 'mkv', readrate: 2 },
  );
});
