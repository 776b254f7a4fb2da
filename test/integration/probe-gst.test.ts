/**
 * `thinstream probe` (the real CLI, as a child process) against GStreamer's RTSP server with a live x264
 * camera: what it reports over UDP and TCP with Digest and Basic auth, how it fails, and its frame count
 * against ffmpeg's over the same seconds.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { startGstCamera, type GstCamera } from '../support/gst-camera.js';
import { REPO_ROOT } from '../support/paths.js';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end, killed after `timeoutMs`. */
function run(command: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((res) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

const thinstream = (...args: string[]) => run(process.execPath, [resolve(REPO_ROOT, 'bin/thinstream.js'), ...args]);

interface ProbeJson {
  codec: string;
  profile: string | null;
  width: number;
  height: number;
  fps: number;
  frames: number;
  keyframes: number;
  bitrateKbps: number;
  lostPackets: number;
  transport: string;
  firstFrameMs: number;
  quirks: string[];
}

function parseJson(r: RunResult): ProbeJson {
  assert.equal(r.code, 0, `probe failed: ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'one JSON object on one line');
  const result = JSON.parse(lines[0]!) as ProbeJson;
  assert.deepEqual(Object.keys(result), [
    'codec',
    'profile',
    'width',
    'height',
    'fps',
    'frames',
    'keyframes',
    'bitrateKbps',
    'lostPackets',
    'transport',
    'firstFrameMs',
    'quirks',
  ]);
  return result;
}

const SECONDS = 2;

function assertHealthy(r: ProbeJson, transport: 'udp' | 'tcp'): void {
  assert.equal(r.codec, 'h264');
  assert.equal(r.width, 1280);
  assert.equal(r.height, 720);
  assert.ok(Math.abs(r.fps - 25) < 0.3, `fps ${r.fps} (one frame missing in 50 would make it 24.5)`);
  assert.equal(r.lostPackets, 0);
  assert.equal(r.transport, transport);
  // One frame when the first arrives, then 25 per second for SECONDS. A timer on a loaded machine fires
  // late, never early: a frame of slack below, a few above. (fps from RTP timestamps proves none missing.)
  assert.ok(r.frames >= 25 * SECONDS && r.frames <= 25 * SECONDS + 6, `frames ${r.frames}`);
  assert.ok(r.keyframes >= SECONDS, `keyframes ${r.keyframes} (GOP 25)`);
  assert.ok(r.bitrateKbps > 100, `bitrate ${r.bitrateKbps}`);
  assert.ok(r.firstFrameMs > 0 && r.firstFrameMs < 5000, `first frame after ${r.firstFrameMs} ms`);
}

describe('probe against a GStreamer camera with Digest auth', () => {
  let camera: GstCamera;
  before(async () => {
    camera = await startGstCamera({ auth: 'digest' });
  });
  after(() => camera.stop());

  test('reports 1280x720 at 25 fps with 0 lost packets over UDP', async () => {
    assertHealthy(
      parseJson(
        await thinstream('probe', camera.urlWithCredentials, '--transport', 'udp', '--seconds', `${SECONDS}`, '--json'),
      ),
      'udp',
    );
  });

  test('reports 1280x720 at 25 fps with 0 lost packets over TCP, credentials given as options', async () => {
    const r = await thinstream(
      'probe',
      camera.url,
      '--user',
      'admin',
      '--password',
      'secret',
      '--transport',
      'tcp',
      '--seconds',
      `${SECONDS}`,
      '--json',
    );
    assertHealthy(parseJson(r), 'tcp');
  });

  test('prints a readable table without --json', async () => {
    const r = await thinstream('probe', camera.urlWithCredentials, '--seconds', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^codec\s+h264 \(avc1\.[0-9a-f]{6}\)$/m);
    assert.match(r.stdout, /^resolution\s+1280x720$/m);
    assert.match(r.stdout, /^transport\s+udp$/m);
  });

  test('a wrong password exits 3 with one line saying the credentials were refused', async () => {
    const r = await thinstream('probe', camera.url, '--user', 'admin', '--password', 'wrong', '--seconds', '1');
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^thinstream probe: .*refused user "admin"'s credentials/);
    assert.ok(!r.stderr.includes('wrong'), 'the password is not echoed');
  });

  test('no credentials at all says the camera asks for them', async () => {
    const r = await thinstream('probe', camera.url, '--seconds', '1');
    assert.equal(r.code, 3);
    assert.match(r.stderr, /asks for a user and password/);
  });

  test('frame count matches ffmpeg over the same seconds of the same camera', async () => {
    const seconds = 3;
    const [ours, theirs] = await Promise.all([
      thinstream('probe', camera.urlWithCredentials, '--transport', 'tcp', '--seconds', `${seconds}`, '--json'),
      run('ffmpeg', [
        '-hide_banner',
        '-nostats',
        '-rtsp_transport',
        'tcp',
        '-i',
        camera.urlWithCredentials,
        '-t',
        `${seconds}`,
        '-map',
        '0:v',
        '-c',
        'copy',
        '-f',
        'framecrc',
        '-',
      ]),
    ]);
    const probe = parseJson(ours);
    assert.equal(theirs.code, 0, theirs.stderr.slice(-500));
    // framecrc: `#tb 0: 1/90000`, then one line per packet `stream, dts, pts, duration, size, crc`. ffmpeg may
    // split the first, partial frame into several packets of one timestamp: frames are distinct timestamps.
    const tb = /^#tb 0: (\d+)\/(\d+)$/m.exec(theirs.stdout);
    assert.ok(tb, 'framecrc time base');
    const ticksPerSecond = Number(tb[2]) / Number(tb[1]);
    const pts = theirs.stdout
      .split('\n')
      .filter((line) => /^0,/.test(line))
      .map((line) => Number(line.split(',')[2]));
    const ffmpegFrames = new Set(pts.filter((p) => p < seconds * ticksPerSecond)).size;
    // ffmpeg keeps frames with pts in [0, seconds): 25 per second. probe counts the first frame and then
    // `seconds` of wall time after it: one more. Slack: a frame below for the timer's start, and a few above
    // because a timer on a loaded machine fires late, never early.
    assert.equal(ffmpegFrames, 25 * seconds, `ffmpeg counted ${ffmpegFrames}`);
    const extra = probe.frames - (ffmpegFrames + 1);
    assert.ok(extra >= -1 && extra <= 4, `probe ${probe.frames} vs ffmpeg ${ffmpegFrames}`);
    assert.ok(Math.abs(probe.fps - 25) < 0.3, `probe fps ${probe.fps}: no frame missing between first and last`);
  });
});

