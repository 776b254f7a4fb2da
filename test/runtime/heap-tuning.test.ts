/**
 * tuneHeapForMedia(): a process with a 20 MB live heap that reads video-like ArrayBuffers (100 MB/s, each kept
 * about half a second, as the GOP cache and recorder keep them) does fewer full collections once tuned. Two
 * real `node --trace-gc` children, the same workload, the Mark-Compact lines counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

const MODULE = pathToFileURL(join(REPO_ROOT, 'out/src-main/runtime/heap-tuning.js')).href;

const WORKLOAD = `
if (process.env.TUNE === '1') (await import(${JSON.stringify(MODULE)})).tuneHeapForMedia();
const live = Array.from({ length: 200_000 }, (_, i) => ({ i, s: 'item ' + i, a: [i, i + 1] }));
const ring = [];
const timer = setInterval(() => {
  for (let i = 0; i < 8; i++) {
    ring.push(Buffer.allocUnsafeSlow(128 * 1024));
    if (ring.length > 400) ring.shift();
  }
}, 10);
setTimeout(() => { clearInterval(timer); live.length = 0; }, 3000);
`;

function fullCollections(tune: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--trace-gc', '--input-type=module', '-e', WORKLOAD],
      { env: { ...process.env, TUNE: tune ? '1' : '0' }, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(stdout.split('\n').filter((l) => /\bMark-Compact\b/.test(l)).length);
      },
    );
  });
}

test('tuneHeapForMedia() makes a process reading video do fewer full collections', async () => {
  const untuned = await fullCollections(false);
  const tuned = await fullCollections(true);
  assert.ok(untuned >= 3, `the workload triggers full collections untuned (${untuned})`);
  assert.ok(tuned < untuned, `tuned ${tuned} full collections, untuned ${untuned}`);
});
