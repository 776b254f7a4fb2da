#!/usr/bin/env node
// Bundles the React renderer for the browser (the Electron window and LAN browsers load the same files).
// Two entries into out/renderer/: the public sign-in page (signin.html, signin.js, signin.css: the only files the
// server serves without a session) and the app (index.html, app.js, app.css). No inline scripts or styles: the
// server's CSP (`default-src 'self'; media-src 'self' blob:`) must hold.
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const entries = {
  app: resolve(root, 'src-renderer/app/main.tsx'),
  signin: resolve(root, 'src-renderer/signin/signin-main.ts'),
};
const outdir = resolve(root, 'out/renderer');
mkdirSync(outdir, { recursive: true });
if (!existsSync(entries.app)) process.exit(0);

// jmuxer's bundle requires Node's `stream` for a Duplex it only builds in Node (createStream); the browser path
// never touches it, so the browser build gets an empty stand-in instead of a polyfill.
const nodeStreamStandIn = {
  name: 'node-stream-stand-in',
  setup(b) {
    b.onResolve({ filter: /^stream$/ }, () => ({ path: 'stream', namespace: 'stand-in' }));
    b.onLoad({ filter: /.*/, namespace: 'stand-in' }, () => ({
      contents: 'export class Duplex { constructor() { throw new Error("jmuxer streams are Node-only"); } }',
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: entries,
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'safari16', 'firefox110'],
  outdir,
  entryNames: '[name]',
  minify: process.env.NODE_ENV !== 'development',
  sourcemap: true,
  jsx: 'automatic',
  define: { 'process.env.NODE_ENV': JSON.stringify(process.env.NODE_ENV ?? 'production') },
  plugins: [nodeStreamStandIn],
  logLevel: 'warning',
});
const staticDir = resolve(root, 'src-renderer/static');
if (existsSync(staticDir)) cpSync(staticDir, outdir, { recursive: true });
