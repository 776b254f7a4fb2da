#!/usr/bin/env node
// The headless entry (`thinstream`): runs the compiled core. `npm run build` makes out/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../out/src-main/cli.js', import.meta.url));
if (!existsSync(cli)) {
  console.error('thinstream: the core is not built yet; run `npm run build` in the project folder first.');
  process.exit(1);
}
const { main } = await import(cli);
process.exitCode = await main(process.argv.slice(2));
