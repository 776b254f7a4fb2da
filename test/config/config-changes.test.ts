import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../support/paths.js';
import { planConfigChange } from '../../src-shared/config/config-changes.js';
import { resolveConfig } from '../../src-main/config/resolve-config.js';
import type { ThinStreamConfig } from '../../src-shared/config/config-types.js';

function original(): ThinStreamConfig {
  return JSON.parse(readFileSync(fixturePath('config', 'original-readme.json'), 'utf8')) as ThinStreamConfig;
}
const resolve = (config: ThinStreamConfig) => resolveConfig(config, { configDir: '/etc/ts' });

test('the same config plans nothing', () => {
  const plan = planConfigChange(resolve(original()), resolve(original()));
  assert.deepEqual(plan, {
    added: [],
    removed: [],
    reconnect: [],
    recording: [],
    renamed: [],
    storageLimitChanged: false,
    restartReasons: [],
  });
});

test('camera edits restart only the streams they touch; folder and port changes need a restart', () => {
  const next = original();
  const [door, garage] = next.server!.streamsGrps![0]!.streams!;
  door!.device!.pass = 'new-pass'; // both door versions reconnect
  door!.device!.name = 'Front door';
  garage!.versions![0]!.params = { write: { files: { payload: { divider: '5m' } } } }; // disabled camera: recording only
  garage!.versions![1]!.sid = '3-low'; // removed + added
  next.context!.filesystem!.streams!.defaults!.limit = '20GB';
  next.http!.ports![0]!.port = 30444;
  next.server!.rtsp!.rtcp!.port = 8003;
  const plan = planConfigChange(resolve(original()), resolve(next));
  assert.deepEqual(
    plan.reconnect.map((s) => s.streamId),
    ['cam-door/1-high', 'cam-door/2-mid'],
  );
  assert.deepEqual(
    plan.recording.map((s) => [s.streamId, s.recording.dividerMs]),
    [['cam-garage/1-high', 300_000]],
  );
  assert.deepEqual(
    plan.added.map((s) => s.streamId),
    ['cam-garage/3-low'],
  );
  assert.deepEqual(
    plan.removed.map((s) => s.streamId),
    ['cam-garage/2-mid'],
  );
  assert.equal(plan.storageLimitChanged, true);
  assert.deepEqual(plan.restartReasons, [
    'the RTP/RTCP ports or the RTSP client settings changed',
    'the HTTP ports, their TLS or their limits changed',
  ]);

  const renamedOnly = original();
  renamedOnly.server!.streamsGrps![0]!.streams![0]!.device!.name = 'Front door';
  const rename = planConfigChange(resolve(original()), resolve(renamedOnly));
  assert.deepEqual(
    rename.renamed.map((s) => s.name),
    ['Front door', 'Front door'],
  );
  assert.equal(rename.reconnect.length, 0);
});
