import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigErrorsBody, ConfigSaveResponse, StreamsResponse } from '../../src-shared/api.js';
import type { ServerTextMessage } from '../../src-shared/live-wire.js';
import { REDACTED } from '../../src-shared/config/secrets.js';
import { startRuntime } from '../../src-main/runtime/runtime.js';
import { ClipSource } from '../server/support/clip-source.js';
import { makeClip } from '../server/support/clip-units.js';
import { TestClient, socketEvent } from '../server/support/http-client.js';
import { TEST_SCRYPT } from '../server/support/test-server.js';

const clip = makeClip({ gop: 10, seconds: 2 });

function configWith(cameras: Array<{ uid: string; sids: string[]; pass?: string; uri?: string }>): object {
  return {
    context: { filesystem: { streams: { rootPath: 'recordings' } } },
    server: {
      streamsGrps: [
        {
          uid: 'home',
          name: 'Home',
          streams: cameras.map((c) => ({
            device: { uid: c.uid, name: `Camera ${c.uid}`, user: 'admin', pass: c.pass ?? 'cam-secret' },
            versions: c.sids.map((sid) => ({ sid, uri: c.uri ?? `rtsp://127.0.0.1:9/${c.uid}/${sid}` })),
          })),
        },
      ],
    },
    http: { ports: [{ port: 0, ssl: { isDisabled: true } }] },
  };
}

async function withRuntime(
  body: (ctx: {
    admin: TestClient;
    sources: Map<string, ClipSource>;
    dir: string;
    runtime: Awaited<ReturnType<typeof startRuntime>>;
  }) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-runtime-'));
  const configPath = join(dir, 'cfg.json');
  writeFileSync(configPath, JSON.stringify(configWith([{ uid: 'cam-a', sids: ['1-high', '2-low'] }]), null, 2));
  const sources = new Map<string, ClipSource>();
  const runtime = await startRuntime({
    configPath,
    host: '127.0.0.1',
    httpPort: 0,
    udpPorts: { rtpPort: 0, rtcpPort: 0 },
    rendererDir: dir,
    log: () => {},
    factories: {
      source: (version) => {
        const s = new ClipSource(version.streamId, clip);
        sources.set(version.streamId, s);
        return s;
      },
    },
  });
  try {
    // A cheap hash for the test admin: set it through the store the runtime reads.
    const { UsersStore } = await import('../../src-main/server/auth/users-store.js');
    const users = await UsersStore.open(dir, { scrypt: TEST_SCRYPT });
    await users.set('admin', 'admin-password', 'admin');
    const admin = new TestClient(runtime.url);
    assert.equal((await admin.signIn('admin', 'admin-password')).status, 200);
    await body({ admin, sources, dir, runtime });
  } finally {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the runtime starts one source per enabled version and serves them', async () => {
  await withRuntime(async ({ admin, sources }) => {
    assert.deepEqual([...sources.keys()], ['cam-a/1-high', 'cam-a/2-low']);
    const streams = (await admin.fetch('GET', '/api/v1/streams')).json() as StreamsResponse;
    assert.equal(streams.cameras.length, 1);
    assert.equal(streams.cameras[0]!.name, 'Camera cam-a');
    assert.deepEqual(
      streams.cameras[0]!.versions.map((v) => [v.streamId, v.status.state]),
      [
        ['cam-a/1-high', 'live'],
        ['cam-a/2-low', 'live'],
      ],
    );
  });
});

