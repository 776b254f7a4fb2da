import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { StreamRecorder, type StreamRecorderOptions } from '../../src-main/recorder/stream-recorder.js';
import { parseSegmentName } from '../../src-main/recorder/segment-name.js';
import { makeClip, retime, type Clip } from './clip-fixture.js';
import { probeFile } from './ffprobe.js';

const STREAM = 'cam-door/1-high';
let clip: Clip;
let small: Clip;
before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
  small = await makeClip({ width: 160, height: 128, fps: 25, seconds: 2, gop: 25, profile: 'main' });
});
after(async () => {
  await clip.remove();
  await small.remove();
});

async function withRecorder(
  options: Partial<StreamRecorderOptions>,
  body: (r: StreamRecorder, catalog: RecordingCatalog, root: string) => Promise<void>,
): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'thinstream-rec-'));
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  await catalog.load();
  const recorder = new StreamRecorder({
    streamId: STREAM,
    catalog,
    dividerMs: 3_600_000,
    limitBytes: 1 << 30,
    ...options,
  });
  try {
    await body(recorder, catalog, root);
  } finally {
    await recorder.close();
    await catalog.close();
    await rm(root, { recursive: true, force: true });
  }
}

function feed(recorder: StreamRecorder, units: readonly AccessUnit[]): void {
  for (const u of units) recorder.write(u);
}

/** The clip `times` over, continuous. */
function looped(units: readonly AccessUnit[], times: number): AccessUnit[] {
  const span90k = units.length * 3600;
  const out: AccessUnit[] = [];
  for (let i = 0; i < times; i++) out.push(...retime(units, i * span90k, (i * span90k) / 90));
  return out;
}

test('cuts files at the first keyframe after the divider; files join up and ffprobe reads each cleanly', async () => {
  await withRecorder({ dividerMs: 2000 }, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    feed(recorder, looped(clip.units, 2)); // 8 s, keyframes every second
    await recorder.close();
    const segments = catalog.allSegments(STREAM);
    assert.equal(segments.length, 4);
    let frames = 0;
    for (let i = 0; i < segments.length; i++) {
      const s = segments[i]!;
      assert.equal(s.open, false);
      assert.deepEqual(parseSegmentName(s.id), { sequence: i + 1, startMs: s.startMs });
      assert.match(s.id, /^00000\d-20250102T0304\d\d\.\d{3}Z\.mp4$/);
      if (i > 0) assert.ok(Math.abs(s.startMs - segments[i - 1]!.endMs) < 1, `gap between files ${i - 1} and ${i}`);
      assert.ok(Math.abs(s.endMs - s.startMs - 2000) < 1, `file ${i} lasts ${s.endMs - s.startMs} ms`);
      const probe = await probeFile(s.path);
      assert.deepEqual(probe.errors, []);
      assert.equal(probe.frames.length, s.frames);
      assert.ok(probe.frames[0]!.keyframe, 'every file starts with a keyframe');
      assert.ok(Math.abs(probe.durationS - 2) < 0.01, `ffprobe duration ${probe.durationS}`);
      frames += s.frames;
    }
    assert.equal(frames, clip.units.length * 2);
    assert.equal(segments[0]!.startMs, clip.units[0]!.wallMs);
    const stats = recorder.stats();
    assert.equal(stats.segments, 4);
    assert.equal(stats.framesWritten, frames);
    assert.equal(stats.queuedBytes, 0);
    assert.equal(recorder.status().state, 'stopped');
  });
});

test('cuts files by size at the next keyframe', async () => {
  await withRecorder({ limitBytes: 60_000 }, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    feed(recorder, clip.units);
    await recorder.close();
    const segments = catalog.allSegments(STREAM);
    assert.ok(segments.length >= 2, `${segments.length} files`);
    for (const s of segments) {
      const probe = await probeFile(s.path);
      assert.deepEqual(probe.errors, []);
      assert.ok(probe.frames[0]!.keyframe);
      // Over the limit by at most one GOP (about 25 kB in this clip).
      assert.ok(s.bytes < 60_000 + 60_000, `${s.bytes} bytes`);
    }
    assert.equal(
      segments.reduce((n, s) => n + s.frames, 0),
      clip.units.length,
    );
  });
});

test('writes a fragment at least every fragmentMaxMs, so the open file is readable while recording', async () => {
  await withRecorder({ fragmentMaxMs: 200 }, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    feed(recorder, clip.units.slice(0, 30));
    await recorder.flushed();
    const [open] = catalog.allSegments(STREAM);
    assert.ok(open && open.open);
    // 29 frames have a known duration: fragments of 5 frames (200 ms) plus the rest.
    assert.ok(open.fragments.count >= 5, `${open.fragments.count} fragments`);
    const probe = await probeFile(open.path);
    assert.deepEqual(probe.errors, []);
    assert.equal(probe.frames.length, open.frames);
    assert.equal(recorder.status().segment, open.id);
  });
});

