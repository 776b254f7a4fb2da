/**
 * The first run (issue 6): with no config, startCore() writes one with the demo camera; the demo is our RTSP
 * server on loopback, ingested through the same RTSP client as a real camera, goes live and records MP4
 * segments that ffprobe reads. A second start finds the config and starts the demo again; removing the demo
 * camera through the config editor's API removes the demo server at the next start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_DEVICE_UID } from '../../src-main/config/default-config.js';
import { startCore, type Core } from '../../src-main/runtime/first-run.js';

const run = promisify(execFile);

async function waitFor(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function demoVersion(core: Core): { state: string; recording: boolean } | null {
  const demo = core.runtime.cameras().find((c) => c.deviceUid === DEMO_DEVICE_UID);
  const version = demo?.versions[0];
  return version ? { state: version.status.state, recording: version.recording } : null;
}

async function filesUnder(dir: string, suffix: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile() && e.name.endsWith(suffix)).map((e) => join(e.parentPath, e.name));
}

test('first run: the demo camera goes live through RTSP, records MP4 that ffprobe reads, and survives a restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-first-run-'));
  const configPath = join(dir, 'data', 'thinstream.json');
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);
  try {
    const started = Date.now();
    const core = await startCore({ configPath, httpPort: 0, host: '127.0.0.1', demoPort: 0, log });
    let recordings = '';
    try {
      assert.equal(core.firstRun, true);
      assert.ok(core.demo, 'the demo camera runs');
      assert.match(core.setupLink ?? '', /^https:\/\/localhost:\d+\/signin\.html\?token=[\w-]+$/);
      recordings = core.runtime.config.resolved.storage.rootPath;
      assert.equal(recordings, join(dir, 'data', 'recordings'), 'recordings beside the config');

      const written = await readFile(configPath, 'utf8');
      assert.ok(written.includes(core.demo.url('/demo')), 'the config names the demo camera’s URL');
      assert.ok(!written.includes(core.runtime.config.resolved.certs.ca.key.pass), 'no key password in clear');
      assert.match(written, /"\$secret\./, 'key passwords are references into the key store');

      await waitFor('the demo camera to be live and recording', 15_000, () => {
        const v = demoVersion(core);
        return v?.state === 'live' && v.recording;
      });
      t.diagnostic(`demo camera live and recording ${Date.now() - started} ms after startCore() was called`);
      await new Promise((r) => setTimeout(r, 3000)); // a few seconds of video
    } finally {
      await core.close();
    }

    const segments = await filesUnder(recordings, '.mp4');
    assert.ok(segments.length >= 1, `MP4 segments under ${recordings}: ${segments.join(', ')}`);
    const { stdout } = await run('ffprobe', [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0'],
      ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', segments[0] ?? ''],
    ]);
    const [stream] = (JSON.parse(stdout) as { streams: Array<Record<string, unknown>> }).streams;
    assert.equal(stream?.['codec_name'], 'h264');
    assert.equal(stream?.['width'], 640);
    assert.equal(stream?.['height'], 360);
    assert.ok(Number(stream?.['nb_read_frames']) >= 50, `frames recorded: ${String(stream?.['nb_read_frames'])}`);

    // A second start: the config is there, the demo starts again at the port it names.
    const again = await startCore({ configPath, httpPort: 0, host: '127.0.0.1', log });
    try {
      assert.equal(again.firstRun, false);
      assert.ok(again.demo);
      await waitFor('the demo camera to be live again', 15_000, () => demoVersion(again)?.state === 'live');

      // Removing the demo camera in the config editor (the same API the renderer's editor calls).
      const edited = again.runtime.config.readRedacted() as {
        server: { streamsGrps: Array<{ streams: Array<{ device: { uid: string } }> }> };
      };
      for (const group of edited.server.streamsGrps)
        group.streams = group.streams.filter((s) => s.device.uid !== DEMO_DEVICE_UID);
      await again.runtime.config.write(edited);
      await waitFor('the demo camera to leave the grid', 5000, () => demoVersion(again) === null);
    } finally {
      await again.close();
    }
    const third = await startCore({ configPath, httpPort: 0, host: '127.0.0.1', log });
    try {
      assert.equal(third.demo, null, 'no demo server once its camera is removed');
    } finally {
      await third.close();
    }
  } catch (err) {
    process.stderr.write(lines.join('\n') + '\n');
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a demo port taken since the first run moves to a free one and the config follows', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-first-run-'));
  const configPath = join(dir, 'thinstream.json');
  const lines: string[] = [];
  try {
    const first = await startCore({
      configPath,
      httpPort: 0,
      host: '127.0.0.1',
      demoPort: 0,
      log: (l) => lines.push(l),
    });
    const oldUrl = first.demo?.url('/demo') ?? '';
    const oldPort = first.demo?.port ?? 0;
    await first.close();
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((done) => squatter.listen(oldPort, '127.0.0.1', done));
    try {
      const second = await startCore({ configPath, httpPort: 0, host: '127.0.0.1', log: (l) => lines.push(l) });
      try {
        assert.ok(second.demo);
        assert.notEqual(second.demo.port, oldPort);
        const text = await readFile(configPath, 'utf8');
        assert.ok(!text.includes(oldUrl) && text.includes(second.demo.url('/demo')), 'the config has the new URL');
        assert.ok(lines.some((l) => l.includes(`port ${oldPort} is taken; moved to ${second.demo?.port}`)));
      } finally {
        await second.close();
      }
    } finally {
      await new Promise((done) => squatter.close(done));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
