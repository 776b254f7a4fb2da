/**
 * electron-builder.yml, checked offline (`npm run dist` needs Electron's download): electron-builder's own
 * loader and schema accept it, every file and folder it names exists, its file patterns take the built main
 * entry, preload and renderer and leave out tests and source maps, and the icons are the sizes each OS needs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/paths.js';

const require = createRequire(join(REPO_ROOT, 'package.json'));

interface BuilderConfig {
  appId?: string;
  productName?: string;
  /** Normalised by getConfig into one `{ filter }` set. */
  files?: Array<string | { filter?: string[] }>;
  extraResources?: Array<{ from: string; to: string; filter?: string[] }>;
  directories?: { buildResources?: string; output?: string };
  linux?: { target?: string[]; icon?: string };
  win?: { target?: string[]; icon?: string };
  mac?: { target?: string[]; icon?: string };
}

async function loadBuilderConfig(): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
    getConfig(dir: string, path: string, extra: null): Promise<BuilderConfig>;
    validateConfiguration(config: BuilderConfig, logger: unknown): Promise<void>;
  };
  const { DebugLogger, log } = require('builder-util') as {
    DebugLogger: new (enabled: boolean) => unknown;
    log: { stream: NodeJS.WritableStream };
  };
  // Its log lines ("• loaded configuration") go to stderr, not stdout: node's test runner reads a test
  // file's stdout as its own serialized messages, and a line dropped in the middle of one breaks the run.
  log.stream = process.stderr;
  const config = await getConfig(REPO_ROOT, join(REPO_ROOT, 'electron-builder.yml'), null);
  await validateConfiguration(config, new DebugLogger(false));
  return config;
}

function pngSize(path: string): { width: number; height: number } {
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG', `${path} is a PNG`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('electron-builder’s loader and schema accept the config: app id, and the targets of each OS', async () => {
  const config = await loadBuilderConfig();
  assert.equal(config.appId, 'org.thinstream.desktop');
  assert.equal(config.productName, 'ThinStream');
  assert.deepEqual(config.linux?.target, ['AppImage', 'deb']);
  assert.deepEqual(config.win?.target, ['nsis']);
  assert.deepEqual(config.mac?.target, ['dmg']);
});

test('the icons it names exist at the sizes each OS needs', async () => {
  const config = await loadBuilderConfig();
  const linuxDir = join(REPO_ROOT, config.linux?.icon ?? '');
  const sizes = readdirSync(linuxDir).map((name) => {
    const { width, height } = pngSize(join(linuxDir, name));
    assert.equal(name, `${width}x${height}.png`, 'Linux icons are named by their size');
    return width;
  });
  for (const size of [16, 32, 48, 64, 128, 256, 512]) assert.ok(sizes.includes(size), `a ${size}px Linux icon`);
  const ico = readFileSync(join(REPO_ROOT, config.win?.icon ?? ''));
  assert.deepEqual([...ico.subarray(0, 4)], [0, 0, 1, 0], 'an ICO file');
  assert.ok((ico[6] === 0 ? 256 : (ico[6] ?? 0)) >= 256, 'the Windows icon has a 256px image');
  const mac = pngSize(join(REPO_ROOT, config.mac?.icon ?? ''));
  assert.ok(mac.width >= 512 && mac.width === mac.height, 'the macOS icon is square and at least 512px');
  assert.ok(existsSync(join(REPO_ROOT, config.directories?.buildResources ?? '', 'icon.svg')), 'the icon source');
});

test('the demo clip goes along as an extra resource where the packaged app looks for it', async () => {
  const config = await loadBuilderConfig();
  const demo = config.extraResources?.find((r) => r.to === 'demo');
  assert.ok(demo, 'an extra resource to resources/demo');
  for (const name of demo.filter ?? []) assert.ok(statSync(join(REPO_ROOT, demo.from, name)).isFile(), name);
  assert.ok(demo.filter?.includes('demo.h264'));
  const shell = readFileSync(join(REPO_ROOT, 'src-main/electron/desktop-app.ts'), 'utf8');
  assert.match(shell, /join\(process\.resourcesPath, 'demo', 'demo\.h264'\)/);
});

test('after a build, its file patterns take the main entry, the preload and the renderer, and no tests or maps', async () => {
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/build-preload.mjs')], { stdio: 'inherit' });
  const { minimatch } = require('minimatch') as { minimatch(path: string, pattern: string): boolean };
  const config = await loadBuilderConfig();
  const patterns = (config.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : (f.filter ?? [])));
  const packaged = (path: string): boolean =>
    patterns.some((p) => !p.startsWith('!') && minimatch(path, p)) &&
    !patterns.some((p) => p.startsWith('!') && minimatch(path, p.slice(1)));
  const main = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { main: string }).main;
  for (const path of [
    main,
    'out/src-main/electron/preload.cjs',
    'out/src-main/runtime/runtime.js',
    'out/src-main/rtsp/server/demo-camera.js',
    'out/src-shared/ipc.js',
    'out/renderer/index.html',
    'out/renderer/signin.html',
    'assets/icons/png/32x32.png',
  ]) {
    assert.ok(existsSync(join(REPO_ROOT, path)), `${path} exists after the build`);
    assert.ok(packaged(path), `${path} is packaged`);
  }
  for (const path of [
    'out/test/electron/window-options.test.js',
    'out/src-main/electron/main.js.map',
    'out/src-main/electron/main.d.ts',
    'out/bench/fanout.js',
    'src-main/electron/main.ts',
    'assets/demo/demo.h264',
  ])
    assert.ok(!packaged(path), `${path} is left out`);
});
