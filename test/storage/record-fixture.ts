/**
 * Recordings for storage tests: a real StreamRecorder writes an ffmpeg clip (looped) into a temp root.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessUnit } from '../../src-shared/access-unit.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { StreamRecorder, type StreamRecorderOptions } from '../../src-main/recorder/stream-recorder.js';
import { retime, type Clip } from '../recorder/clip-fixture.js';

export async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'thinstream-store-'));
}

/** The clip `times` over, continuous in media time and wall clock. */
export function looped(units: readonly AccessUnit[], times: number, frame90k = 3600): AccessUnit[] {
  const span90k = units.length * frame90k;
  const out: AccessUnit[] = [];
  for (let i = 0; i < times; i++) out.push(...retime(units, i * span90k, (i * span90k) / 90));
  return out;
}

/** Records `units` of `clip` as `streamId` into `root` and closes the recorder and its catalog. */
export async function record(
  root: string,
  streamId: string,
  clip: Clip,
  units: readonly AccessUnit[],
  options: Partial<StreamRecorderOptions> = {},
): Promise<void> {
  const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
  const recorder = new StreamRecorder({ streamId, catalog, dividerMs: 2000, limitBytes: 1 << 30, ...options });
  recorder.setFormat(clip.format);
  for (const u of units) recorder.write(u);
  await recorder.close();
  await catalog.close();
}
