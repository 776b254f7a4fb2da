import { cameraCommand } from './camera-command.js';
import type { CliCommand } from './command.js';
import { probeCommand } from './probe-command.js';
import { serverCommand } from './server-command.js';
import { startCommand } from './start-command.js';
import { userCommand } from './user-command.js';
import { discoverCommand } from '../discovery/discover-command.js';

/** Every subcommand, in the order `--help` lists them. Add one line per command file. */
export const COMMANDS: CliCommand[] = [
  cameraCommand,
  probeCommand,
  serverCommand,
  userCommand,
  discoverCommand,
  startCommand,
];
