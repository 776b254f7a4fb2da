/**
 * The runtime's NAL units live in reused slabs (slab-pool.ts): a slab goes back to the pool once every unit in it
 * is released. These tests run a real RTSP camera (our server, an x264 clip) through the ingest, the hub and the
 * recorder with a pool of small slabs that are filled with 0xEE when returned, so that a slab reused while a view
 * into it is still read shows up as bytes the camera never sent. Every NAL unit recorded, every one a late
 * viewer gets from the GOP cache, and every one in HLS segments and a live-MP4 stream, is looked up byte for byte
 * among the clip's NAL units; once the stream is closed (also after `auto` gave up a silent UDP try) no slab is
 * left in use.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import type { AccessUnit, VideoFormat } from '../../src-shared/access-unit.js';
import { readAccessUnitMessage } from '../../src-shared/live-wire.js';
import { splitAnnexB } from '../../src-main/codec/h264/annexb.js';
import { SlabPool } from '../../src-main/codec/h264/slab-pool.js';
import { Fmp4Muxer } from '../../src-main/recorder/mp4/fmp4-muxer.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { HlsSegmenter } from '../../src-main/server/hls/hls-segmenter.js';
import { Mp4ViewerSink } from '../../src-main/server/routes/live-mp4.js';
import { startRtspServer } from '../../src-main/rtsp/server/index.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { Hub, type HubUnit, type ViewerHandle } from '../../src-main/streams/hub.js';
import { StreamSupervisor } from '../../src-main/streams/stream-supervisor.js';
import { tempRoot } from '../storage/record-fixture.js';
import { startFaultRelay } from '../support/rtsp-fault-relay.js';
import { makeClip, type Clip } from '../support/clips.js';

const run = promisify(execFile);
const STREAM = 'cam-slabs/1-main';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const digest = (nal: Uint8Array): string => createHash('sha1').update(nal).digest('hex');

/**
 * A low rate, so P pictures travel as single-NAL packets (copied into slabs) and I pictures as FU-A; with 4 KiB
 * slabs the I pictures outgrow a pooled slab and take one of their own, so both kinds of slab are in play.
 */
async function clipAndNals(): Promise<{ clip: Clip; known: Set<string> }> {
  const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 120, seconds: 2 });
  const known = new Set(splitAnnexB(new Uint8Array(await readFile(clip.path))).map(digest));
  return { clip, known };
}

function supervisorOf(url: string, pool: SlabPool, transport: 'tcp' | 'auto' = 'tcp'): StreamSupervisor {
  return new StreamSupervisor({
    streamId: STREAM,
    url,
    transport,
    assumeConnDroppedAfterMs: 5000,
    connectTimeoutMs: 5000,
    reorderQueueSize: 16,
    reconnectMinMs: 100,
    reconnectMaxMs: 1000,
    log: () => undefined,
    slabPool: pool,
  });
}

/** The NAL units of an MP4 file's video, as ffmpeg reads them out. */
async function nalsOf(file: string): Promise<Uint8Array[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-c:v', 'copy', '-bsf:v', 'h264_mp4toannexb', '-f', 'h264', '-'],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return splitAnnexB(new Uint8Array(stdout));
}

/** Every NAL unit of `nalus` is one of the clip's; returns how many there were. */
function assertAllKnown(known: Set<string>, nalus: Iterable<Uint8Array>, what: string): number {
  let n = 0;
  for (const nal of nalus) {
    n++;
    assert.ok(
      known.has(digest(nal)),
      `${what}: a NAL unit of type ${nal[0]! & 0x1f}, ${nal.byteLength} bytes, is not the clip's`,
    );
  }
  return n;
}

