/**
 * `thinstream` with the original's flags, as a separate process: `-c broken.json` names every problem by its
 * path; `-c cfg.json -runServer` serves HTTPS with certificates it made itself, records a GStreamer camera,
 * takes a user added by `thinstream -c cfg.json user add` while it runs, and stops cleanly on SIGTERM with
 * every segment playable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SetupStatus, StreamsResponse } from '../../src-shared/api.js';
import { REPO_ROOT } from '../support/paths.js';
import { startGstCamera } from '../support/gst-camera.js';
import { TestClient } from '../server/support/http-client.js';

const BIN = join(REPO_ROOT, 'bin/thinstream.js');

test('-c broken.json prints every problem with its JSON path and exits non-zero', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-cli-'));
  try {
    const file = join(dir, 'broken.json');
    writeFileSync(
      file,
      JSON.stringify({
        server: {
          streamsGrps: [
            {
              uid: 'g',
              streams: [
                {
                  device: { uid: 'cam', port: '55a4' },
                  versions: [
                    { sid: 'a', uri: 'http://x' },
                    { sid: 'a', uri: 'rtsp://h/x' },
                  ],
                },
              ],
            },
          ],
        },
        http: { ports: [{ port: 99999 }] },
      }),
    );
    const r = spawnSync(process.execPath, [BIN, '-c', file], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    for (const path of [
      'server.streamsGrps[0].streams[0].device.port',
      'server.streamsGrps[0].streams[0].versions[0].uri',
      'server.streamsGrps[0].streams[0].versions[1].sid',
      'http.ports[0].port',
    ]) {
      assert.match(r.stderr, new RegExp(`^  ${path.replace(/[[\].]/g, '\\$&')}: `, 'm'), path);
    }
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{ "server": { ,, } }');
    const r2 = spawnSync(process.execPath, [BIN, '-c', notJson], { encoding: 'utf8' });
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /line 1, column \d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-genCA -genSSL make a CA and a server certificate that openssl verifies; -extendCA renews the CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-cli-certs-'));
  try {
    const configPath = join(dir, 'cfg.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        context: { caCert: { path: 'ca.der', key: { pass: 'ca-pass', path: 'ca.p12' } } },
        http: {
          ports: [{ port: 0, ssl: { cert: { source: { path: 'https.der', key: { pass: 'k', path: 'https.p12' } } } } }],
        },
      }),
    );
    const r = spawnSync(process.execPath, [BIN, '-c', configPath, '-genCA', '-genSSL'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /CA made: .*ca\.der/);
    assert.match(r.stdout, /server certificate made: .*https\.der/);
    const ca = join(dir, 'ca.pem');
    const server = join(dir, 'server.pem');
    writeFileSync(ca, new X509Certificate(readFileSync(join(dir, 'ca.der'))).toString());
    writeFileSync(server, new X509Certificate(readFileSync(join(dir, 'https.der'))).toString());
    const verify = spawnSync('openssl', ['verify', '-CAfile', ca, server], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stderr);
    assert.match(verify.stdout, /: OK/);
    const again = spawnSync(process.execPath, [BIN, '-c', configPath, '-genCA'], { encoding: 'utf8' });
    assert.notEqual(again.status, 0, 'an existing CA is not replaced');
    assert.match(again.stderr, /already exists/);
    const extend = spawnSync(process.execPath, [BIN, '-c', configPath, '-extendCA'], { encoding: 'utf8' });
    assert.equal(extend.status, 0, extend.stderr);
    assert.match(extend.stdout, /CA extended: valid until/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-runServer serves HTTPS with its own certificates, records, and stops cleanly on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-cli-run-'));
  const camera = await startGstCamera({ protocols: ['tcp'], width: 320, height: 240, fps: 25, gop: 25 });
  try {
    const configPath = join(dir, 'cfg.json');
    writeFileSync(
      configPath,
      JSON.stringify({
        context: {
          filesystem: { streams: { rootPath: 'recordings' } },
          caCert: { path: 'ca.der', key: { pass: 'ca-pass', path: 'ca.p12' } },
        },
        server: {
          defaults: { streams: { params: { rtsp: { transport: 'tcp' } } } },
          rtsp: { rtp: { server: { ports: [0] } }, rtcp: { port: 0 } },
          streamsGrps: [
            {
              uid: 'g',
              name: 'G',
              streams: [{ device: { uid: 'cam' }, versions: [{ sid: 'main', uri: camera.url }] }],
            },
          ],
        },
        http: {
          ports: [
            {
              port: 0,
              ssl: { cert: { source: { path: 'https.der', key: { pass: 'https-pass', path: 'https.p12' } } } },
            },
          ],
        },
      }),
    );
    const child = spawn(process.execPath, [BIN, '-c', configPath, '-runServer'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 20 s: ${stderr}`)), 20_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        const m = /^thinstream: serving (https:\/\/localhost:\d+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    try {
      const ca = new X509Certificate(readFileSync(join(dir, 'ca.der'))).toString();
      const client = new TestClient(url, { ca });
      assert.deepEqual((await client.fetch('GET', '/api/v1/setup')).json() as SetupStatus, {
        needsAdmin: true,
        signedIn: false,
      });
      // A user added by another process while the server runs can sign in.
      const add = spawnSync(
        process.execPath,
        [BIN, '-c', configPath, 'user', 'add', 'ops', '--password-stdin', '--role', 'admin'],
        {
          input: 'ops-password\n',
          encoding: 'utf8',
        },
      );
      assert.equal(add.status, 0, add.stderr);
      assert.equal((await client.signIn('ops', 'ops-password')).status, 200);
      const end = Date.now() + 15_000;
      for (;;) {
        const streams = (await client.fetch('GET', '/api/v1/streams')).json() as StreamsResponse;
        if (streams.cameras[0]?.versions[0]?.status.state === 'live') break;
        assert.ok(Date.now() < end, 'the camera goes live');
        await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 3000)); // a few seconds of recording
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /stopping \(SIGTERM\)/);
    assert.match(stderr, /runtime: stopped/);
    const folder = join(dir, 'recordings', 'cam', 'main');
    const files = readdirSync(folder).filter((f) => f.endsWith('.mp4'));
    assert.ok(files.length >= 1, `segments in ${folder}`);
    for (const f of files) {
      const probe = spawnSync(
        'ffprobe',
        ['-v', 'error', '-count_frames', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', join(folder, f)],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(probe.status, 0);
      assert.equal(probe.stderr, '', `${f} decodes without errors`);
      assert.ok(Number(probe.stdout.trim()) >= 50, `${f} holds the recorded seconds (${probe.stdout.trim()} frames)`);
    }
  } finally {
    await camera.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
