#!/usr/bin/env node
// Bundles the React renderer for the browser (the Electron window and LAN browsers load the same files).
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const entry = resolve(root, 'src-renderer/main.tsx');
const outdir = resolve(root, 'out/renderer');
mkdirSync(outdir, { recursive: true });
if (!existsSync(entry)) process.exit(0);
await build({
  entryPoints: [entry],
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'safari16', 'firefox110'],
  outdir,
  entryNames: 'app',
  minify: process.env.NODE_ENV !== 'development',
  sourcemap: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': JSON.stringify(process.env.NODE_ENV ?? 'production') },
  logLevel: 'warning',
});
const staticDir = resolve(root, 'src-renderer/static');
if (existsSync(staticDir)) cpSync(staticDir, outdir, { recursive: true });