describe('probe against GStreamer cameras configured otherwise', () => {
  test('Basic auth with auto transport uses UDP', async () => {
    const camera = await startGstCamera({ auth: 'basic', user: 'viewer', password: 'p@ss word' });
    try {
      assertHealthy(
        parseJson(await thinstream('probe', camera.urlWithCredentials, '--seconds', `${SECONDS}`, '--json')),
        'udp',
      );
    } finally {
      await camera.stop();
    }
  });

  test('a camera that refuses UDP (461): auto falls back to TCP and names the quirk; udp alone fails', async () => {
    const camera = await startGstCamera({ protocols: ['tcp'] });
    try {
      const r = parseJson(await thinstream('probe', camera.url, '--seconds', `${SECONDS}`, '--json'));
      assertHealthy(r, 'tcp');
      assert.ok(r.quirks.includes('udp-refused-461'), `quirks ${r.quirks.join(',')}`);
      const udp = await thinstream('probe', camera.url, '--transport', 'udp', '--seconds', '1');
      assert.equal(udp.code, 1);
      assert.match(udp.stderr, /461.*may take TCP/);
    } finally {
      await camera.stop();
    }
  });

  test('bad URL, refused connection and bad options fail with one line and their own exit codes', async () => {
    const bad = await thinstream('probe', 'http://camera/stream');
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /^thinstream probe: "http:\/\/camera\/stream" has scheme "http"; expected rtsp:\/\/ or rtsps:\/\/\n$/,
    );
    const refused = await thinstream('probe', 'rtsp://127.0.0.1:1/stream', '--timeout-ms', '2000');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /connection refused/);
    const usage = await thinstream('probe', 'rtsp://127.0.0.1/x', '--transport', 'carrier-pigeon');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /--transport carrier-pigeon: expected udp, tcp or auto/);
  });
});
