/**
 * A real camera recorded in its own process, for crash tests: StreamSupervisor → StreamRecorder into
 * `<root>` until killed (or SIGTERM, which closes cleanly). Prints:
 *   added <segment id> <startMs>         each file begun
 *   grown <segment id> <endMs> <bytes>   each fragment on disk
 * Usage: node record-camera-child.js <root> <streamId> <url> <dividerMs>
 */
import { RecordingCatalog } from '../../src-main/storage/recording-catalog.js';
import { StreamRecorder } from '../../src-main/recorder/stream-recorder.js';
import { StreamSupervisor } from '../../src-main/streams/stream-supervisor.js';

const [root, streamId, url, dividerMs] = process.argv.slice(2);
if (!root || !streamId || !url || !dividerMs) {
  process.stderr.write('usage: record-camera-child <root> <streamId> <url> <dividerMs>\n');
  process.exit(2);
}

const catalog = new RecordingCatalog({ rootPath: root, rescanIntervalMs: 0 });
await catalog.load();
catalog.onChange((e) => {
  if (e.type === 'added') process.stdout.write(`added ${e.segment.id} ${e.segment.startMs}\n`);
  if (e.type === 'grown') process.stdout.write(`grown ${e.segment.id} ${e.segment.endMs} ${e.segment.bytes}\n`);
});
const recorder = new StreamRecorder({
  streamId,
  catalog,
  dividerMs: Number(dividerMs),
  limitBytes: 1 << 30,
  fragmentMaxMs: 500,
  log: (line) => process.stderr.write(line + '\n'),
});
const supervisor = new StreamSupervisor({
  streamId,
  url,
  transport: 'tcp',
  assumeConnDroppedAfterMs: 5000,
  connectTimeoutMs: 5000,
  reorderQueueSize: 0,
  log: (line) => process.stderr.write(line + '\n'),
});
supervisor.addListener({ onFormat: (f) => recorder.setFormat(f), onAccessUnit: (au) => recorder.write(au) });
supervisor.start();
process.once('SIGTERM', () => {
  void supervisor
    .close()
    .then(() => recorder.close())
    .then(() => catalog.close())
    .then(() => process.exit(0));
});
