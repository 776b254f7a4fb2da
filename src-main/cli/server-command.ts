/**
 * The original service's flags (`thinstream-server [params]`), which `thinstream` accepts as they are:
 *
 *   thinstream -c cfg.json                 loads and validates the config; every problem with its JSON path
 *   thinstream -c cfg.json -genCA -genSSL  makes the root CA, then a server certificate per HTTPS port
 *   thinstream -c cfg.json -extendCA       renews the CA's validity, same key
 *   thinstream -c cfg.json -runServer      runs until SIGINT/SIGTERM (TEARDOWN, segments finished, servers closed)
 *   thinstream -c cfg.json user add <name> --password-stdin [--role admin|viewer]
 *
 * Debug flags: `-msRunAndQuit N` stops after N ms, `-msSleepBeforeRun N`, `-msSleepAfterRun N`. Ours:
 * `-createConfig` writes a default config at `-c`'s path when there is none.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { toErrorInfo } from '../../src-shared/errors.js';
import { formatConfigErrors, formatConfigWarnings } from '../../src-shared/config/format-errors.js';
import { ConfigInvalidError } from '../../src-shared/config/validate-config.js';
import type { ResolvedConfig } from '../../src-shared/config/resolved-config.js';
import { loadConfig } from '../config/load-config.js';
import { resolveConfig } from '../config/resolve-config.js';
import { FileSecretStore, revealSecrets } from '../config/secret-store.js';
import { extendCa, genCa, genSsl } from '../certs/index.js';
import { dataDirFor } from '../runtime/data-dir.js';
import { startRuntime, writeDefaultConfig } from '../runtime/runtime.js';
import { fail, type CliCommand } from './command.js';
import { runUserCommand } from './user-command.js';

const USAGE =
  'usage: thinstream -c <cfg.json> [-createConfig] [-genCA] [-extendCA] [-genSSL] [-runServer] [-msRunAndQuit N] [-msSleepBeforeRun N] [-msSleepAfterRun N]\n' +
  '       thinstream -c <cfg.json> user add <name> --password-stdin [--role admin|viewer]';

export interface ServerFlags {
  configPath: string | null;
  createConfig: boolean;
  genCA: boolean;
  extendCA: boolean;
  genSSL: boolean;
  runServer: boolean;
  msRunAndQuit: number | null;
  msSleepBeforeRun: number;
  msSleepAfterRun: number;
}

export function parseServerFlags(args: string[]): ServerFlags {
  const flags: ServerFlags = {
    configPath: null,
    createConfig: false,
    genCA: false,
    extendCA: false,
    genSSL: false,
    runServer: false,
    msRunAndQuit: null,
    msSleepBeforeRun: 0,
    msSleepAfterRun: 0,
  };
  const number = (name: string, text: string | undefined): number => {
    const n = Number(text);
    if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(n)) {
      throw new Error(`${name} needs a number of milliseconds, got ${JSON.stringify(text ?? null)}`);
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    switch (a) {
      case '-c':
      case '--config': {
        const path = args[++i];
        if (path === undefined || path.startsWith('-')) throw new Error(`${a} needs the config file's path`);
        flags.configPath = path;
        break;
      }
      case '-createConfig':
        flags.createConfig = true;
        break;
      case '-genCA':
        flags.genCA = true;
        break;
      case '-extendCA':
        flags.extendCA = true;
        break;
      case '-genSSL':
        flags.genSSL = true;
        break;
      case '-runServer':
        flags.runServer = true;
        break;
      case '-msRunAndQuit':
        flags.msRunAndQuit = number(a, args[++i]);
        break;
      case '-msSleepBeforeRun':
        flags.msSleepBeforeRun = number(a, args[++i]);
        break;
      case '-msSleepAfterRun':
        flags.msSleepAfterRun = number(a, args[++i]);
        break;
      default:
        throw new Error(`unknown flag ${JSON.stringify(a)}`);
    }
  }
  return flags;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Loads, validates and resolves; prints every problem with its path and returns null when invalid. */
