/**
 * The desktop app's entry (package.json "main"): one instance per user, then the DesktopApp. A second launch
 * shows the running instance's window instead.
 */
import { app } from 'electron';
import { toErrorInfo } from '../../src-shared/errors.js';
import { parseStartArgs, type StartArgs } from '../runtime/start-args.js';
import { DesktopApp } from './desktop-app.js';

// `electron .` passes the app folder first; a packaged app's arguments start right after the executable.
const argv = process.argv.slice(process.defaultApp ? 2 : 1);
let args: StartArgs;
try {
  args = parseStartArgs(argv, { strict: false });
} catch (err) {
  process.stderr.write(`thinstream: ${toErrorInfo(err).message}\n`);
  app.exit(2);
  throw err;
}

if (!app.requestSingleInstanceLock()) {
  process.stderr.write('thinstream: ThinStream is already running; showing its window\n');
  app.exit(0);
} else {
  const desktop = new DesktopApp(args);
  desktop.install();
  desktop.start().then(
    () => process.stdout.write('thinstream-desktop: ready\n'),
    (err: unknown) => desktop.failed(err),
  );
}