test('with reused slabs, the recorder and the GOP cache keep every NAL unit intact until they are done with it', async () => {
  const { clip, known } = await clipAndNals();
  const camera = await startRtspServer({ mounts: [{ path: '/clip', source: clip.path }] });
  const pool = new SlabPool({ poison: true }, 4096);
  const root = await tempRoot();
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  await catalog.load();
  // Short files and fragments: many fragments go through the disk queue while later units fill slabs.
  const recorder = new StreamRecorder({
    streamId: STREAM,
    catalog,
    dividerMs: 2000,
    limitBytes: 1 << 30,
    fragmentMaxMs: 200,
  });
  const hub = new Hub();
  const supervisor = supervisorOf(camera.url('/clip'), pool);
  hub.addStream(STREAM, supervisor);
  let published = 0;
  hub.subscribe(STREAM, {
    leaseAware: true,
    onFormat: (f) => recorder.setFormat(f),
    onUnit: (unit) => {
      published++;
      recorder.write(unit.au);
    },
  });
  // Viewers that join late start from the GOP cache: units published up to a second before, whose wire frames
  // are built only now. Each copies its frames, as the WebSocket sink does.
  const frames: Uint8Array[] = [];
  const lateViewer = {
    leaseAware: true,
    pendingBytes: () => 0,
    sendUnit: (unit: HubUnit) => {
      const frame = unit.wireFrame();
      frames.push(frame);
      return frame.byteLength;
    },
    sendText: () => undefined,
    close: () => undefined,
  };
  const viewers = [];
  try {
    supervisor.start();
    const deadline = Date.now() + 30_000;
    let nextJoin = 0;
    while (published < 250 && Date.now() < deadline) {
      if (published >= nextJoin + 37) {
        // Mid-GOP (37 is not a multiple of the 25-frame GOP): the cache holds a keyframe and what followed it.
        nextJoin = published;
        viewers.push(hub.addViewer(STREAM, lateViewer, { maxPendingBytes: 1 << 30, overqueueMs: 0 }));
      }
      await sleep(20);
    }
    assert.ok(published >= 250, `250 units published (got ${published})`);
  } finally {
    for (const v of viewers) v.close();
    await supervisor.close();
    hub.removeStream(STREAM);
    await recorder.close();
    await camera.close();
  }

  assert.equal(pool.stats.misuse, 0, 'no slab released more often than held');
  assert.equal(pool.stats.pinned, 0, 'every holder was lease-aware: nothing pinned');
  assert.ok(pool.stats.reused > 20, `slabs were reused (${JSON.stringify(pool.stats)})`);
  assert.equal(pool.snapshot().inUse, 0, 'every slab came back once the stream was closed');

  const viewed = frames.flatMap((f) => splitAnnexB(readAccessUnitMessage(f)!.annexB));
  assert.ok(assertAllKnown(known, viewed, 'late viewer') > 100);

  const segments = catalog.allSegments(STREAM);
  assert.ok(segments.length >= 3, `several files (${segments.length})`);
  let recorded = 0;
  for (const s of segments) {
    recorded += assertAllKnown(known, await nalsOf(s.path), s.id);
  }
  assert.ok(recorded >= 200, `NAL units recorded (${recorded})`);
});

test('a listener that does not say it is lease-aware pins what it gets: units it keeps are never overwritten', async () => {
  const { clip, known } = await clipAndNals();
  const camera = await startRtspServer({ mounts: [{ path: '/clip', source: clip.path }] });
  const pool = new SlabPool({ poison: true }, 4096);
  const supervisor = supervisorOf(camera.url('/clip'), pool);
  const kept: AccessUnit[] = [];
  supervisor.addListener({ onAccessUnit: (au) => kept.push(au) });
  try {
    supervisor.start();
    const deadline = Date.now() + 20_000;
    while (kept.length < 150 && Date.now() < deadline) await sleep(50);
    assert.ok(kept.length >= 150, `150 units arrived (got ${kept.length})`);
  } finally {
    await supervisor.close();
    await camera.close();
  }
  const nalus = kept.flatMap((au) => au.nalus);
  assert.ok(assertAllKnown(known, nalus, 'kept') >= 150);
  assert.equal(pool.stats.misuse, 0);
  assert.ok(pool.stats.pinned > 0, `slabs were pinned (${JSON.stringify(pool.stats)})`);
});

