/**
 * The demo camera of the first run (issue 6): the committed clip is what assets/demo/README.txt says it
 * is, and startDemoCamera() serves it on loopback so that ffmpeg decodes it.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_CLIP_PATH, DEMO_PATH, startDemoCamera } from '../../src-main/rtsp/server/index.js';

const run = promisify(execFile);

describe('demo camera', () => {
  it('ships a 10 s 640x360 25 fps Main-profile clip with a keyframe every second, a few hundred KB', async () => {
    const { stdout } = await run('ffprobe', [
      ...[
        '-v',
        'error',
        '-count_frames',
        '-show_entries',
        'stream=codec_name,profile,width,height,r_frame_rate,nb_read_frames',
      ],
      ...['-show_entries', 'packet=flags', '-of', 'json', DEMO_CLIP_PATH],
    ]);
    const json = JSON.parse(stdout) as { streams: Array<Record<string, unknown>>; packets: Array<{ flags: string }> };
    assert.deepEqual(json.streams[0], {
      codec_name: 'h264',
      profile: 'Main',
      width: 640,
      height: 360,
      r_frame_rate: '25/1',
      nb_read_frames: '250',
    });
    const keyframes = json.packets.map((p, i) => (p.flags.startsWith('K') ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(keyframes, [0, 25, 50, 75, 100, 125, 150, 175, 200, 225]);
    const bytes = (await stat(DEMO_CLIP_PATH)).size;
    assert.ok(bytes > 100_000 && bytes < 600_000, `${bytes} bytes`);
  });

  it('serves the clip on loopback at /demo, decodable by ffmpeg', async () => {
    const demo = await startDemoCamera();
    try {
      const url = demo.url(DEMO_PATH);
      assert.match(url, /^rtsp:\/\/127\.0\.0\.1:\d+\/demo$/);
      const { stderr } = await run(
        'ffmpeg',
        ['-hide_banner', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-t', '1', '-f', 'null', '-'],
        { timeout: 20_000 },
      );
      assert.equal(stderr.trim(), '', 'decoded without errors');
    } finally {
      await demo.close();
    }
  });
});
