/**
 * The camera farm (issue 7): `thinstream camera --cameras 16` serving a 1080p 4 Mbit/s GOP-2s clip,
 * every camera played at once (14 by the drain client, 2 recorded by ffmpeg), each at full frame rate.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { drainCameras, startCameraFarm } from '../support/camera-farm.js';

function ffmpeg(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffmpeg', args, { timeout: 60_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stderr),
    );
  });
}

function countFrames(file: string): Promise<{ frames: number; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames,width,height', '-of', 'json', file],
      (err, out) => {
        if (err) return reject(err);
        const s = (JSON.parse(out) as { streams: Array<{ nb_read_frames: string; width: number; height: number }> })
          .streams[0]!;
        resolve({ frames: Number(s.nb_read_frames), width: s.width, height: s.height });
      },
    );
  });
}

describe('camera farm', () => {
  it('serves 16 cameras at 1080p from one process: ffmpeg records two, the other 14 stream at 25 fps', async () => {
    // A 4 s clip keeps the encode short; the farm loops it.
    const farm = await startCameraFarm({ cameras: 16, clip: { seconds: 4 } });
    const dir = await mkdtemp(join(tmpdir(), 'camera-farm-'));
    try {
      assert.equal(farm.urls.length, 16);
      assert.equal(new Set(farm.urls).size, 16);
      const drain = await drainCameras(farm.urls.slice(1, 15), 'tcp');
      const start = Date.now();
      const recordings = [farm.urls[0]!, farm.urls[15]!].map(async (url, i) => {
        const file = join(dir, `cam${i}.mkv`);
        await ffmpeg([
          '-hide_banner',
          '-loglevel',
          'error',
          '-nostdin',
          '-rtsp_transport',
          i === 0 ? 'tcp' : 'udp',
          '-i',
          url,
          '-t',
          '3',
          '-c',
          'copy',
          '-y',
          file,
        ]);
        return countFrames(file);
      });
      const results = await Promise.all(recordings);
      const elapsedS = (Date.now() - start) / 1000;
      await drain.close();
      for (const r of results) {
        assert.deepEqual({ width: r.width, height: r.height }, { width: 1920, height: 1080 });
        assert.ok(r.frames >= 75 && r.frames <= 76, `ffmpeg recorded ${r.frames} frames in 3 s`);
      }
      // The drained cameras played for the whole time ffmpeg needed (connect + 3 s): at least 25 fps × 3 s each.
      for (const [i, s] of drain.stats.entries()) {
        assert.ok(s.frames >= 75, `cam${i + 2}: ${s.frames} frames in ${elapsedS.toFixed(1)} s`);
        assert.ok(s.frames <= Math.ceil(elapsedS * 25) + 30, `cam${i + 2}: not faster than real time`);
      }
      const usage = await farm.usage();
      assert.ok(usage.cpuSeconds > 0 && usage.rssBytes > 0);
    } finally {
      await farm.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs in-process too: two cameras drained over UDP, each at 25 fps', async () => {
    const farm = await startCameraFarm({ cameras: 2, clip: { seconds: 4 }, inProcess: true });
    try {
      assert.equal(farm.pid, null);
      const drain = await drainCameras(farm.urls, 'udp');
      await new Promise((r) => setTimeout(r, 2000));
      await drain.close();
      for (const s of drain.stats) assert.ok(s.frames >= 45 && s.frames <= 55, `${s.frames} frames in 2 s`);
    } finally {
      await farm.close();
    }
  });
});
