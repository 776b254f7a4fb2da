import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src-shared/config/index.js';
import { getAt } from '../../src-renderer/config-editor/json-path.js';
import {
  EMPTY_CAMERA,
  cameraUid,
  fieldOfPath,
  hostOfUrl,
  missingFields,
  parseHostPort,
  usedUids,
  withNewCamera,
} from '../../src-renderer/add-camera/new-camera.js';
import type { NewCamera } from '../../src-renderer/add-camera/new-camera.js';

const PORCH: NewCamera = {
  name: 'Porch (east)',
  host: '192.168.1.20',
  user: 'admin',
  password: 'pw',
  mainUrl: 'rtsp://192.168.1.20:554/stream1',
  subUrl: 'rtsp://192.168.1.20:554/stream2',
};

test('a camera id comes from its name, ASCII, and is made unique', () => {
  assert.equal(cameraUid('Front door', new Set()), 'front-door');
  assert.equal(cameraUid('Garage – côté rue!', new Set()), 'garage-cote-rue');
  assert.equal(cameraUid('Front door', new Set(['front-door', 'front-door-2'])), 'front-door-3');
  assert.equal(cameraUid('   ', new Set()), 'camera');
  assert.equal(cameraUid('番号', new Set(['camera'])), 'camera-2');
  assert.ok(cameraUid('x'.repeat(200), new Set()).length <= 40);
});

test('an address typed by a user splits into host and port, or says what is wrong', () => {
  assert.deepEqual(parseHostPort(' 192.168.1.20 '), { host: '192.168.1.20' });
  assert.deepEqual(parseHostPort('cam.local:8080'), { host: 'cam.local', port: 8080 });
  assert.deepEqual(parseHostPort('[fe80::1]:3702'), { host: 'fe80::1', port: 3702 });
  assert.deepEqual(parseHostPort('fe80::1'), { host: 'fe80::1' });
  assert.match((parseHostPort('') as { error: string }).error, /Type the camera’s address/);
  assert.match((parseHostPort('http://cam') as { error: string }).error, /without http/);
  assert.match((parseHostPort('cam:99999') as { error: string }).error, /not a port/);
  assert.match((parseHostPort('a b') as { error: string }).error, /is not an address/);
});

test('the host of a stream address, with or without credentials and brackets', () => {
  assert.equal(hostOfUrl('rtsp://admin:pw@10.0.0.5:554/x'), '10.0.0.5');
  assert.equal(hostOfUrl('rtsps://[fe80::2]:322/x'), 'fe80::2');
  assert.equal(hostOfUrl('RTSP://cam.local/live'), 'cam.local');
  assert.equal(hostOfUrl('http://cam.local/'), null);
});

test('the form says what is missing or wrong before anything is sent', () => {
  assert.deepEqual(Object.keys(missingFields(EMPTY_CAMERA)).sort(), ['mainUrl', 'name']);
  assert.deepEqual(missingFields(PORCH), {});
  assert.match(missingFields({ ...PORCH, mainUrl: 'http://x/y' }).mainUrl ?? '', /starts with rtsp:\/\//);
  assert.match(missingFields({ ...PORCH, subUrl: '192.168.1.20/2' }).subUrl ?? '', /leave it empty/);
});

const CONFIG = {
  server: {
    streamsGrps: [
      {
        uid: 'home',
        name: 'Home',
        streams: [{ device: { uid: 'porch-east', name: 'Old porch' }, versions: [{ sid: 'main', uri: 'rtsp://h/x' }] }],
      },
    ],
  },
};

test('the new camera goes last in the first group, with its credentials and main then sub stream', () => {
  const added = withNewCamera(CONFIG, PORCH);
  assert.equal(added.uid, 'porch-east-2', 'not the id another camera has');
  assert.equal(added.base, 'server.streamsGrps[0].streams[1]');
  assert.deepEqual(getAt(added.config, added.base), {
    device: { uid: 'porch-east-2', name: 'Porch (east)', server: '192.168.1.20', user: 'admin', pass: 'pw' },
    versions: [
      { sid: '1-main', uri: 'rtsp://192.168.1.20:554/stream1' },
      { sid: '2-sub', uri: 'rtsp://192.168.1.20:554/stream2' },
    ],
  });
  assert.deepEqual(usedUids(added.config), new Set(['porch-east', 'porch-east-2']));
  assert.equal((CONFIG.server.streamsGrps[0]!.streams as unknown[]).length, 1, 'the config given is not changed');
  assert.deepEqual(validateConfig(added.config).errors, [], 'the shared validator accepts it');
});

test('with no group yet a "Cameras" group is made; no sub stream and no password leave those keys out', () => {
  const added = withNewCamera({}, { ...PORCH, subUrl: '', password: '', user: '', host: '' });
  assert.equal(added.base, 'server.streamsGrps[0].streams[0]');
  assert.equal(getAt(added.config, 'server.streamsGrps[0].name'), 'Cameras');
  assert.deepEqual(getAt(added.config, added.base), {
    device: { uid: 'porch-east', name: 'Porch (east)' },
    versions: [{ sid: '1-main', uri: 'rtsp://192.168.1.20:554/stream1' }],
  });
});

test('the server’s error paths for the new camera point at the form’s fields', () => {
  const base = 'server.streamsGrps[0].streams[3]';
  assert.equal(fieldOfPath(base, `${base}.versions[0].uri`), 'mainUrl');
  assert.equal(fieldOfPath(base, `${base}.versions[1].uri`), 'subUrl');
  assert.equal(fieldOfPath(base, `${base}.device.uid`), 'name');
  assert.equal(fieldOfPath(base, `${base}.device.pass`), 'password');
  assert.equal(fieldOfPath(base, 'server.streamsGrps[0].streams[2].device.uid'), null, 'another camera');
  assert.equal(fieldOfPath(base, undefined), null);
});
