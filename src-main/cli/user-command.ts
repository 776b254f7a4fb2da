/**
 * `thinstream -c cfg.json user add <name> --password-stdin [--role admin|viewer]`: adds a user who may sign in,
 * or resets an existing user's password and role (for scripts and headless setups). `user list` and
 * `user remove <name>` too. The users file is in the config file's folder (runtime/data-dir.ts); a running
 * server notices the change at the next sign-in.
 */
import { UsersStore } from '../server/auth/users-store.js';
import { dataDirFor } from '../runtime/data-dir.js';
import { toErrorInfo } from '../../src-shared/errors.js';
import { fail, type CliCommand } from './command.js';

const USAGE =
  'usage: thinstream -c <cfg.json> user add <name> --password-stdin [--role admin|viewer] | user list | user remove <name>';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    bytes += chunk.byteLength;
    if (bytes > 64 * 1024) throw new Error('the password on stdin is longer than 64 KB');
  }
  // One trailing newline (echo, a here-string) is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Takes `-c <file>` / `--config <file>` out of the arguments. */
export function takeConfigFlag(args: string[]): { configPath: string | null; rest: string[] } {
  const rest: string[] = [];
  let configPath: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-c' || a === '--config') configPath = args[++i] ?? null;
    else rest.push(a);
  }
  return { configPath, rest };
}

export async function runUserCommand(args: string[]): Promise<number> {
  const { configPath, rest } = takeConfigFlag(args);
  if (configPath === null) return fail('user', `no config file: ${USAGE}`, 2);
  const [action, name, ...flags] = rest;
  try {
    const users = await UsersStore.open(dataDirFor(configPath));
    if (action === 'list') {
      for (const u of users.list())
        process.stdout.write(`${u.username}\t${u.role}\t${new Date(u.createdMs).toISOString()}\n`);
      return 0;
    }
    if (action === 'remove' && name !== undefined) {
      await users.remove(name);
      process.stdout.write(`user ${name} removed\n`);
      return 0;
    }
    if (action !== 'add' || name === undefined) return fail('user', USAGE, 2);
    if (!flags.includes('--password-stdin')) {
      return fail('user', 'give the password on stdin with --password-stdin (never on the command line)', 2);
    }
    const roleAt = flags.indexOf('--role');
    const role = roleAt >= 0 ? flags[roleAt + 1] : 'viewer';
    if (role !== 'admin' && role !== 'viewer') return fail('user', '--role must be admin or viewer', 2);
    const password = await readStdin();
    const { created } = await users.set(name, password, role);
    process.stdout.write(`user ${name} ${created ? 'added' : 'updated'} (${role}) in ${users.path}\n`);
    return 0;
  } catch (err) {
    return fail('user', toErrorInfo(err).message);
  }
}

export const userCommand: CliCommand = {
  name: 'user',
  summary: 'add a user or reset a password: -c <cfg.json> user add <name> --password-stdin [--role admin|viewer]',
  run: runUserCommand,
};
