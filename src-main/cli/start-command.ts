/**
 * `thinstream start`: the headless service (a Raspberry Pi, a server, `npm start` where Electron cannot run).
 * The same core as the desktop app: the config in the app-data folder unless `--config`/`-c` names one, a
 * default config with the demo camera on first run, and a one-time setup link for the admin password, printed
 * because there is no window to ask in. Runs until SIGINT/SIGTERM, then stops the streams and finishes the
 * open segments before exiting.
 */
import { toErrorInfo } from '../../src-shared/errors.js';
import { startCore, type Core } from '../runtime/first-run.js';
import { parseStartArgs, type StartArgs } from '../runtime/start-args.js';
import type { CliCommand } from './command.js';
import { fail } from './command.js';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the recorder and the viewer headless (first run: default config with a demo camera)',
  async run(argv) {
    let args: StartArgs;
    try {
      args = parseStartArgs(argv, { strict: true });
    } catch (err) {
      return fail('start', toErrorInfo(err).message, 2);
    }
    let core: Core;
    try {
      core = await startCore({
        ...(args.configPath === null ? {} : { configPath: args.configPath }),
        ...(args.port === null ? {} : { httpPort: args.port }),
        ...(args.host === null ? {} : { host: args.host }),
        demo: args.demo,
      });
    } catch (err) {
      return fail('start', toErrorInfo(err).message);
    }
    printBanner(core);
    return waitForStopSignal(core);
  },
};

function printBanner(core: Core): void {
  const lines = [`ThinStream is running: ${core.runtime.url}`];
  if (core.setupLink !== null)
    lines.push(`First run: open ${core.setupLink} to set the admin password (the link works once)`);
  lines.push(
    `Config ${core.configPath}; recordings in ${core.runtime.config.resolved.storage.rootPath}. Ctrl+C stops.`,
  );
  process.stdout.write(lines.join('\n') + '\n');
}

function waitForStopSignal(core: Core): Promise<number> {
  return new Promise((done) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        process.stderr.write(`thinstream start: ${signal} again; exiting without finishing the open segments\n`);
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(`thinstream start: ${signal}; stopping streams and finishing the open segments\n`);
      core.close().then(
        () => done(0),
        (err: unknown) => {
          process.stderr.write(`thinstream start: stopping failed: ${toErrorInfo(err).message}\n`);
          done(1);
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
