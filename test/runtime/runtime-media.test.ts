/**
 * Recordings through the runtime: a clip played in real time into the hub is recorded by the real recorder,
 * then listed, exported (checked by ffprobe), played back over the WebSocket with seek/pause/step, and the
 * live stream is served as fragmented MP4 that ffprobe reads.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type WebSocket from 'ws';
import type { ApiErrorBody, RecordingsResponse, TelemetryResponse } from '../../src-shared/api.js';
import { readAccessUnitMessage, type ServerTextMessage } from '../../src-shared/live-wire.js';
import { startRuntime, type Runtime } from '../../src-main/runtime/runtime.js';
import { UsersStore } from '../../src-main/server/auth/users-store.js';
import { ClipSource } from '../server/support/clip-source.js';
import { makeClip } from '../server/support/clip-units.js';
import { TestClient } from '../server/support/http-client.js';
import { TEST_SCRYPT } from '../server/support/test-server.js';

const ID = 'cam-a/1-high';
let dir: string;
let runtime: Runtime;
let admin: TestClient;
let startedMs: number;
/** Start of the first recorded segment (the recorder starts at the first keyframe after the storage scan). */
let recordedMs: number;

before(async () => {
  const clip = makeClip({ width: 640, height: 360, gop: 25, seconds: 4, bitrateKbps: 800 });
  dir = mkdtempSync(join(tmpdir(), 'thinstream-runtime-media-'));
  const configPath = join(dir, 'cfg.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      context: { filesystem: { streams: { rootPath: 'recordings' } } },
      server: {
        streamsGrps: [
          {
            uid: 'home',
            name: 'Home',
            streams: [
              { device: { uid: 'cam-a', name: 'A' }, versions: [{ sid: '1-high', uri: 'rtsp://127.0.0.1:9/a' }] },
            ],
          },
        ],
      },
      http: { ports: [{ port: 0, ssl: { isDisabled: true } }] },
    }),
  );
  startedMs = Date.now();
  runtime = await startRuntime({
    configPath,
    host: '127.0.0.1',
    httpPort: 0,
    udpPorts: { rtpPort: 0, rtcpPort: 0 },
    rendererDir: dir,
    log: () => {},
    factories: { source: (v) => new ClipSource(v.streamId, clip) },
  });
  await (await UsersStore.open(dir, { scrypt: TEST_SCRYPT })).set('admin', 'admin-password', 'admin');
  admin = new TestClient(runtime.url);
  assert.equal((await admin.signIn('admin', 'admin-password')).status, 200);
  await new Promise((r) => setTimeout(r, 4500)); // 4.5 s of recording
  const list = await admin.fetch(
    'GET',
    `/api/v1/recordings/${ID}?from=${startedMs - 60_000}&to=${Date.now() + 60_000}`,
  );
  recordedMs = (list.json() as RecordingsResponse).segments[0]?.startMs ?? startedMs;
});

