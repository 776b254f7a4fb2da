/**
 * A recorder in its own process, for crash tests: records a looped ffmpeg clip at ~10x real time into
 * `<root>` until killed, and prints one line per fragment that reached the disk:
 *   grown <segment id> <endMs> <bytes>
 * Usage: node record-child.js <root> <streamId> <fsync> <fragmentMaxMs> <dividerMs> [startMs]
 * (the clip's wall clock starts at startMs, default now: at 10x real time, a restart must start later).
 */
import type { FsyncPolicy } from '../../src-main/recorder/segment-writer.js';
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { makeClip, retime } from './clip-fixture.js';

const [root, streamId, fsync, fragmentMaxMs, dividerMs, startMs] = process.argv.slice(2);
if (!root || !streamId || !fsync || !fragmentMaxMs || !dividerMs) {
  process.stderr.write('usage: record-child <root> <streamId> <fsync> <fragmentMaxMs> <dividerMs>\n');
  process.exit(2);
}

const clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 4, gop: 25 }, Number(startMs ?? Date.now()));
await clip.remove(); // the units are in memory; nothing is left behind when this process is killed
const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
await catalog.load();
catalog.onChange((e) => {
  if (e.type === 'grown') process.stdout.write(`grown ${e.segment.id} ${e.segment.endMs} ${e.segment.bytes}\n`);
});
const recorder = new StreamRecorder({
  streamId,
  catalog,
  dividerMs: Number(dividerMs),
  limitBytes: 1 << 30,
  fsync: fsync as FsyncPolicy,
  fragmentMaxMs: Number(fragmentMaxMs),
  log: (line) => process.stderr.write(line + '\n'),
});
recorder.setFormat(clip.format);
const span90k = clip.units.length * 3600;
let loop = 0;
let i = 0;
let units = clip.units;
process.stdout.write('ready\n');
setInterval(() => {
  for (let k = 0; k < 10; k++) {
    if (i === units.length) {
      loop++;
      i = 0;
      units = retime(clip.units, loop * span90k, (loop * span90k) / 90);
    }
    recorder.write(units[i++]!);
  }
}, 16);
