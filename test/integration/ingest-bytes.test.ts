/**
 * RTSP over TCP reads every chunk into one reused buffer (rtsp-connection.ts), so whatever the ingest keeps must
 * have been copied out of it. Units are kept while a few hundred more reads land in that buffer, then every NAL
 * unit kept is looked up, byte for byte, among the NAL units of the clip the camera (our RTSP server) sends. The
 * clip is coded at a low rate so that its P pictures travel as single-NAL packets and its I pictures as FU-A,
 * and the server sends SPS and PPS in a STAP-A: all three payload shapes are covered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { StreamSupervisor } from '../../src-main/streams/stream-supervisor.js';
import { splitAnnexB } from '../../src-main/codec/h264/annexb.js';
import { startRtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip } from '../support/clips.js';

const digest = (nal: Uint8Array): string => createHash('sha1').update(nal).digest('hex');

test('units received over TCP stay intact while later reads reuse the read buffer', async () => {
  const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 120, seconds: 2 });
  const known = new Set(splitAnnexB(new Uint8Array(await readFile(clip.path))).map(digest));
  const camera = await startRtspServer({ mounts: [{ path: '/clip', source: clip.path }] });
  const kept: AccessUnit[] = [];
  let received = 0;
  const supervisor = new StreamSupervisor({
    streamId: 'cam-bytes/1-main',
    url: camera.url('/clip'),
    transport: 'tcp',
    assumeConnDroppedAfterMs: 5000,
    connectTimeoutMs: 5000,
    reorderQueueSize: 16,
    reconnectMinMs: 100,
    reconnectMaxMs: 1000,
    log: () => undefined,
  });
  supervisor.addListener({
    onAccessUnit: (au) => {
      received++;
      if (kept.length < 60) kept.push(au);
    },
  });
  try {
    supervisor.start();
    const deadline = Date.now() + 20_000;
    while (received < 160 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(received >= 160, `160 units arrived (got ${received})`);
  } finally {
    await supervisor.close();
    await camera.close();
  }
  let single = 0;
  let large = 0;
  for (const [i, au] of kept.entries()) {
    for (const nal of au.nalus) {
      assert.ok(
        known.has(digest(nal)),
        `unit ${i}: a NAL unit of type ${nal[0]! & 0x1f}, ${nal.byteLength} bytes, is not the clip's`,
      );
      if ((nal[0]! & 0x1f) === 1 && nal.byteLength < 1200) single++;
      if (nal.byteLength > 1500) large++;
    }
  }
  assert.ok(single >= 10, `P pictures small enough for single-NAL packets (${single})`);
  assert.ok(large >= 2, `I pictures large enough for FU-A (${large})`);
});
