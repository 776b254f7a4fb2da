/**
 * `thinstream camera` as a user runs it: the demo clip by default, READY <port> and the URLs on stdout,
 * Digest auth and quirks from flags, a clean exit on SIGTERM, and one clear line for bad arguments.
 */
import { execFile, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT } from '../support/paths.js';

const BIN = resolve(REPO_ROOT, 'bin/thinstream.js');

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 20_000 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

function probe(url: string, transport: 'tcp' | 'udp'): Promise<Record<string, unknown>> {
  return new Promise((res, rej) => {
    execFile(
      'ffprobe',
      [
        '-v',
        'error',
        '-rtsp_transport',
        transport,
        '-i',
        url,
        '-show_entries',
        'stream=codec_name,width,height,r_frame_rate',
        '-of',
        'json',
      ],
      { timeout: 20_000 },
      (err, out, stderr) =>
        err
          ? rej(new Error(stderr))
          : res((JSON.parse(out) as { streams: Array<Record<string, unknown>> }).streams[0]!),
    );
  });
}

describe('thinstream camera', () => {
  it('serves the demo clip with Digest auth until SIGTERM, printing READY and the URL', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'camera', '--auth', 'digest', '--user', 'viewer', '--password', 'pw', '--quirk', 'lowercase-headers'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const lines: string[] = [];
    const lineReader = createInterface({ input: child.stdout! });
    lineReader.on('line', (l) => lines.push(l));
    try {
      const deadline = Date.now() + 15_000;
      while (lines.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.match(lines[0]!, /^READY \d+$/);
      const port = Number(lines[0]!.split(' ')[1]);
      assert.equal(lines[1], `rtsp://127.0.0.1:${port}/stream`);
      const stream = await probe(`rtsp://viewer:pw@127.0.0.1:${port}/stream`, 'udp');
      assert.deepEqual(stream, { codec_name: 'h264', width: 640, height: 360, r_frame_rate: '25/1' });
      await assert.rejects(probe(`rtsp://viewer:wrong@127.0.0.1:${port}/stream`, 'tcp'), /401/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, 'exits cleanly on SIGTERM');
  });

  it('refuses an unknown quirk with the list of known ones, and a missing clip by its path', async () => {
    const quirk = await runCli(['camera', '--quirk', 'no-marker,bogus']);
    assert.equal(quirk.code, 2);
    assert.match(quirk.stderr, /^thinstream camera: unknown camera quirk "bogus"; known quirks: no-marker, /);
    const clip = await runCli(['camera', '--clip', '/nonexistent.h264']);
    assert.equal(clip.code, 1);
    assert.equal(clip.stderr, 'thinstream camera: the clip /nonexistent.h264 does not exist\n');
    const auth = await runCli(['camera', '--auth', 'digest']);
    assert.equal(auth.code, 2);
    assert.match(auth.stderr, /--auth digest needs --password/);
  });

  it('lists every quirk with what it does', async () => {
    const help = await runCli(['camera', '--quirk', 'help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {4}udp-461 +answers 461 Unsupported Transport/m);
  });
});