test('config read redacts passwords; a write changes only the cameras that changed, without a restart', async () => {
  await withRuntime(async ({ admin, sources, dir }) => {
    const read = (await admin.fetch('GET', '/api/v1/config')).json() as ReturnType<typeof configWith> & {
      server: { streamsGrps: Array<{ streams: Array<{ device: { pass: string } }> }> };
    };
    assert.equal(read.server.streamsGrps[0]!.streams[0]!.device.pass, REDACTED);
    assert.doesNotMatch(JSON.stringify(read), /cam-secret/);

    // A viewer of the camera that will be removed.
    const ws = admin.websocket('/api/v1/live/cam-a/2-low');
    const texts: ServerTextMessage[] = [];
    ws.on('message', (d: Buffer, binary) => !binary && texts.push(JSON.parse(d.toString()) as ServerTextMessage));
    await socketEvent(ws, 'open');
    const wsClosed = socketEvent(ws, 'close');
    const high = sources.get('cam-a/1-high')!;

    // Keep cam-a's password (sent back REDACTED), drop its low version, add cam-b.
    const next = configWith([
      { uid: 'cam-a', sids: ['1-high'], pass: REDACTED },
      { uid: 'cam-b', sids: ['main'], pass: 'b-secret' },
    ]);
    const put = await admin.fetch('PUT', '/api/v1/config', next);
    assert.equal(put.status, 200, put.text());
    assert.deepEqual(put.json() as ConfigSaveResponse, { applied: 'live', restartReasons: [] });
    assert.equal(sources.get('cam-a/1-high'), high, 'the unchanged stream kept its connection');
    assert.equal(high.closed, false);
    assert.equal(sources.get('cam-a/2-low')!.closed, true, 'the removed version was stopped');
    assert.ok(sources.has('cam-b/main'), 'the new camera started');
    await wsClosed;
    assert.equal(texts.at(-1)?.type, 'end');

    // The file keeps no clear password: secrets went to the key store.
    const saved = readFileSync(join(dir, 'cfg.json'), 'utf8');
    assert.doesNotMatch(saved, /cam-secret|b-secret/);
    assert.match(saved, /\$secret\./);

    // Changing a camera's URL restarts only that camera.
    const changed = configWith([
      { uid: 'cam-a', sids: ['1-high'], pass: REDACTED },
      { uid: 'cam-b', sids: ['main'], pass: REDACTED, uri: 'rtsp://127.0.0.1:10/other' },
    ]);
    const b = sources.get('cam-b/main')!;
    assert.equal((await admin.fetch('PUT', '/api/v1/config', changed)).status, 200);
    assert.equal(b.closed, true);
    assert.notEqual(sources.get('cam-b/main'), b);
    assert.equal(sources.get('cam-a/1-high'), high);
  });
});

test('an invalid config is refused with every problem and its path; nothing changes', async () => {
  await withRuntime(async ({ admin, sources, dir }) => {
    const before = readFileSync(join(dir, 'cfg.json'), 'utf8');
    const bad = configWith([
      { uid: 'cam-a', sids: ['1-high', '1-high'], pass: REDACTED, uri: 'http://not-rtsp' },
      { uid: 'cam-new', sids: ['x'], pass: REDACTED },
    ]);
    const r = await admin.fetch('PUT', '/api/v1/config', bad);
    assert.equal(r.status, 400);
    const body = r.json() as ConfigErrorsBody;
    assert.equal(body.error.code, 'CONFIG_INVALID');
    assert.ok(body.errors.length >= 1);
    for (const e of body.errors) assert.ok(e.path && e.path.length > 0, `each error has a path: ${e.message}`);
    assert.equal(readFileSync(join(dir, 'cfg.json'), 'utf8'), before, 'the file is untouched');
    assert.equal(sources.get('cam-a/2-low')!.closed, false, 'the streams are untouched');

    const invalid = configWith([{ uid: 'cam-a', sids: ['1-high', '1-high'], uri: 'http://not-rtsp' }]);
    const r2 = await admin.fetch('PUT', '/api/v1/config', invalid);
    assert.equal(r2.status, 400);
    const paths = (r2.json() as ConfigErrorsBody).errors.map((e) => e.path);
    assert.ok(
      paths.some((p) => p?.includes('versions[1]')),
      `duplicate sid reported by path: ${paths.join(', ')}`,
    );
    assert.ok(
      paths.some((p) => p?.includes('uri')),
      `bad uri reported by path: ${paths.join(', ')}`,
    );
  });
});

test('closing the runtime stops every source and leaves no handle open', async () => {
  const before = process.getActiveResourcesInfo();
  let sourcesSeen: ClipSource[] = [];
  await withRuntime(async ({ sources }) => {
    sourcesSeen = [...sources.values()];
  });
  assert.ok(sourcesSeen.every((s) => s.closed));
  await new Promise((r) => setTimeout(r, 50));
  const after = process.getActiveResourcesInfo();
  const counts = (list: string[]): Record<string, number> =>
    list.reduce<Record<string, number>>((m, r) => ((m[r] = (m[r] ?? 0) + 1), m), {});
  const was = counts(before);
  for (const [kind, n] of Object.entries(counts(after))) {
    assert.ok(n <= (was[kind] ?? 0), `${kind}: ${n} open after close, ${was[kind] ?? 0} before start`);
  }
});
