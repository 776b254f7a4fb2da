#!/usr/bin/env node
// Bundles the renderer's unit tests (test/renderer/*.test.ts, which import browser modules from src-renderer/) to
// out/test/renderer/*.test.js so node's runner runs them with the rest. tsc type-checks them (test/renderer/
// tsconfig.json) but cannot emit them runnable: src-renderer resolves modules the bundler's way.
import { build } from 'esbuild';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const dir = resolve(root, 'test/renderer');
const entryPoints = existsSync(dir)
  ? readdirSync(dir)
      .filter((name) => name.endsWith('.test.ts'))
      .map((name) => resolve(dir, name))
  : [];
if (entryPoints.length > 0) {
  await build({
    entryPoints,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: resolve(root, 'out/test/renderer'),
    sourcemap: true,
    // React and the store never reach these tests; the pure modules and src-shared are bundled in.
    packages: 'external',
    logLevel: 'warning',
  });
}
