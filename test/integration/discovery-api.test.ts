/**
 * The discovery routes through the real HTTP server: admins only, bounded, a unicast probe to the simulator,
 * stream addresses with the password never echoed, brand patterns tried, and each bad input a clear 400.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type {
  ApiErrorBody,
  DiscoveryResponse,
  StreamUrisResponse,
  UrlPatternCheckResponse,
} from '../../src-shared/api.js';
import { startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip } from '../support/clips.js';
import { startOnvifSimulator, type OnvifSimulator } from '../support/onvif-simulator.js';
import { startTestServer, type TestServer } from '../server/support/test-server.js';

const PASSWORD = 'S3cret-camera-pass';
let server: TestServer;
let camera: RtspServer;
let sim: OnvifSimulator;

before(async () => {
  const clip = await makeClip({ width: 320, height: 180, fps: 25, seconds: 2 });
  camera = await startRtspServer({
    mounts: [{ path: '/stream1', source: clip.path, auth: { scheme: 'digest', user: 'admin', password: PASSWORD } }],
  });
  sim = await startOnvifSimulator({
    user: 'admin',
    password: PASSWORD,
    name: 'Tapo C200',
    hardware: 'C200',
    profiles: [
      {
        token: 'p1',
        name: 'main',
        encoding: 'H264',
        width: 320,
        height: 180,
        fps: 25,
        bitrateKbps: 300,
        uri: camera.url('/stream1'),
      },
    ],
  });
  server = await startTestServer({ tls: false });
  await server.ctx.users.set('watcher', 'watcher-password', 'viewer');
});

after(async () => {
  await server.close();
  await sim.close();
  await camera.close();
});

test('GET /discovery?host=&port= probes one address by unicast and lists the camera', async () => {
  const admin = await server.admin();
  const r = await admin.fetch('GET', `/api/v1/discovery?host=127.0.0.1&port=${sim.udpPort}&timeoutMs=500`);
  assert.equal(r.status, 200, r.text());
  const body = r.json() as DiscoveryResponse;
  assert.equal(body.mode, 'unicast');
  assert.deepEqual(
    body.cameras.map((c) => [c.address, c.name, c.model, c.xaddr, c.brandHint]),
    [['127.0.0.1', 'Tapo C200', 'C200', sim.xaddr, 'tapo']],
  );
  assert.ok(body.durationMs < 3000);
});

test('POST /discovery/stream-uris answers the profiles and never the password', async () => {
  const admin = await server.admin();
  const r = await admin.fetch('POST', '/api/v1/discovery/stream-uris', {
    xaddr: sim.xaddr,
    user: 'admin',
    password: PASSWORD,
  });
  assert.equal(r.status, 200, r.text());
  const body = r.json() as StreamUrisResponse;
  assert.equal(body.mainUri, camera.url('/stream1'));
  assert.equal(body.subUri, null);
  assert.equal(body.profiles.length, 1);
  assert.ok(!r.text().includes(PASSWORD), 'the password is not echoed');

  const wrong = await admin.fetch('POST', '/api/v1/discovery/stream-uris', {
    xaddr: sim.xaddr,
    user: 'admin',
    password: 'nope',
  });
  assert.equal(wrong.status, 502);
  const error = (wrong.json() as ApiErrorBody).error;
  assert.equal(error.code, 'ONVIF_AUTH_REFUSED');
  assert.match(error.message, /the camera refused the credentials/);
  assert.ok(!wrong.text().includes('nope'));
});

test('POST /discovery/url-patterns tries brand paths with DESCRIBE', async () => {
  const admin = await server.admin();
  const r = await admin.fetch('POST', '/api/v1/discovery/url-patterns', {
    host: '127.0.0.1',
    port: camera.port,
    user: 'admin',
    password: PASSWORD,
    patterns: ['tapo', 'hikvision'],
  });
  assert.equal(r.status, 200, r.text());
  const body = r.json() as UrlPatternCheckResponse;
  assert.deepEqual(
    body.checks.map((c) => [c.patternId, c.stream, c.outcome]),
    [
      ['tapo', 'main', 'ok'],
      ['tapo', 'sub', 'not-found'],
      ['hikvision', 'main', 'not-found'],
      ['hikvision', 'sub', 'not-found'],
    ],
  );
  assert.ok(!r.text().includes(PASSWORD));
});

test('viewers are refused (403) and bad input is a clear 400', async () => {
  const viewer = server.client();
  assert.equal((await viewer.signIn('watcher', 'watcher-password')).status, 200);
  for (const [method, path] of [
    ['GET', '/api/v1/discovery?host=127.0.0.1'],
    ['POST', '/api/v1/discovery/stream-uris'],
    ['POST', '/api/v1/discovery/url-patterns'],
  ] as const) {
    const r = await viewer.fetch(method, path, method === 'POST' ? { xaddr: sim.xaddr, host: '127.0.0.1' } : undefined);
    assert.equal(r.status, 403, `${method} ${path}`);
  }
  const admin = await server.admin();
  const cases: Array<[string, string, unknown, RegExp]> = [
    ['GET', '/api/v1/discovery?timeoutMs=99999', undefined, /"timeoutMs" must be a whole number from 100 to 10000/],
    ['GET', '/api/v1/discovery?host=a%20b', undefined, /"host" must be a host name or an IP address/],
    ['GET', '/api/v1/discovery?port=3702', undefined, /"port" needs "host"/],
    ['POST', '/api/v1/discovery/stream-uris', {}, /"xaddr" .* is required/],
    ['POST', '/api/v1/discovery/stream-uris', { xaddr: 'ftp://x/' }, /is http:\/\/ or https:\/\//],
    ['POST', '/api/v1/discovery/stream-uris', { xaddr: sim.xaddr, password: 5 }, /"password" must be a string/],
    ['POST', '/api/v1/discovery/url-patterns', { host: '127.0.0.1', patterns: ['nokia'] }, /no URL pattern "nokia"/],
    ['POST', '/api/v1/discovery/url-patterns', { host: 'x/y' }, /"host" must be a host name/],
    [
      'POST',
      '/api/v1/discovery/url-patterns',
      { host: 'h', channel: 0 },
      /"channel" must be a whole number from 1 to 64/,
    ],
  ];
  for (const [method, path, body, message] of cases) {
    const r = await admin.fetch(method, path, body);
    assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.text()}`);
    const error = (r.json() as ApiErrorBody).error;
    assert.ok(error.code === 'BAD_REQUEST' || error.code === 'URL_INVALID', error.code);
    assert.match(error.message, message);
  }
});
