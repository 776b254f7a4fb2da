import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, statfs } from 'node:fs/promises';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { RetentionPolicy } from '../../src-main/storage/retention-policy.js';
import { storageTelemetry } from '../../src-main/storage/storage-telemetry.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { makeClip, type Clip } from '../recorder/clip-fixture.js';
import { looped, tempRoot } from './record-fixture.js';

const A = 'cam-door/1-high';
const B = 'cam-yard/1-high';
let clip: Clip;
before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 });
});
after(async () => {
  await clip.remove();
});

test('telemetry reports bytes per stream, oldest and newest, disk free, and the recorder write counters', async () => {
  const dir = await tempRoot();
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 0 });
  await catalog.load();
  const retention = new RetentionPolicy({ catalog, limitBytes: 10 * 1024 ** 3, checkIntervalMs: 0 });
  const recorders = [A, B].map(
    (streamId) => new StreamRecorder({ streamId, catalog, retention, dividerMs: 2000, limitBytes: 1 << 30 }),
  );
  for (const r of recorders) r.setFormat(clip.format);
  for (const u of looped(clip.units, 2)) recorders[0]!.write(u);
  for (const u of clip.units) recorders[1]!.write(u);
  for (const r of recorders) await r.close();

  const t = await storageTelemetry(catalog, retention);
  const t0 = clip.units[0]!.wallMs;
  assert.equal(t.rootPath, dir);
  assert.equal(t.limitBytes, 10 * 1024 ** 3);
  assert.equal(t.oldestMs, t0);
  assert.equal(t.newestMs, t0 + 8000);
  assert.deepEqual(
    t.streams.map((s) => [s.streamId, s.segments, s.oldestMs, s.newestMs]),
    [
      [A, 4, t0, t0 + 8000],
      [B, 2, t0, t0 + 4000],
    ],
  );
  assert.equal(t.usedBytes, t.streams[0]!.bytes + t.streams[1]!.bytes);
  const fs = await statfs(dir);
  assert.ok(Math.abs(t.freeBytes - fs.bavail * fs.bsize) < 64 * 1024 * 1024, 'free bytes from statfs');
  assert.equal(t.diskBytes, fs.blocks * fs.bsize);

  const stats = recorders[0]!.stats();
  assert.equal(stats.bytesWritten, t.streams[0]!.bytes, 'every byte written is in a file');
  assert.equal(stats.segments, 4);
  assert.equal(stats.framesWritten, 200);
  assert.ok(stats.fragments >= 8);
  assert.ok(stats.writeMs > 0);
  assert.equal(stats.queuedBytes, 0);
  retention.close();
  await catalog.close();
  await rm(dir, { recursive: true, force: true });
});

test('closing the catalog, retention, a recorder and readers leaves no handle or timer open', async () => {
  const before = process.getActiveResourcesInfo().sort();
  const dir = await tempRoot();
  const catalog = new RecordingCatalog({ rootPath: dir, rescanIntervalMs: 1000 });
  await catalog.load();
  const retention = new RetentionPolicy({ catalog, limitBytes: 1 << 30, checkIntervalMs: 1000 });
  const recorder = new StreamRecorder({ streamId: A, catalog, retention, dividerMs: 2000, limitBytes: 1 << 30 });
  recorder.setFormat(clip.format);
  for (const u of clip.units) recorder.write(u);
  await recorder.flushed();
  const reader = catalog.openReader(A, clip.units[0]!.wallMs, { speed: 1, follow: true });
  await reader.next();
  const pending = reader.next(); // waiting on its pacing timer
  reader.close();
  assert.equal(await pending, null);
  await recorder.close();
  retention.close();
  await catalog.close();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 20));
  // Nothing is left that was not there before (the runner's own handles may come and go).
  const count = (list: string[]): Map<string, number> => {
    const m = new Map<string, number>();
    for (const r of list) m.set(r, (m.get(r) ?? 0) + 1);
    return m;
  };
  const was = count(before);
  for (const [resource, n] of count(process.getActiveResourcesInfo())) {
    assert.ok(n <= (was.get(resource) ?? 0), `${n} ${resource} open after close, ${was.get(resource) ?? 0} before`);
  }
  await rm(dir, { recursive: true, force: true });
});