test('with reused slabs, HLS segments and a live MP4 viewer get every NAL unit intact, and pin nothing', async () => {
  const { clip, known } = await clipAndNals();
  const camera = await startRtspServer({ mounts: [{ path: '/clip', source: clip.path }] });
  const pool = new SlabPool({ poison: true }, 4096);
  const hub = new Hub();
  const supervisor = supervisorOf(camera.url('/clip'), pool);
  hub.addStream(STREAM, supervisor);
  let published = 0;
  let format: VideoFormat | null = null;
  hub.subscribe(STREAM, {
    leaseAware: true,
    onFormat: (f) => (format = f),
    onUnit: () => published++,
  });
  const dir = await tempRoot();
  let segmenter: HlsSegmenter | null = null;
  let mp4: Mp4ViewerSink | null = null;
  let mp4Viewer: ViewerHandle | null = null;
  const mp4Bytes: Buffer[] = [];
  try {
    supervisor.start();
    const deadline = Date.now() + 30_000;
    while (published < 250 && Date.now() < deadline) {
      if (format !== null && segmenter === null) {
        // Both join mid-GOP, from the GOP cache, as viewers do.
        segmenter = new HlsSegmenter({ hub, log: () => undefined }, STREAM, format, () => undefined);
        segmenter.start();
        const out = new PassThrough();
        out.on('data', (b: Buffer) => mp4Bytes.push(b));
        const muxer = new Fmp4Muxer({ fragmentEvery: 'frame' });
        out.write(muxer.init(format));
        mp4 = new Mp4ViewerSink(out, muxer, format);
        mp4Viewer = hub.addViewer(STREAM, mp4, { maxPendingBytes: 1 << 30, overqueueMs: 0 });
      }
      await sleep(20);
    }
    assert.ok(published >= 250, `250 units published (got ${published})`);
  } finally {
    mp4Viewer?.close();
    mp4?.close('test over');
    await supervisor.close();
    hub.removeStream(STREAM); // ends the segmenter
    await camera.close();
  }

  assert.equal(pool.stats.misuse, 0, 'no slab released more often than held');
  assert.equal(pool.stats.pinned, 0, 'the segmenter and the MP4 viewer are lease-aware: nothing pinned');
  assert.ok(pool.stats.reused > 20, `slabs were reused (${JSON.stringify(pool.stats)})`);
  assert.equal(pool.snapshot().inUse, 0, 'every slab came back once the stream was removed');

  const live = join(dir, 'live.mp4');
  await writeFile(live, Buffer.concat(mp4Bytes));
  assert.ok(assertAllKnown(known, await nalsOf(live), 'live MP4') >= 200);

  const window = segmenter!.window;
  const names = window
    .playlist()
    .split('\n')
    .filter((l) => l.endsWith('.m4s'));
  assert.ok(names.length >= 3, `several HLS segments (${names.length})`);
  let segmented = 0;
  for (const name of names) {
    const file = join(dir, `${name}.mp4`);
    await writeFile(file, Buffer.concat([window.init(1)!, window.segment(Number(name.slice(0, -4)))!.data]));
    segmented += assertAllKnown(known, await nalsOf(file), `HLS ${name}`);
  }
  assert.ok(segmented >= 100, `NAL units in the HLS segments (${segmented})`);
});

test('a session given up for another (auto: UDP silent, then TCP) gives back its slab; so does the one closed', async () => {
  const { clip } = await clipAndNals();
  const camera = await startRtspServer({ mounts: [{ path: '/clip', source: clip.path }] });
  const relay = await startFaultRelay({ host: camera.host, port: camera.port }, { blockUdp: true });
  const pool = new SlabPool({ poison: true }, 4096);
  const supervisor = supervisorOf(relay.url('/clip'), pool, 'auto');
  let units = 0;
  supervisor.addListener({ leaseAware: true, onAccessUnit: () => units++ });
  try {
    supervisor.start();
    const deadline = Date.now() + 20_000;
    while (units < 50 && Date.now() < deadline) await sleep(50);
    assert.ok(units >= 50, `50 units over TCP after UDP stayed silent (got ${units})`);
    assert.equal(supervisor.status().transport, 'tcp');
    assert.ok(supervisor.status().quirks.includes('udp-no-data'), supervisor.status().quirks.join(','));
  } finally {
    await supervisor.close();
    await relay.close();
    await camera.close();
  }
  // The silent UDP session's receiver took a slab when it was made, the TCP one too: both came back.
  assert.equal(pool.snapshot().inUse, 0, JSON.stringify(pool.snapshot()));
  assert.ok(pool.stats.made + pool.stats.reused >= 2);
  assert.equal(pool.stats.misuse, 0);
});