async function checkConfig(path: string): Promise<ResolvedConfig | null> {
  try {
    const loaded = await loadConfig(path);
    const warnings = formatConfigWarnings(loaded.warnings, path);
    if (warnings !== '') process.stderr.write(`${warnings}\n`);
    const store = new FileSecretStore(join(dataDirFor(path), 'secrets.json'));
    const resolved = resolveConfig(await revealSecrets(loaded.config, store), { configDir: loaded.configDir });
    return resolved;
  } catch (err) {
    const errors: ErrorInfo[] = err instanceof ConfigInvalidError ? err.errors : [toErrorInfo(err)];
    process.stderr.write(`${formatConfigErrors(errors, path)}\n`);
    return null;
  }
}

function summary(path: string, r: ResolvedConfig): string {
  const enabled = r.streams.filter((s) => s.enabled);
  const ports = r.http.ports
    .filter((p) => p.enabled)
    .map((p) => `${p.port}${p.tls ? ' (HTTPS)' : ' (HTTP)'}`)
    .join(', ');
  return (
    `${path}: OK: ${r.cameras.length} camera(s), ${enabled.length} stream version(s) enabled, ` +
    `${enabled.filter((s) => s.recording.enabled).length} recorded to ${r.storage.rootPath}; ports ${ports || 'none'}\n`
  );
}

/** Runs until SIGINT/SIGTERM or `msRunAndQuit`. */
async function runServer(configPath: string, msRunAndQuit: number | null): Promise<number> {
  const runtime = await startRuntime({ configPath, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`thinstream: serving ${runtime.urls.join(', ')}\n`);
  if (runtime.setupUrl) process.stdout.write(`thinstream: create the admin at ${runtime.setupUrl}\n`);
  const reason = await new Promise<string>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => resolve(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    if (msRunAndQuit !== null) setTimeout(() => resolve(`-msRunAndQuit ${msRunAndQuit}`), msRunAndQuit);
  });
  process.stderr.write(`thinstream: stopping (${reason})\n`);
  await runtime.close();
  return 0;
}

export async function runServerCommand(args: string[]): Promise<number> {
  const userAt = args.indexOf('user');
  if (userAt >= 0) return runUserCommand([...args.slice(0, userAt), ...args.slice(userAt + 1)]);
  let flags: ServerFlags;
  try {
    flags = parseServerFlags(args);
  } catch (err) {
    return fail('server', `${(err as Error).message}\n${USAGE}`, 2);
  }
  if (flags.configPath === null) return fail('server', `no config file (-c)\n${USAGE}`, 2);
  const path = flags.configPath;
  if (flags.msSleepBeforeRun > 0) await sleep(flags.msSleepBeforeRun);
  try {
    if (flags.createConfig) {
      if (existsSync(path)) return fail('server', `${path} exists already; -createConfig writes a new config only`);
      await writeDefaultConfig(path, dataDirFor(path), new FileSecretStore(join(dataDirFor(path), 'secrets.json')));
      process.stdout.write(`${path}: default config written\n`);
    }
    const resolved = await checkConfig(path);
    if (resolved === null) return 1;
    process.stdout.write(summary(path, resolved));
    if (flags.genCA) {
      const ca = await genCa(resolved);
      process.stdout.write(
        `CA made: ${resolved.certs.ca.certPath} (valid until ${new Date(ca.notAfterMs).toISOString()})\n`,
      );
    }
    if (flags.extendCA) {
      const ca = await extendCa(resolved);
      process.stdout.write(`CA extended: valid until ${new Date(ca.notAfterMs).toISOString()}\n`);
    }
    if (flags.genSSL) {
      for (const written of await genSsl(resolved)) process.stdout.write(`server certificate made: ${written}\n`);
    }
    const code = flags.runServer ? await runServer(path, flags.msRunAndQuit) : 0;
    if (flags.msSleepAfterRun > 0) await sleep(flags.msSleepAfterRun);
    return code;
  } catch (err) {
    return fail('server', toErrorInfo(err).message);
  }
}

export const serverCommand: CliCommand = {
  name: 'server',
  summary: "the original's flags: -c <cfg.json> [-genCA] [-extendCA] [-genSSL] [-runServer] [-msRunAndQuit N]",
  run: runServerCommand,
};
