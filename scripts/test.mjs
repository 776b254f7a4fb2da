#!/usr/bin/env node
// `npm test`: system test peers, typecheck + lint, build, then every test in out/test with node's runner.
// The last line printed is `N passed, N failed` (CI reads it).
//
//   npm test                      everything
//   npm test -- unit              only test/ outside integration/ and e2e/
//   npm test -- integration e2e   those folders
//   npm test -- test/rtsp/message.test.ts   named files (source or compiled paths)
//   THINSTREAM_TEST_CONCURRENCY=N files run at once (default 2)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
process.chdir(root);
const args = process.argv.slice(2);
const skipCheck = args.includes('--no-check');
const selectors = args.filter((a) => !a.startsWith('--'));

function run(cmd, cmdArgs, what) {
  const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit' });
  if (r.status !== 0) {
    console.log(`${what} failed (exit ${r.status ?? r.signal}).`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

if (!process.env.THINSTREAM_SKIP_SYSTEM_DEPS)
  run(process.execPath, ['scripts/system-deps.mjs'], 'Installing test peers');
if (skipCheck) run('npx', ['tsc', '-b'], 'Build');
else run('npm', ['run', '--silent', 'check'], 'npm run check (typecheck, lint, format)');
run(process.execPath, ['scripts/build-renderer.mjs'], 'Renderer build');
run(process.execPath, ['scripts/build-preload.mjs'], 'Preload build');
run(process.execPath, ['scripts/build-renderer-tests.mjs'], 'Renderer unit-test build');

function walk(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const all = walk('out/test').sort();
const kindOf = (f) => {
  const rel = relative('out/test', f);
  if (rel.startsWith('integration/')) return 'integration';
  if (rel.startsWith('e2e/')) return 'e2e';
  return 'unit';
};
let files = all;
if (selectors.length > 0) {
  files = all.filter((f) =>
    selectors.some((s) => {
      if (['unit', 'integration', 'e2e'].includes(s)) return kindOf(f) === s;
      const compiled = s.replace(/^test\//, 'out/test/').replace(/\.ts$/, '.js');
      return f === compiled || f.startsWith(compiled.endsWith('/') ? compiled : compiled + '/');
    }),
  );
}
if (files.length === 0) {
  console.log(`No test files match ${selectors.join(' ') || 'out/test'}.`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const summaryDir = mkdtempSync(join(tmpdir(), 'thinstream-test-'));
const summaryFile = join(summaryDir, 'summary.txt');
const concurrency = Number(process.env.THINSTREAM_TEST_CONCURRENCY ?? 2);
const r = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=300000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=./scripts/summary-reporter.mjs',
    `--test-reporter-destination=${summaryFile}`,
    ...files,
  ],
  { stdio: 'inherit', env: { ...process.env, THINSTREAM_ROOT: root } },
);
let summary;
try {
  summary = readFileSync(summaryFile, 'utf8').trim();
} catch {
  summary = '';
}
rmSync(summaryDir, { recursive: true, force: true });
const lines = summary.split('\n').filter(Boolean);
const last = lines.pop() ?? '0 passed, 1 failed';
for (const line of lines) console.log(line);
const failedMatch = /(\d+) failed/.exec(last);
const runnerFailed = r.status !== 0 && failedMatch && Number(failedMatch[1]) === 0;
if (runnerFailed) {
  // The runner failed outside any test (a crash, a timeout of the whole file): count it.
  console.log(last.replace(/(\d+) failed/, '1 failed'));
  process.exit(1);
}
console.log(last);
process.exit(r.status === 0 ? 0 : 1);
