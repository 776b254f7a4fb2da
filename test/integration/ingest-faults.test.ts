/**
 * Packet loss and reordering injected into real traffic (a relay between the client and GStreamer's
 * camera, test/support/rtsp-fault-relay.ts): losses are counted exactly, reordering on UDP is repaired,
 * and after a loss the stream resumes at the next keyframe with nothing damaged passed on — checked by
 * having ffmpeg decode everything the client emitted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { RtpReceiver } from '../../src-main/rtp/rtp-receiver.js';
import { openRtspSession } from '../../src-main/rtsp/rtsp-session.js';
import { startGstCamera, type GstCamera } from '../support/gst-camera.js';
import { startFaultRelay, type FaultPlan } from '../support/rtsp-fault-relay.js';

interface Received {
  aus: AccessUnit[];
  receiver: RtpReceiver;
  quirks: string[];
}

/** Plays `url` for `seconds` through our session and RtpReceiver, keeping every access unit. */
async function receive(url: string, transport: 'udp' | 'tcp', seconds: number): Promise<Received> {
  const aus: AccessUnit[] = [];
  const quirks: string[] = [];
  let receiver: RtpReceiver | null = null;
  const session = await openRtspSession({
    url,
    label: 'faults/1',
    transport,
    connectTimeoutMs: 5000,
    createSink: (track, t) =>
      (receiver = new RtpReceiver({
        streamLabel: 'faults/1',
        clockRate: track.clockRate,
        payloadType: track.payloadType,
        reorderQueueSize: t === 'tcp' ? 0 : 16,
        ...(track.spropParameterSets === undefined ? {} : { spropParameterSets: track.spropParameterSets }),
        onAccessUnit: (au) => aus.push({ ...au, nalus: au.nalus.map((n) => Uint8Array.from(n)) }),
        onFormat: () => undefined,
        onQuirk: (name) => quirks.push(name),
      })),
    onQuirk: (name) => quirks.push(name),
    onEnded: () => undefined,
  });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await session.close();
  assert.ok(receiver);
  const r = receiver as RtpReceiver;
  r.flush();
  return { aus, receiver: r, quirks };
}

/** ffmpeg decodes the access units as one Annex-B stream; returns its error lines (none when all is whole). */
async function decodeErrors(aus: AccessUnit[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-faults-'));
  try {
    const parts: Uint8Array[] = [];
    for (const au of aus) for (const nal of au.nalus) parts.push(Uint8Array.of(0, 0, 0, 1), nal);
    const file = join(dir, 'received.h264');
    await writeFile(file, Buffer.concat(parts));
    const stderr = await new Promise<string>((resolve) =>
      execFile('ffmpeg', ['-v', 'error', '-f', 'h264', '-i', file, '-f', 'null', '-'], (_err, _out, err) =>
        resolve(err),
      ),
    );
    return stderr.split('\n').filter((l) => l.trim() !== '');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The first access unit after a loss, and checks that the stream resumed at a keyframe. */
function assertResumedAtKeyframe(aus: AccessUnit[]): void {
  const gaps = aus.filter((au) => au.discontinuity);
  assert.ok(gaps.length >= 1, 'an access unit is marked as following a loss');
  for (const au of gaps) assert.ok(au.keyframe, 'the stream resumes at a keyframe, nothing damaged in between');
  const at = aus.indexOf(gaps[0]!);
  assert.ok(aus.length - at > 10, 'frames keep coming after the loss');
}

describe('faults injected between the client and a GStreamer camera', () => {
  let camera: GstCamera;
  before(async () => {
    camera = await startGstCamera({ width: 640, height: 360, fps: 25, gop: 25, bitrateKbps: 800 });
  });
  after(() => camera.stop());

  async function withRelay<T>(
    plan: FaultPlan,
    fn: (url: string) => Promise<T>,
  ): Promise<{ result: T; dropped: number; swapped: number }> {
    const relay = await startFaultRelay({ host: '127.0.0.1', port: camera.port }, plan);
    try {
      const result = await fn(relay.url('/stream'));
      return { result, dropped: relay.stats.dropped, swapped: relay.stats.swapped };
    } finally {
      await relay.close();
    }
  }

  for (const transport of ['tcp', 'udp'] as const) {
    test(`${transport}: 5 lost packets are counted, and the stream resumes at the next keyframe, decodable`, async () => {
      const { result, dropped } = await withRelay({ drop: (i) => i >= 120 && i < 125 }, (url) =>
        receive(url, transport, 3),
      );
      assert.equal(dropped, 5);
      assert.equal(result.receiver.stats.lostPackets, 5);
      assertResumedAtKeyframe(result.aus);
      assert.ok(result.receiver.stats.droppedUnits >= 1, 'the damaged unit was dropped, not passed on');
      assert.deepEqual(await decodeErrors(result.aus), []);
    });
  }

  test('udp: neighbours swapped every 30 packets are put back in order: nothing lost, every frame whole', async () => {
    const { result, swapped } = await withRelay({ swap: (i) => i % 30 === 7 }, (url) => receive(url, 'udp', 3));
    assert.ok(swapped >= 5, `${swapped} swaps`);
    const stats = result.receiver.stats;
    assert.equal(stats.lostPackets, 0);
    assert.ok(stats.reordered >= swapped - 1, `${stats.reordered} reordered of ${swapped} swaps`);
    assert.equal(result.aus.filter((au) => au.discontinuity).length, 0, 'no access unit is marked as following a loss');
    // 3 s at 25 fps, less the wait for the first keyframe (GOP 1 s).
    assert.ok(result.aus.length >= 45, `${result.aus.length} frames`);
    assert.deepEqual(await decodeErrors(result.aus), []);
    // The control: the decode check does see damage. Half of one slice gone is reported by ffmpeg.
    const damaged = result.aus.map((au) => ({ ...au, nalus: [...au.nalus] }));
    const victim = damaged.find((au, i) => i > 10 && au.keyframe)!;
    const slice = victim.nalus.length - 1;
    victim.nalus[slice] = victim.nalus[slice]!.subarray(0, victim.nalus[slice]!.byteLength >> 1);
    assert.ok((await decodeErrors(damaged)).length > 0, 'ffmpeg reports a slice cut in half');
  });

  test('tcp: a swap on TCP (no reorder queue) loses no more than the swapped packet, and recovers', async () => {
    const { result, swapped } = await withRelay({ swap: (i) => i === 150 }, (url) => receive(url, 'tcp', 3));
    assert.equal(swapped, 1);
    assert.ok(result.receiver.stats.lostPackets <= 1, `${result.receiver.stats.lostPackets} lost`);
    assert.deepEqual(await decodeErrors(result.aus), []);
  });
});
