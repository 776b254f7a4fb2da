/**
 * The whole server against a real camera (GStreamer's RTSP server, x264) over real TLS with certificates the
 * runtime made itself: sign-in, live WebSocket viewers sharing one camera connection, the TLS chain checked by
 * openssl, client certificates issued, used and revoked through the API, export checked by ffprobe.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import {
  API_ROUTES,
  type ApiErrorBody,
  type ProbeResult,
  type SessionInfo,
  type StreamsResponse,
  type TelemetryResponse,
} from '../../src-shared/api.js';
import { readAccessUnitMessage, type ServerTextMessage } from '../../src-shared/live-wire.js';
import { startRuntime, type Runtime } from '../../src-main/runtime/runtime.js';
import { UsersStore } from '../../src-main/server/auth/users-store.js';
import { startGstCamera, type GstCamera } from '../support/gst-camera.js';
import { TestClient, socketEvent } from '../server/support/http-client.js';
import { TEST_SCRYPT } from '../server/support/test-server.js';
import { sClient } from '../server/support/openssl.js';

const ID = 'cam-door/1-high';
let dir: string;
let camera: GstCamera;
let runtime: Runtime;
let admin: TestClient;
let liveSinceMs = 0;
const logLines: string[] = [];

async function until<T>(
  what: string,
  check: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'thinstream-server-gst-'));
  camera = await startGstCamera({ auth: 'digest', protocols: ['tcp'], width: 640, height: 360, fps: 25, gop: 25 });
  const configPath = join(dir, 'cfg.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        context: {
          filesystem: { streams: { rootPath: 'recordings' } },
          caCert: { path: 'certs/ca.der', key: { pass: 'ca-pass', path: 'certs/ca.p12', name: 'ca' } },
        },
        server: {
          defaults: {
            streams: { params: { rtsp: { transport: 'tcp' }, write: { files: { payload: { divider: '5s' } } } } },
          },
          streamsGrps: [
            {
              uid: 'home',
              name: 'Home',
              streams: [
                {
                  device: { uid: 'cam-door', name: 'Door', user: 'admin', pass: 'secret' },
                  versions: [{ sid: '1-high', uri: camera.url }],
                },
              ],
            },
          ],
        },
        http: {
          ports: [
            {
              port: 0,
              ssl: {
                isDisabled: false,
                cert: {
                  isRequested: true,
                  isRequired: false,
                  source: {
                    path: 'certs/https.der',
                    key: { pass: 'https-pass', path: 'certs/https.p12', name: 'https' },
                  },
                },
              },
            },
          ],
        },
      },
      null,
      2,
    ),
  );
  runtime = await startRuntime({
    configPath,
    host: '127.0.0.1',
    httpPort: 0,
    udpPorts: { rtpPort: 0, rtcpPort: 0 },
    rendererDir: dir,
    log: (line) => {
      if (logLines.length < 2000 && !line.startsWith('http:')) logLines.push(`${Date.now() % 100_000} ${line}`);
    },
  });
  await (await UsersStore.open(dir, { scrypt: TEST_SCRYPT })).set('admin', 'admin-password', 'admin');
  admin = new TestClient(runtime.url, { ca: runtime.caPem! });
  assert.equal((await admin.signIn('admin', 'admin-password')).status, 200);
  await until('the camera to be live', () => runtime.hub.status(ID)?.state === 'live', 20_000);
  liveSinceMs = Date.now();
});

after(async () => {
  await runtime?.close();
  await camera?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function collect(ws: WebSocket): { order: string[]; texts: ServerTextMessage[]; firstUnitMs: number | null } {
  const got = { order: [] as string[], texts: [] as ServerTextMessage[], firstUnitMs: null as number | null };
  ws.on('message', (data: Buffer, binary) => {
    if (!binary) {
      const m = JSON.parse(data.toString()) as ServerTextMessage;
      got.texts.push(m);
      got.order.push(m.type);
      return;
    }
    const unit = readAccessUnitMessage(data)!;
    got.firstUnitMs ??= Date.now();
    got.order.push(unit.header.keyframe ? 'K' : 'P');
  });
  return got;
}

/** Established TCP connections to the camera's RTSP port, as the kernel sees them. */
function connectionsToCamera(): number {
  const out = spawnSync('ss', ['-Htn', 'state', 'established', `( dport = :${camera.port} )`], { encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

test('the API lists the camera live, and every protected route still needs a session', async () => {
  const streams = (await admin.fetch('GET', '/api/v1/streams')).json() as StreamsResponse;
  const version = streams.cameras[0]?.versions[0];
  assert.equal(version?.streamId, ID);
  assert.equal(version.status.state, 'live');
  assert.equal(version.status.video?.width, 640);
  const anonymous = new TestClient(runtime.url, { ca: runtime.caPem! });
  for (const route of API_ROUTES.filter((r) => r.auth)) {
    const path = route.path
      .replace(':deviceUid', 'cam-door')
      .replace(':versionSid', '1-high')
      .replace(':username', 'x')
      .replace(':serial', '01');
    const r = await anonymous.fetch(route.method, path, route.method === 'GET' ? undefined : {});
    assert.equal(r.status, 401, `${route.method} ${route.path}`);
  }
});

test('a WebSocket viewer gets the description and a keyframe first within 1 s; two viewers share one camera connection', async () => {
  assert.equal(connectionsToCamera(), 1, 'one RTSP connection before any viewer');
  const t0 = Date.now();
  const a = admin.websocket(`/api/v1/live/${ID}`);
  const b = admin.websocket(`/api/v1/live/${ID}`);
  const gotA = collect(a);
  const gotB = collect(b);
  await until('frames on both viewers', () => gotA.firstUnitMs !== null && gotB.firstUnitMs !== null, 5000);
  assert.ok(gotA.firstUnitMs! - t0 < 1000, `first frame after ${gotA.firstUnitMs! - t0} ms`);
  for (const got of [gotA, gotB]) {
    assert.equal(got.order[0], 'description');
    assert.equal(got.order[1], 'K');
    const d = got.texts[0];
    assert.ok(d?.type === 'description' && d.width === 640 && d.height === 360 && d.codecString.startsWith('avc1.'));
  }
  await until('a second of video on both', () => gotA.order.length > 25 && gotB.order.length > 25, 5000);
  assert.equal(connectionsToCamera(), 1, 'still one RTSP connection with two viewers and the recorder');
  assert.equal(runtime.hub.status(ID)?.counters.reconnects, 0);
  a.close();
  b.close();
  await Promise.all([socketEvent(a, 'close'), socketEvent(b, 'close')]);
});

test('openssl s_client verifies the port against the CA the runtime made', async () => {
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, runtime.caPem!);
  const port = new URL(runtime.url).port;
  const result = await sClient([
    ...['-connect', `127.0.0.1:${port}`, '-servername', 'localhost'],
    ...['-verify_return_error', '-CAfile', caFile],
  ]);
  assert.equal(result.status, 0, result.stderr);
  const stdout = result.stdout;
  assert.match(stdout, /Verify return code: 0 \(ok\)/);
});

test('a client certificate issued through the API signs a device in; once revoked it is refused', async () => {
  const issued = await admin.fetch('POST', '/api/v1/certs/clients', { name: 'kitchen-tablet', password: 'p12-pass' });
  assert.equal(issued.status, 200, issued.text());
  assert.equal(issued.headers['content-type'], 'application/x-pkcs12');
  const serial = String(issued.headers['x-certificate-serial']);
  const device = new TestClient(runtime.url, { ca: runtime.caPem!, pfx: issued.body, passphrase: 'p12-pass' });
  const session = await device.fetch('GET', '/api/v1/session');
  assert.equal(session.status, 200);
  assert.deepEqual(session.json() as SessionInfo, {
    username: 'kitchen-tablet',
    role: 'viewer',
    via: 'client-certificate',
  });
  assert.equal((await device.fetch('GET', '/api/v1/streams')).status, 200);

  const list = (await admin.fetch('GET', '/api/v1/certs')).json() as {
    clients: Array<{ serial: string; revoked: boolean }>;
  };
  assert.ok(list.clients.some((c) => c.serial === serial && !c.revoked));
  assert.equal((await admin.fetch('POST', `/api/v1/certs/clients/${serial}/revoke`)).status, 204);
  const refused = await device.fetch('GET', '/api/v1/streams');
  assert.equal(refused.status, 403);
  assert.equal((refused.json() as ApiErrorBody).error.code, 'CERT_REVOKED');
  const after = (await admin.fetch('GET', '/api/v1/certs')).json() as {
    clients: Array<{ serial: string; revoked: boolean }>;
  };
  assert.ok(after.clients.some((c) => c.serial === serial && c.revoked));
});

test('"Test connection" probes a camera, with the stored password when the editor sends none', async () => {
  const withStored = await admin.fetch('POST', '/api/v1/probe', {
    url: camera.url,
    deviceUid: 'cam-door',
    seconds: 1,
    transport: 'tcp',
  });
  assert.equal(withStored.status, 200, withStored.text());
  const result = withStored.json() as ProbeResult;
  assert.equal(result.codec, 'h264');
  assert.equal(result.width, 640);
  assert.equal(result.height, 360);
  assert.ok(result.frames > 0);
  const wrong = await admin.fetch('POST', '/api/v1/probe', {
    url: camera.url,
    user: 'admin',
    password: 'wrong',
    seconds: 1,
  });
  assert.equal(wrong.status, 502);
  assert.equal((wrong.json() as ApiErrorBody).error.code, 'RTSP_AUTH_REFUSED');
});

test('telemetry reports the stream, the storage and the server', async () => {
  const t = (await admin.fetch('GET', '/api/v1/telemetry')).json() as TelemetryResponse;
  const stream = t.streams.find((s) => s.streamId === ID);
  assert.equal(stream?.state, 'live');
  assert.ok(stream.counters.frames > 50, `counters are current: ${stream.counters.frames} frames`);
  assert.ok(stream.counters.fps > 15 && stream.counters.bitrateKbps > 0, `fps ${stream.counters.fps}`);
  const listed = (await admin.fetch('GET', '/api/v1/streams')).json() as StreamsResponse;
  assert.ok(listed.cameras[0]!.versions[0]!.status.counters.frames > 50, 'the streams list has current counters too');
  assert.ok(t.storage.freeBytes > 0);
  assert.ok(t.storage.rootPath.endsWith('recordings'));
  assert.ok(t.server.connections >= 1);
  // Memory: the process as the OS sees it, and the video slabs the live camera's NAL units are in.
  assert.ok(t.memory.rssBytes > t.memory.heapUsedBytes && t.memory.heapUsedBytes > 0);
  const slabs = t.memory.slabs;
  assert.equal(slabs.slabBytes, 128 * 1024);
  assert.ok(slabs.made > 0 && slabs.inUse > 0, `the camera's units are in slabs: ${JSON.stringify(slabs)}`);
  assert.ok(slabs.inUse + slabs.free <= slabs.made);
  assert.equal(slabs.misuse, 0);
  // The two live viewers before got their units in pooled WebSocket buffers, all given back once they left.
  const frames = t.memory.wsFrames;
  assert.ok(frames.made > 0 && frames.reused > frames.made, `buffers were reused: ${JSON.stringify(frames)}`);
  assert.equal(frames.inUse, 0);
  assert.equal(frames.misuse, 0);
});

test('export of the recorded camera plays in ffprobe', async () => {
  await until('4 s of recording', () => Date.now() - liveSinceMs > 4000, 10_000);
  const r = await admin.fetch('GET', `/api/v1/export/${ID}?from=${liveSinceMs - 5000}&to=${Date.now()}`);
  assert.equal(r.status, 200, r.text().slice(0, 300));
  const file = join(dir, 'export.mp4');
  writeFileSync(file, r.body);
  const probe = spawnSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height,nb_read_frames',
      '-of',
      'csv=p=0',
      file,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(probe.status, 0);
  assert.equal(probe.stderr, '', 'no decode errors');
  const [width, height, frames] = probe.stdout.trim().split(',').map(Number);
  assert.equal(width, 640);
  assert.equal(height, 360);
  const listed = await admin.fetch('GET', `/api/v1/recordings/${ID}?from=${liveSinceMs - 5000}&to=${Date.now()}`);
  assert.ok(frames! >= 75, `frames exported: ${frames}; recordings: ${listed.text()}; log:\n${logLines.join('\n')}`);
});
