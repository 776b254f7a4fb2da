#!/usr/bin/env node
// Bundles the Electron preload (src-main/electron/preload.ts) to CommonJS: sandboxed preloads cannot be ES
// modules, and may require only `electron` and a few Node built-ins, so src-shared/ipc.ts is bundled in.
// Output: out/src-main/electron/preload.cjs (the path window-options.ts's caller passes as `preload`).
import { build } from 'esbuild';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
await build({
  entryPoints: [resolve(root, 'src-main/electron/preload.ts')],
  outfile: resolve(root, 'out/src-main/electron/preload.cjs'),
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: ['node20', 'chrome120'],
  external: ['electron'],
  sourcemap: true,
  logLevel: 'warning',
});
