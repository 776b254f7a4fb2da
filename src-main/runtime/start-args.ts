/**
 * The command line of the desktop app and of `thinstream start` (the headless service), read the same way:
 *
 *   --config <file> | --config=<file> | -c <file>   the config file (default: the OS app-data folder's)
 *   --port <n>       the viewer's HTTPS port for this run (0 = any free port); on first run it is also written
 *   --host <addr>    the address to listen on (default all interfaces, so LAN browsers reach it)
 *   --no-demo        first run: no demo camera in the new config
 *   --hidden         desktop: start in the tray without opening the window (used by start at login)
 *
 * The desktop app reads its argv leniently (Chromium and the OS add switches of their own); the CLI strictly.
 */
import { ThinStreamError } from '../../src-shared/errors.js';

export interface StartArgs {
  configPath: string | null;
  port: number | null;
  host: string | null;
  demo: boolean;
  hidden: boolean;
}

export const START_USAGE =
  'usage: thinstream start [--config <file> | -c <file>] [--port <n>] [--host <addr>] [--no-demo]';

function usage(reason: string): ThinStreamError {
  return new ThinStreamError('BAD_REQUEST', `${reason}; ${START_USAGE}`);
}

export function parseStartArgs(argv: readonly string[], options: { strict: boolean }): StartArgs {
  const args: StartArgs = { configPath: null, port: null, host: null, demo: true, hidden: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined || next === '') throw usage(`${name} needs a value`);
      i++;
      return next;
    };
    switch (name) {
      case '--config':
      case '-c':
        args.configPath = value();
        break;
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port > 65535) throw usage(`--port must be a number from 0 to 65535, got "${text}"`);
        args.port = port;
        break;
      }
      case '--host':
        args.host = value();
        break;
      case '--no-demo':
        args.demo = false;
        break;
      case '--hidden':
        args.hidden = true;
        break;
      default:
        if (options.strict) throw usage(`unknown argument "${arg}"`);
    }
  }
  return args;
}
