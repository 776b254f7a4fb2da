/**
 * `npm start` where the desktop app cannot run (issue 6): it says why in ONE line, runs the same core headless,
 * prints the viewer's URL and the first-run setup link, and serves the sign-in page within 10 s of saying so
 * (the build before it, `tsc -b` and the bundles, is not counted: it is a no-op here but slow on a loaded
 * machine), over TLS that verifies against the CA the first run made. It runs `node scripts/start.mjs`, which
 * is what `npm start` runs, so the test can signal it and read its exit code (npm would die of the signal). Each run gets a fresh HOME and XDG folders, so it writes a fresh
 * config; SIGTERM stops it cleanly. The second case has a display but no Electron: the one fetch try (Electron's
 * own install.js, pointed at a closed local port) fails, and it falls back the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { REPO_ROOT } from '../support/paths.js';

interface Started {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** When each line was first seen. */
  seenMs: Map<string, number>;
  output: () => string;
  home: string;
}

async function startNpmStart(envFor: (home: string) => Record<string, string>): Promise<Started> {
  const home = await mkdtemp(join(tmpdir(), 'thinstream-npm-start-'));
  const extraEnv = envFor(home);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
  };
  delete env['DISPLAY'];
  delete env['WAYLAND_DISPLAY'];
  Object.assign(env, extraEnv);
  // Its own process group, so a start that does not stop on SIGTERM can be killed whole, by the group's id.
  const child = spawn(process.execPath, ['scripts/start.mjs', '--port', '0', '--host', '127.0.0.1'], {
    cwd: REPO_ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const seenMs = new Map<string, number>();
  const take = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const line of output.split('\n')) if (!seenMs.has(line)) seenMs.set(line, Date.now());
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return { child, seenMs, output: () => output, home };
}

async function waitForLine(started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = pattern.exec(started.output());
    if (match) return match;
    if (started.child.exitCode !== null)
      throw new Error(`npm start exited ${started.child.exitCode}:\n${started.output()}`);
    if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { ca, servername: 'localhost', timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} in 5 s`)));
    req.on('error', fail);
    req.end();
  });
}

async function stop(started: Started): Promise<number | null> {
  const pid = started.child.pid;
  if (pid === undefined || started.child.exitCode !== null) return started.child.exitCode;
  const exited = new Promise<number | null>((done) => started.child.once('exit', (code) => done(code)));
  process.kill(pid, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-pid, 'SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function checkHeadlessStart(started: Started, reason: RegExp): Promise<number> {
  let elapsedMs: number;
  try {
    const [notice] = await waitForLine(started, /^npm start: .*running ThinStream headless instead\.$/m, 90_000);
    const t0 = started.seenMs.get(notice) ?? Date.now();
    const [, url] = await waitForLine(started, /ThinStream is running: (https:\/\/localhost:\d+)\n/, 10_000);
    const [, setupLink] = await waitForLine(started, /First run: open (\S+) to set the admin password/, 1000);
    assert.ok(url !== undefined && setupLink !== undefined);
    const notices = started
      .output()
      .split('\n')
      .filter((l) => l.includes('running ThinStream headless instead'));
    assert.equal(notices.length, 1, 'one line says why');
    assert.match(notices[0] ?? '', reason);
    assert.ok(setupLink.startsWith(`${url}/signin.html?token=`), setupLink);

    const configPath = join(started.home, 'data', 'thinstream', 'thinstream.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { context: { caCert: { path: string } } };
    const ca = new X509Certificate(await readFile(config.context.caCert.path)).toString();
    const signin = await get(`${url}/signin.html`, ca);
    assert.equal(signin.status, 200);
    assert.match(signin.body, /<title>Sign in · ThinStream<\/title>/);
    const setup = await get(`${url}/api/v1/setup`, ca);
    assert.deepEqual(JSON.parse(setup.body), { needsAdmin: true, signedIn: false });
    elapsedMs = Date.now() - t0;
    assert.ok(elapsedMs < 10_000, `sign-in page served ${elapsedMs} ms after the headless notice`);
    // The demo camera's folder appears with its first recording (its first keyframe), which may come a moment
    // after the sign-in page.
    const recordings = join(started.home, 'data', 'thinstream', 'recordings');
    for (let i = 0; i < 100 && !existsSync(recordings); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(recordings), 'recordings in the app-data folder within 10 s');
  } catch (err) {
    await stop(started);
    await rm(started.home, { recursive: true, force: true });
    throw err;
  }
  const code = await stop(started);
  await rm(started.home, { recursive: true, force: true });
  assert.equal(code, 0, `npm start stopped cleanly on SIGTERM:\n${started.output()}`);
  assert.match(started.output(), /SIGTERM; stopping streams and finishing the open segments/);
  return elapsedMs;
}

test('npm start with no display runs headless, prints the URL and the setup link, serves sign-in within 10 s', async (t) => {
  const ms = await checkHeadlessStart(await startNpmStart(() => ({})), /there is no display/);
  t.diagnostic(`sign-in page served ${ms} ms after the headless notice`);
});

test('npm start with a display but no Electron tries one fetch, then runs headless the same way', async (t) => {
  const started = await startNpmStart((home) => ({
    DISPLAY: ':99',
    ELECTRON_MIRROR: 'http://127.0.0.1:9/',
    electron_config_cache: join(home, 'cache', 'electron'),
  }));
  const ms = await checkHeadlessStart(
    started,
    /Electron binary is not installed and could not be fetched \(.*ECONNREFUSED/,
  );
  t.diagnostic(`sign-in page served ${ms} ms after the headless notice`);
});
