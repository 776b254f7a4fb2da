import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { probeFile } from './ffprobe.js';
import { tempRoot } from '../storage/record-fixture.js';

const STREAM = 'cam-door/1-high';
const CHILD = fileURLToPath(new URL('./record-child.js', import.meta.url));

interface Killed {
  /** End (ms) of the last fragment the child reported on disk before it was killed. */
  lastEndMs: number;
  fragments: number;
}

/** Runs the recorder child until it has written `fragments` fragments, then SIGKILLs it. */
async function recordAndKill(root: string, fragments: number, fsync: string, startMs: number): Promise<Killed> {
  const child = spawn(process.execPath, [CHILD, root, STREAM, fsync, '300', '2000', String(startMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const result: Killed = { lastEndMs: 0, fragments: 0 };
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child wrote ${result.fragments} fragments in 30 s: ${stderr}`)),
      30_000,
    );
    lines.on('line', (line) => {
      const [kind, , endMs] = line.split(' ');
      if (kind !== 'grown') return;
      result.fragments++;
      result.lastEndMs = Number(endMs);
      if (result.fragments >= fragments) {
        // Mid-stream: the child keeps writing as fast as it can until the signal lands.
        child.kill('SIGKILL');
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (result.fragments < fragments) reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
  await exited;
  lines.close();
  assert.equal(child.signalCode, 'SIGKILL');
  return result;
}

test('SIGKILL mid-recording loses at most the fragment in flight; after recovery every file plays', async () => {
  const root = await tempRoot();
  try {
    let previousEnd = 0;
    let files = 0;
    for (const [round, fsync] of (['never', 'fragment', 'segment'] as const).entries()) {
      const startMs = previousEnd === 0 ? Date.now() : previousEnd + 5000;
      const killed = await recordAndKill(root, 9 + round * 5, fsync, startMs);
      const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
      const report = await catalog.load();
      const segments = catalog.allSegments(STREAM);
      assert.ok(segments.length > files, 'the new run added files');
      files = segments.length;
      // Every fragment the child saw on disk survived (SIGKILL keeps the page cache; only the write
      // in progress can be torn, and that tail is cut).
      const end = Math.max(...segments.map((s) => s.endMs));
      assert.ok(end >= killed.lastEndMs - 0.001, `recovered up to ${end}, child had written up to ${killed.lastEndMs}`);
      for (let i = 0; i < segments.length; i++) {
        const s = segments[i]!;
        if (i > 0) {
          assert.ok(s.sequence > segments[i - 1]!.sequence, 'sequence numbers keep rising across restarts');
          assert.ok(s.startMs >= segments[i - 1]!.endMs - 1, 'files do not overlap');
        }
        const probe = await probeFile(s.path);
        assert.deepEqual(probe.errors, [], `${s.id} after round ${round}`);
        assert.equal(probe.frames.length, s.frames);
        assert.ok(probe.frames[0]!.keyframe);
      }
      assert.ok(end > previousEnd);
      previousEnd = end;
      // A second scan finds nothing left to repair.
      const again = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
      assert.deepEqual((await again.load()).repaired, []);
      await again.close();
      await catalog.close();
      assert.deepEqual(report.unknown, []);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