test('a format change starts a new file with the new size', async () => {
  await withRecorder({}, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    feed(recorder, clip.units);
    const offset90k = clip.units.length * 3600;
    recorder.setFormat(small.format);
    feed(recorder, retime(small.units, offset90k, offset90k / 90));
    await recorder.close();
    const segments = catalog.allSegments(STREAM);
    assert.equal(segments.length, 2);
    const [a, b] = await Promise.all(segments.map((s) => probeFile(s.path)));
    assert.deepEqual(a!.errors, []);
    assert.deepEqual(b!.errors, []);
    assert.equal(a!.width, 320);
    assert.equal(b!.width, 160);
    assert.equal(b!.frames.length, small.units.length);
    assert.equal(segments[1]!.format.width, 160);
  });
});

test('a gap in the camera times is kept as a gap inside the file', async () => {
  await withRecorder({}, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    const gapAt = 50; // a keyframe at 2 s; the camera then pauses 5 s
    feed(recorder, clip.units.slice(0, gapAt));
    feed(recorder, retime(clip.units.slice(gapAt), 450_000, 5000));
    await recorder.close();
    const [s] = catalog.allSegments(STREAM);
    assert.ok(s);
    assert.equal(catalog.allSegments(STREAM).length, 1);
    const probe = await probeFile(s.path);
    assert.deepEqual(probe.errors, []);
    assert.ok(Math.abs(probe.frames[gapAt]!.ptsTime - probe.frames[gapAt - 1]!.ptsTime - 5.04) < 0.001);
    assert.ok(Math.abs(s.endMs - s.startMs - 9000) < 1, `${s.endMs - s.startMs}`);
  });
});

test('timestamps that run backwards (a new RTP session) start a new file at the next keyframe', async () => {
  await withRecorder({}, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    feed(recorder, clip.units.slice(0, 60));
    // The camera reconnected: RTP time restarts at an unrelated value, wall clock goes on.
    const after = retime(clip.units.slice(60), -9_000_000, 0);
    feed(recorder, after);
    await recorder.close();
    const segments = catalog.allSegments(STREAM);
    assert.equal(segments.length, 2);
    // Frames 60..74 are dropped until the keyframe at 75 (3 s).
    assert.equal(segments[0]!.frames, 60);
    assert.equal(segments[1]!.frames, 25);
    assert.equal(segments[1]!.startMs, Math.round(clip.units[75]!.wallMs));
    for (const s of segments) assert.deepEqual((await probeFile(s.path)).errors, []);
    assert.equal(recorder.stats().droppedUnits, 15);
  });
});

test('after lost data the rest of the GOP is skipped, so the file decodes without errors', async () => {
  await withRecorder({}, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    const units = clip.units.map((u, i) => (i === 30 ? { ...u, discontinuity: true } : u));
    // Units 30..49 are lost in spirit: the decoder would miss references. 31..49 are dropped too.
    feed(recorder, units);
    await recorder.close();
    const [s] = catalog.allSegments(STREAM);
    assert.ok(s);
    const probe = await probeFile(s.path);
    assert.deepEqual(probe.errors, []);
    assert.equal(probe.frames.length, clip.units.length - 20);
    assert.equal(recorder.stats().droppedUnits, 20);
    // The hole is in the timeline: frame 29 (1.16 s) then the keyframe at 2 s.
    assert.ok(Math.abs(probe.frames[30]!.ptsTime - 2) < 0.001, `${probe.frames[30]!.ptsTime}`);
  });
});

test('units before the format and before the first keyframe are dropped; nothing is written without them', async () => {
  await withRecorder({}, async (recorder, catalog, root) => {
    feed(recorder, clip.units.slice(0, 10)); // no format yet
    recorder.setFormat(clip.format);
    feed(recorder, clip.units.slice(10, 24)); // no keyframe in 10..24
    await recorder.flushed();
    assert.equal(catalog.allSegments(STREAM).length, 0);
    assert.deepEqual(await readdir(root), []);
    assert.equal(recorder.status().waitingForKeyframe, true);
    assert.equal(recorder.status().state, 'recording');
    feed(recorder, clip.units.slice(25, 50));
    await recorder.close();
    assert.equal(catalog.allSegments(STREAM)[0]!.frames, 25);
    assert.equal(recorder.stats().droppedUnits, 24);
  });
});

test('jitter in the camera times (a repeated or slightly earlier time) stays in one file that decodes in order', async () => {
  await withRecorder({ fragmentMaxMs: 200 }, async (recorder, catalog) => {
    recorder.setFormat(clip.format);
    const units = clip.units.map((u, i) => {
      if (i === 12) return { ...u, pts90k: u.pts90k - 3600, dts90k: u.dts90k - 3600 }; // same time as unit 11
      if (i === 40) return { ...u, pts90k: u.pts90k - 5000, dts90k: u.dts90k - 5000 }; // before unit 39
      return u;
    });
    feed(recorder, units);
    await recorder.close();
    const segments = catalog.allSegments(STREAM);
    assert.equal(segments.length, 1);
    const probe = await probeFile(segments[0]!.path);
    assert.deepEqual(probe.errors, []);
    assert.equal(probe.frames.length, clip.units.length);
    for (let i = 1; i < probe.frames.length; i++) {
      assert.ok(probe.frames[i]!.ptsTime > probe.frames[i - 1]!.ptsTime, `frame ${i} after frame ${i - 1}`);
    }
    assert.ok(Math.abs(segments[0]!.endMs - segments[0]!.startMs - 4000) < 100);
  });
});
