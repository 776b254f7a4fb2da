/**
 * `thinstream`, the headless entry: subcommands (`thinstream probe <url>`, …) and the original's flags
 * (`-c cfg.json -runServer`, `-genCA`, …), which are handled by the command registered as `server`.
 */
import { COMMANDS } from './cli/commands.js';

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    printHelp();
    return first === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command) return command.run(rest);
  // The original's flag style: `thinstream -c cfg.json -runServer`.
  const server = COMMANDS.find((c) => c.name === 'server');
  if (first.startsWith('-') && server) return server.run(argv);
  process.stderr.write(`thinstream: unknown command ${JSON.stringify(first)}; see thinstream --help\n`);
  return 2;
}

function printHelp(): void {
  const lines = ['Usage: thinstream <command> [options]', '       thinstream -c <cfg.json> [-runServer] [...]', ''];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  process.stdout.write(lines.join('\n') + '\n');
}
