/**
 * Our RTSP camera read by real clients: ffmpeg and ffprobe over UDP and TCP, without auth and with Basic
 * and Digest. Proves it is a real RTSP server: the right codec and size, a frame count that matches the
 * seconds recorded at 25 fps, real-time pacing, timestamps that keep increasing across clip loops, and
 * nothing left open after close().
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip, type Clip } from '../support/clips.js';

interface RunResult {
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve({ stdout, stderr, elapsedMs: Date.now() - start });
    });
  });
}

/** Records `seconds` of the stream with `ffmpeg -c copy` into Matroska (keeps every packet's timestamp). */
async function record(url: string, transport: 'udp' | 'tcp', seconds: number, file: string): Promise<RunResult> {
  return run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
    ...['-rtsp_transport', transport, '-i', url, '-t', String(seconds), '-c', 'copy', '-f', 'matroska', file],
  ]);
}

interface Probe {
  codec: string;
  width: number;
  height: number;
  frames: number;
  ptsSeconds: number[];
  keyframes: number;
}

/** Decodes every frame of a recording with ffprobe (-count_frames) and lists its packets' times. */
async function probeFile(file: string): Promise<Probe> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames:packet=pts_time,flags', '-of', 'json', file],
  ]);
  const json = JSON.parse(stdout) as {
    streams: Array<{ codec_name: string; width: number; height: number; nb_read_frames: string }>;
    packets: Array<{ pts_time: string; flags: string }>;
  };
  const stream = json.streams[0]!;
  return {
    codec: stream.codec_name,
    width: stream.width,
    height: stream.height,
    frames: Number(stream.nb_read_frames),
    ptsSeconds: json.packets.map((p) => Number(p.pts_time)),
    keyframes: json.packets.filter((p) => p.flags.startsWith('K')).length,
  };
}

describe('our RTSP camera read by ffmpeg and ffprobe', () => {
  let clip: Clip;
  let camera: RtspServer;
  let dir: string;
  const credentials = { user: 'admin', password: 'p@ss word' };

  before(async () => {
    // 2 s clip, so that 3 s of recording crosses a loop.
    clip = await makeClip({ width: 640, height: 360, fps: 25, gopFrames: 25, seconds: 2, bitrateKbps: 600 });
    dir = await mkdtemp(join(tmpdir(), 'camera-ffmpeg-'));
    camera = await startRtspServer({
      mounts: [
        { path: '/open', source: clip.path },
        { path: '/digest', source: clip.path, auth: { scheme: 'digest', ...credentials } },
        { path: '/basic', source: clip.path, auth: { scheme: 'basic', ...credentials } },
      ],
    });
  });

  after(async () => {
    await camera?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is described by ffprobe as H.264 at the clip size and frame rate', async () => {
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-rtsp_transport', 'tcp', '-i', camera.url('/open')],
      ...['-show_entries', 'stream=codec_name,profile,width,height,r_frame_rate', '-of', 'json'],
    ]);
    const stream = (JSON.parse(stdout) as { streams: Array<Record<string, unknown>> }).streams[0]!;
    assert.deepEqual(
      { codec: stream.codec_name, width: stream.width, height: stream.height, fps: stream.r_frame_rate },
      { codec: 'h264', width: 640, height: 360, fps: '25/1' },
    );
  });

  const cases: Array<{ name: string; path: string; transport: 'udp' | 'tcp'; auth: boolean }> = [
    { name: 'UDP without auth', path: '/open', transport: 'udp', auth: false },
    { name: 'TCP without auth', path: '/open', transport: 'tcp', auth: false },
    { name: 'UDP with Digest auth', path: '/digest', transport: 'udp', auth: true },
    { name: 'TCP with Digest auth', path: '/digest', transport: 'tcp', auth: true },
    { name: 'TCP with Basic auth', path: '/basic', transport: 'tcp', auth: true },
  ];
  for (const c of cases) {
    it(`streams 3 s to ffmpeg over ${c.name}: 75 frames at 25 fps in real time, decodable across a clip loop`, async () => {
      const file = join(dir, `${c.path.slice(1)}-${c.transport}.mkv`);
      const url = camera.url(c.path, c.auth ? credentials : undefined);
      const rec = await record(url, c.transport, 3, file);
      assert.equal(rec.stderr.trim(), '', 'ffmpeg reported no errors');
      // Paced at real time: 3 s of video cannot arrive much faster than 3 s.
      assert.ok(rec.elapsedMs >= 2800, `recording took ${rec.elapsedMs} ms`);
      const probe = await probeFile(file);
      assert.equal(probe.codec, 'h264');
      assert.equal(probe.width, 640);
      assert.equal(probe.height, 360);
      // ffmpeg's -t cut keeps the frame at 3.000 s: 75 or 76 frames, every one decoded.
      assert.ok(probe.frames >= 75 && probe.frames <= 76, `decoded ${probe.frames} frames`);
      // 3 s of a clip with a keyframe every second, starting at a keyframe.
      assert.ok(probe.keyframes >= 3, `${probe.keyframes} keyframes`);
      // Timestamps increase by one frame (40 ms) every packet, through the loop at 2 s. ffmpeg gives the
      // first two frames of an RTSP stream the same time (it does with GStreamer's server too): start at 2.
      for (let i = 2; i < probe.ptsSeconds.length; i++) {
        const step = probe.ptsSeconds[i]! - probe.ptsSeconds[i - 1]!;
        assert.ok(Math.abs(step - 0.04) < 0.0015, `packet ${i}: step ${step.toFixed(4)} s`);
      }
    });
  }

  it('refuses ffmpeg with a wrong Digest password (401)', async () => {
    const url = camera.url('/digest', { user: 'admin', password: 'wrong' });
    await assert.rejects(run('ffprobe', ['-v', 'error', '-rtsp_transport', 'tcp', '-i', url]), /401 Unauthorized/);
  });

  it('leaves no socket or timer open after close()', async () => {
    const network = (): string[] =>
      process
        .getActiveResourcesInfo()
        .filter((r) => ['TCPServerWrap', 'TCPSocketWrap', 'UDPWrap', 'Timeout'].includes(r))
        .sort();
    const before = network();
    const extra = await startRtspServer({ mounts: [{ path: '/x', source: clip.path }], sessionTimeoutMs: 5000 });
    const file = join(dir, 'close.mkv');
    await record(extra.url('/x'), 'udp', 1, file);
    await extra.close();
    // Closed handles are released on the next turn of the loop.
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(network(), before);
  });
});