after(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

function ffprobe(file: string): { codec: string; width: number; frames: number; duration: number } {
  const out = execFileSync(
    'ffprobe',
    [
      ...['-v', 'error', '-select_streams', 'v:0', '-count_frames'],
      ...['-show_entries', 'stream=codec_name,width,nb_read_frames:format=duration', '-of', 'json', file],
    ],
    { encoding: 'utf8' },
  );
  const j = JSON.parse(out) as {
    streams: Array<{ codec_name: string; width: number; nb_read_frames: string }>;
    format: { duration?: string };
  };
  return {
    codec: j.streams[0]!.codec_name,
    width: j.streams[0]!.width,
    frames: Number(j.streams[0]!.nb_read_frames),
    duration: Number(j.format.duration ?? 0),
  };
}

function ffprobeErrors(file: string): string {
  const r = spawnSync('ffprobe', ['-v', 'error', '-show_frames', '-of', 'csv', file], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  return r.stderr;
}

test('recordings are listed between two times', async () => {
  const r = await admin.fetch('GET', `/api/v1/recordings/${ID}?from=${startedMs - 60_000}&to=${Date.now() + 60_000}`);
  assert.equal(r.status, 200, r.text());
  const body = r.json() as RecordingsResponse;
  assert.equal(body.streamId, ID);
  assert.ok(body.segments.length >= 1);
  const first = body.segments[0]!;
  assert.ok(first.frames >= 50, `frames recorded so far: ${first.frames}`);
  assert.ok(first.startMs >= startedMs - 1000 && first.endMs <= Date.now());
});

test('telemetry reports the bytes and the time span of the recordings kept, as the catalog has them', async () => {
  const r = await admin.fetch('GET', '/api/v1/telemetry');
  assert.equal(r.status, 200, r.text());
  const storage = (r.json() as TelemetryResponse).storage;
  const list = await admin.fetch(
    'GET',
    `/api/v1/recordings/${ID}?from=${startedMs - 60_000}&to=${Date.now() + 60_000}`,
  );
  const segments = (list.json() as RecordingsResponse).segments;
  const bytes = segments.reduce((n, s) => n + s.bytes, 0);
  // The open segment grows between the two requests: telemetry came first, so it is at most the list's sum.
  assert.ok(
    storage.usedBytes > 100_000 && storage.usedBytes <= bytes,
    `usedBytes ${storage.usedBytes}, files ${bytes}`,
  );
  assert.equal(storage.oldestMs, segments[0]!.startMs);
  assert.ok(storage.newestMs !== null && storage.newestMs > storage.oldestMs! + 2000, `newest ${storage.newestMs}`);
  assert.ok(storage.newestMs <= Date.now());
  assert.ok(storage.freeBytes > 0);
});

test('export streams an MP4 attachment that ffprobe plays without errors', async () => {
  const fromMs = startedMs;
  const toMs = Date.now();
  const r = await admin.fetch('GET', `/api/v1/export/${ID}?from=${fromMs}&to=${toMs}`);
  assert.equal(r.status, 200, r.text().slice(0, 300));
  assert.equal(r.headers['content-type'], 'video/mp4');
  assert.match(String(r.headers['content-disposition']), /^attachment; filename="cam-a_1-high_.*\.mp4"$/);
  const file = join(dir, 'export.mp4');
  writeFileSync(file, r.body);
  const probe = ffprobe(file);
  assert.equal(probe.codec, 'h264');
  assert.equal(probe.width, 640);
  assert.ok(probe.frames >= 75, `frames in the export: ${probe.frames}`);
  assert.equal(ffprobeErrors(file), '', 'no decode errors');
  const none = await admin.fetch('GET', `/api/v1/export/${ID}?from=1000000000000&to=1000000060000`);
  assert.equal(none.status, 404);
  assert.equal((none.json() as ApiErrorBody).error.code, 'RECORDING_NOT_FOUND');
});

interface PlaybackLog {
  texts: ServerTextMessage[];
  units: Array<{ keyframe: boolean; wallMs: number; at: number }>;
  order: string[];
}

function watch(ws: WebSocket): PlaybackLog {
  const log: PlaybackLog = { texts: [], units: [], order: [] };
  ws.on('message', (data: Buffer, binary) => {
    if (!binary) {
      const m = JSON.parse(data.toString()) as ServerTextMessage;
      log.texts.push(m);
      log.order.push(m.type);
      return;
    }
    const u = readAccessUnitMessage(data)!;
    log.units.push({ keyframe: u.header.keyframe, wallMs: u.header.wallMs, at: Date.now() });
    log.order.push(u.header.keyframe ? 'K' : 'P');
  });
  return log;
}

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('playback: from a time at 1×, paced; pause; step; seek; speed 0 runs as fast as the viewer reads', async () => {
  const ws = admin.websocket(`/api/v1/playback/${ID}?from=${recordedMs + 1500}&speed=1`);
  const log = watch(ws);
  await until('the first unit', () => log.units.length > 0);
  assert.equal(log.order[0], 'description');
  const description = log.texts[0];
  assert.ok(description?.type === 'description' && description.mode === 'playback' && description.width === 640);
  assert.equal(log.order[1], 'K', 'playback starts at a keyframe');
  assert.ok(log.units[0]!.wallMs <= recordedMs + 1500, 'at the keyframe at or before the time asked');
  assert.ok(log.units[0]!.wallMs > recordedMs + 400, 'not at the start of the recording (keyframes every second)');
  await new Promise((r) => setTimeout(r, 1000));
  const paced = log.units.length;
  assert.ok(paced >= 10 && paced <= 50, `about 25 units in a second at 1× (not the 110 recorded), got ${paced}`);

  ws.send(JSON.stringify({ type: 'pause' }));
  await until('paused', () => log.texts.some((t) => t.type === 'state' && t.state === 'paused'));
  await new Promise((r) => setTimeout(r, 100));
  const atPause = log.units.length;
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(log.units.length, atPause, 'nothing is sent while paused');

  const position = log.units.at(-1)!.wallMs;
  ws.send(JSON.stringify({ type: 'step', direction: 'next-keyframe' }));
  await until('the stepped keyframe', () => log.units.length === atPause + 1);
  const stepped = log.units.at(-1)!;
  assert.ok(stepped.keyframe && stepped.wallMs > position, 'one unit: the next keyframe');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(log.units.length, atPause + 1, 'still paused after the step');

  ws.send(JSON.stringify({ type: 'seek', timeMs: recordedMs }));
  ws.send(JSON.stringify({ type: 'speed', speed: 0 }));
  ws.send(JSON.stringify({ type: 'resume' }));
  const beforeSeek = log.order.length;
  await until('the end of the recordings', () => log.texts.some((t) => t.type === 'end'), 10_000);
  const afterSeek = log.order.slice(beforeSeek).filter((o) => o !== 'state');
  assert.equal(afterSeek[0], 'description', 'a seek sends the description again');
  assert.equal(afterSeek[1], 'K', 'then a keyframe');
  assert.ok(afterSeek.filter((o) => o === 'K' || o === 'P').length >= 90, 'the whole recording, fast');

  ws.send('not json');
  await until('an error message', () => log.texts.some((t) => t.type === 'error'));
  ws.close();
});

test('live fragmented MP4 over HTTP opens in ffprobe', async () => {
  const file = join(dir, 'live.mp4');
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    const url = new URL(`/live/${ID}.mp4`, runtime.url);
    const req = httpRequest(url, { headers: { cookie: admin.cookie! } }, (res) => {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'video/mp4');
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      setTimeout(() => {
        req.destroy();
        resolve(Buffer.concat(chunks));
      }, 2000);
    });
    req.on('error', (err) => (err.message.includes('socket hang up') ? undefined : reject(err)));
    req.end();
  });
  writeFileSync(file, bytes);
  const probe = ffprobe(file);
  assert.equal(probe.codec, 'h264');
  assert.equal(probe.width, 640);
  assert.ok(probe.frames >= 40, `about 2 s of frames (the cached GOP and live), got ${probe.frames}`);
  await until('the viewer is gone', () => runtime.hub.stats().viewers === 0);
});

