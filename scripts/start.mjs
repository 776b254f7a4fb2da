#!/usr/bin/env node
// `npm start` (the README's run command): builds what is needed (tsc -b, the renderer bundle, the preload bundle),
// then launches the desktop app. Where Electron cannot run — its binary is missing and cannot be fetched (one try,
// with Electron's own install.js under a short timeout), or there is no display — it says so in ONE line and runs
// the same core headless (`thinstream start`), which prints the viewer's URL and, on first run, the setup link.
//
//   npm start                        desktop app, or headless
//   npm start -- --config my.json    arguments after -- go to the app (see src-main/runtime/start-args.ts)
//   npm start -- --headless          headless even where Electron could run
//
// THINSTREAM_ELECTRON_RETRY=1 fetches Electron again after a failed try (a failure is remembered for a day).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
process.chdir(root);
const require = createRequire(join(root, 'package.json'));
const ELECTRON_FETCH_TIMEOUT_MS = 45_000;
const RETRY_AFTER_MS = 24 * 3600_000;
// A failed fetch is remembered per user (XDG cache folder), so each start does not wait for it again.
const cacheHome = process.env.XDG_CACHE_HOME?.startsWith('/') ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
const DOWNLOAD_MARKER = join(cacheHome, 'thinstream', 'electron-fetch-failed.json');
/** Exit code of the desktop app when the core itself could not start (no point retrying headless). */
const CORE_FAILED_EXIT = 3;

const forced = process.argv.includes('--headless');
const appArgs = process.argv.slice(2).filter((a) => a !== '--headless');

function step(what, args) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm start: ${what} failed (exit ${r.status ?? r.signal}); fix the errors above and run it again.`);
    process.exit(1);
  }
}

/** Newest modification time of the files under `paths` (0 when none). */
function newestMs(paths) {
  let newest = 0;
  for (const path of paths) {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isDirectory()) newest = Math.max(newest, newestMs(readdirSync(path).map((name) => join(path, name))));
    else newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** A bundle is rebuilt only when a source is newer than it (a running server may be reading it meanwhile). */
function bundle(what, script, output, sources) {
  const builtMs = existsSync(output) ? statSync(output).mtimeMs : 0;
  if (builtMs > 0 && newestMs([...sources, script]) <= builtMs) return;
  step(what, [script]);
}

step('the build (tsc -b)', [require.resolve('typescript/bin/tsc'), '-b']);
bundle('the renderer bundle', 'scripts/build-renderer.mjs', 'out/renderer/app.js', [
  'src-renderer',
  'src-shared',
  'package-lock.json',
]);
bundle('the preload bundle', 'scripts/build-preload.mjs', 'out/src-main/electron/preload.cjs', [
  'src-main/electron/preload.ts',
  'src-shared',
]);

/** The Electron binary's path, or null when it is not installed. */
function electronBinary() {
  try {
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

/** One try at Electron's own download (install.js), unless a try failed within the last day. */
function fetchElectron() {
  try {
    const failed = JSON.parse(readFileSync(DOWNLOAD_MARKER, 'utf8'));
    if (!process.env.THINSTREAM_ELECTRON_RETRY && Date.now() - failed.atMs < RETRY_AFTER_MS)
      return `the Electron binary is not installed (fetching it failed ${new Date(failed.atMs).toISOString()}: ${failed.reason})`;
  } catch {
    // No failed try remembered.
  }
  const installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  const r = spawnSync(process.execPath, [installer], {
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: ELECTRON_FETCH_TIMEOUT_MS,
    encoding: 'utf8',
  });
  if (electronBinary() !== null) return null;
  const reason =
    r.error?.code === 'ETIMEDOUT'
      ? `no answer in ${ELECTRON_FETCH_TIMEOUT_MS / 1000} s`
      : ((r.stderr ?? '').match(/^\w*Error: .*$/m)?.[0] ?? `install.js exit ${r.status}`).slice(0, 160);
  mkdirSync(dirname(DOWNLOAD_MARKER), { recursive: true });
  writeFileSync(DOWNLOAD_MARKER, JSON.stringify({ atMs: Date.now(), reason }) + '\n');
  return `the Electron binary is not installed and could not be fetched (${reason})`;
}

/** Why the desktop app cannot run here, or null when it can. */
function whyNoDesktop() {
  if (forced) return '--headless was asked for';
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  if (electronBinary() !== null) return null;
  return fetchElectron();
}

async function runHeadless(reason) {
  console.log(`npm start: ${reason}; running ThinStream headless instead.`);
  const { main } = await import(pathToFileURL(join(root, 'out/src-main/cli.js')).href);
  process.exitCode = await main(['start', ...appArgs]);
}

/** Resolves 'ready', or the reason Electron could not start; forwards its output and our stop signals. */
function runDesktop(binary) {
  return new Promise((done) => {
    const env = { ...process.env };
    delete env.ELECTRON_RUN_AS_NODE;
    const child = spawn(binary, ['.', ...appArgs], { stdio: ['inherit', 'pipe', 'inherit'], env });
    let ready = false;
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      if (!ready && chunk.toString().includes('thinstream-desktop: ready')) {
        ready = true;
        done('ready');
      }
    });
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
    child.on('error', (err) => done(`Electron could not start (${err.message})`));
    child.on('exit', (code, signal) => {
      if (ready) process.exit(code ?? 0);
      if (code === 0 || code === CORE_FAILED_EXIT) process.exit(code);
      done(`Electron could not start (exit ${code ?? signal})`);
    });
  });
}

const reason = whyNoDesktop();
if (reason !== null) await runHeadless(reason);
else {
  const outcome = await runDesktop(electronBinary());
  if (outcome !== 'ready') await runHeadless(outcome);
}
