/** The desktop app's and `thinstream start`'s command line (start-args.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStartArgs } from '../../src-main/runtime/start-args.js';

test('--config, --config= and the original’s -c name the config file', () => {
  for (const argv of [['--config', '/etc/ts.json'], ['--config=/etc/ts.json'], ['-c', '/etc/ts.json']])
    assert.equal(parseStartArgs(argv, { strict: true }).configPath, '/etc/ts.json', argv.join(' '));
});

test('defaults: app-data config, the config’s port and host, a demo camera on first run, a window', () => {
  assert.deepEqual(parseStartArgs([], { strict: true }), {
    configPath: null,
    port: null,
    host: null,
    demo: true,
    hidden: false,
  });
  assert.deepEqual(parseStartArgs(['--port', '0', '--host=127.0.0.1', '--no-demo', '--hidden'], { strict: true }), {
    configPath: null,
    port: 0,
    host: '127.0.0.1',
    demo: false,
    hidden: true,
  });
});

test('the CLI refuses what it does not know and bad values, naming them and showing the usage', () => {
  for (const [argv, words] of [
    [['--colour'], /unknown argument "--colour"/],
    [['--port', '70000'], /--port must be a number from 0 to 65535, got "70000"/],
    [['--port', '-1'], /--port must be a number/],
    [['--port=8o'], /got "8o"/],
    [['-c'], /-c needs a value/],
  ] as const)
    assert.throws(
      () => parseStartArgs(argv, { strict: true }),
      (err: Error & { code?: string }) =>
        err.code === 'BAD_REQUEST' && words.test(err.message) && /usage: thinstream start/.test(err.message),
      argv.join(' '),
    );
});

test('the desktop app ignores switches Chromium and the OS add', () => {
  const args = parseStartArgs(['--no-sandbox', '-psn_0_12345', '--config', 'a.json', '--enable-logging'], {
    strict: false,
  });
  assert.equal(args.configPath, 'a.json');
});
