/** The tray's words and counts come from the cameras the core reports (tray-model.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CameraSummary } from '../../src-shared/api.js';
import type { StreamState } from '../../src-shared/stream-status.js';
import { emptyCounters } from '../../src-shared/stream-status.js';
import { trayModel } from '../../src-main/electron/tray-model.js';

function camera(
  uid: string,
  states: StreamState[],
  options: { enabled?: boolean; recording?: boolean } = {},
): CameraSummary {
  return {
    deviceUid: uid,
    name: uid,
    groupUid: 'home',
    groupName: 'Home',
    enabled: options.enabled ?? true,
    versions: states.map((state, i) => ({
      versionSid: `v${i}`,
      streamId: `${uid}/v${i}`,
      recording: options.recording ?? state === 'live',
      status: {
        streamId: `${uid}/v${i}`,
        state,
        sinceMs: 0,
        error: null,
        transport: null,
        video: null,
        counters: emptyCounters(),
        quirks: [],
      },
    })),
  };
}

test('a camera is live when any of its versions is live; disabled cameras are not counted', () => {
  const model = trayModel([
    camera('demo', ['live']),
    camera('door', ['reconnecting', 'live']),
    camera('yard', ['failed'], { recording: false }),
    camera('old', ['stopped'], { enabled: false }),
  ]);
  assert.deepEqual(model, {
    cameras: 3,
    live: 2,
    recording: 2,
    status: '2 of 3 cameras live, 2 recording',
    tooltip: 'ThinStream: 2 of 3 cameras live, 2 recording',
  });
});

test('the words read right for one camera and for none', () => {
  assert.equal(trayModel([camera('demo', ['connecting'], { recording: false })]).status, '0 of 1 camera live');
  assert.equal(trayModel([]).status, 'No cameras yet');
});