test('live HLS: a playlist of fMP4 segments that start at keyframes, which ffmpeg plays; nothing without sign-in', async () => {
  const base = `/hls/${ID}`;
  assert.equal((await new TestClient(runtime.url).fetch('GET', `${base}/index.m3u8`)).status, 401);
  assert.equal((await new TestClient(runtime.url).fetch('GET', `${base}/init-1.mp4`)).status, 401);
  const first = await admin.fetch('GET', `${base}/index.m3u8`);
  assert.equal(first.status, 200, first.text());
  assert.equal(first.headers['content-type'], 'application/vnd.apple.mpegurl');
  assert.equal(first.headers['cache-control'], 'no-store');
  // Wait for a few segments (one per 1-s GOP of the clip).
  let playlist = first.text();
  for (let i = 0; i < 40 && (playlist.match(/\.m4s/g) ?? []).length < 3; i++) {
    await new Promise((r) => setTimeout(r, 250));
    playlist = (await admin.fetch('GET', `${base}/index.m3u8`)).text();
  }
  const lines = playlist.trimEnd().split('\n');
  assert.equal(lines[0], '#EXTM3U');
  assert.ok(lines.includes('#EXT-X-VERSION:7') && lines.includes('#EXT-X-TARGETDURATION:6'), playlist);
  const map = /#EXT-X-MAP:URI="(init-\d+\.mp4)"/.exec(playlist);
  assert.ok(map, playlist);
  const names = lines.filter((l) => l.endsWith('.m4s'));
  const durations = lines.filter((l) => l.startsWith('#EXTINF:')).map((l) => Number(l.slice(8, -1)));
  assert.ok(names.length >= 3, playlist);
  for (const d of durations) assert.ok(d > 0.9 && d < 1.1, `a GOP of the clip is 1 s: ${d}`);
  const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)![1]);
  assert.equal(names[0], `${sequence}.m4s`);

  // Each segment, behind the init segment, is a file that decodes from its first frame, a keyframe.
  const init = await admin.fetch('GET', `${base}/${map[1]}`);
  assert.equal(init.status, 200);
  for (const name of names.slice(0, 2)) {
    const seg = await admin.fetch('GET', `${base}/${name}`);
    assert.equal(seg.status, 200);
    const file = join(dir, `hls-${name}.mp4`);
    writeFileSync(file, Buffer.concat([init.body, seg.body]));
    const out = execFileSync(
      'ffprobe',
      ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=key_frame', '-of', 'default=nw=1:nk=1', file],
      { encoding: 'utf8' },
    );
    const keys = out.trim().split('\n');
    assert.equal(keys[0], '1', `${name} starts with a keyframe`);
    assert.ok(keys.length >= 24 && keys.length <= 26, `${name}: ${keys.length} frames`);
    assert.equal(ffprobeErrors(file), '');
  }
  assert.equal((await admin.fetch('GET', `${base}/99999.m4s`)).status, 404);
  assert.equal((await admin.fetch('GET', `${base}/..%2F..%2Fcfg.json`)).status, 404);

  // ffmpeg as the HLS client: it follows the live playlist and decodes what it is given, without an error.
  // (Asynchronously: the server answering it runs in this process.)
  const played = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const args = [
      ...['-v', 'error', '-headers', `Cookie: ${admin.cookie!}\r\n`, '-live_start_index', '0'],
      ...['-i', new URL(`${base}/index.m3u8`, runtime.url).href, '-t', '3', '-f', 'framemd5', '-'],
    ];
    execFile('ffmpeg', args, { encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr }),
    );
  });
  assert.equal(played.code, 0, played.stderr || 'ffmpeg failed');
  assert.equal(played.stderr, '');
  const frames = played.stdout.split('\n').filter((l) => /^0,/.test(l)).length;
  assert.ok(frames >= 70, `3 s at 25 fps decoded, got ${frames}`);
});
