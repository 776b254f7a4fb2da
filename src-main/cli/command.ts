/** One `thinstream` subcommand. Each lives in its own file in src-main/cli/ and is listed in commands.ts. */
export interface CliCommand {
  /** The word after `thinstream` (`probe`, `user`, …). */
  name: string;
  /** One line for `thinstream --help`. */
  summary: string;
  /** Runs with the arguments after the name; resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

/** Writes a one-line failure the way every command does: `thinstream <cmd>: <reason>`. */
export function fail(command: string, reason: string, exitCode = 1): number {
  process.stderr.write(`thinstream ${command}: ${reason}\n`);
  return exitCode;
}
