/**
 * Reading a config file: CONFIG_NOT_FOUND when it cannot be read, CONFIG_INVALID with line and column when it is
 * not JSON, and a ConfigInvalidError holding every problem (each with its JSON path) when it is not a valid config.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ThinStreamError, toErrorInfo } from '../../src-shared/errors.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { formatConfigErrors, formatConfigWarnings } from '../../src-shared/config/format-errors.js';
import type { ConfigWarning, ThinStreamConfig } from '../../src-shared/config/config-types.js';
import { ConfigInvalidError, validateConfig } from '../../src-shared/config/validate-config.js';

export interface LoadedConfig {
  /** Absolute path of the file. */
  path: string;
  /** Its folder: what relative paths in it are resolved against (pass to resolveConfig). */
  configDir: string;
  /** The file's object as written, unknown keys included, typed once valid. */
  config: ThinStreamConfig;
  warnings: ConfigWarning[];
}

/** Reads, parses and validates; throws ThinStreamError CONFIG_NOT_FOUND / CONFIG_INVALID or ConfigInvalidError. */
export async function loadConfig(path: string): Promise<LoadedConfig> {
  const absolute = resolve(path);
  const raw = await readConfigJson(absolute);
  const check = validateConfig(raw);
  if (check.config === null) throw new ConfigInvalidError(check.errors, absolute);
  return { path: absolute, configDir: dirname(absolute), config: check.config, warnings: check.warnings };
}

/** The file's JSON value, not validated. */
export async function readConfigJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES' || code === 'EPERM'
          ? 'cannot be read (permission denied)'
          : code === 'EISDIR'
            ? 'is a folder, not a file'
            : `cannot be read (${code ?? String(err)})`;
    throw new ThinStreamError('CONFIG_NOT_FOUND', `config file ${path} ${why}`, { cause: err });
  }
  return parseConfigText(text, path);
}

/** JSON.parse with the error's line and column in the message (`cfg.json line 12, column 5: …`). */
export function parseConfigText(text: string, file = 'config'): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    const position = /at position (\d+)/.exec(detail);
    const offset = position ? Number(position[1]) : body.trimEnd().length;
    const { line, column } = lineAndColumn(body, offset);
    const what = detail.replace(/\s*in JSON at position \d+.*$/, '').replace(/^JSON\.parse: /, '');
    throw new ThinStreamError(
      'CONFIG_INVALID',
      `${file} line ${line}, column ${column}: not valid JSON: ${what}${nearText(body, offset)}`,
      { cause: err },
    );
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function nearText(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const lineEndAt = text.indexOf('\n', offset);
  const lineText = text.slice(lineStart, lineEndAt < 0 ? text.length : lineEndAt).trim();
  if (lineText === '') return '';
  return ` (near ${JSON.stringify(lineText.length > 50 ? lineText.slice(0, 47) + '...' : lineText)})`;
}

export interface ConfigFileReport {
  ok: boolean;
  /** What the CLI prints for `-c cfg.json`: every error with its path, or OK with a summary, then warnings. */
  text: string;
  errors: ErrorInfo[];
  warnings: ConfigWarning[];
}

/** Loads and validates without throwing: the original's `-c cfg.json` on its own. */
export async function checkConfigFile(path: string): Promise<ConfigFileReport> {
  const absolute = resolve(path);
  try {
    const { config, warnings } = await loadConfig(absolute);
    const cameras = (config.server?.streamsGrps ?? []).flatMap((g) => g.streams ?? []);
    const versions = cameras.flatMap((c) => c.versions ?? []);
    const summary = `${absolute}: OK (${cameras.length} camera${cameras.length === 1 ? '' : 's'}, ${versions.length} stream${versions.length === 1 ? '' : 's'}, ${(config.http?.ports ?? []).length} HTTP port${(config.http?.ports ?? []).length === 1 ? '' : 's'})`;
    const text = [summary, formatConfigWarnings(warnings, absolute)].filter((t) => t !== '').join('\n');
    return { ok: true, text, errors: [], warnings };
  } catch (err) {
    if (err instanceof ConfigInvalidError)
      return { ok: false, text: formatConfigErrors(err.errors, absolute), errors: err.errors, warnings: [] };
    const info = toErrorInfo(err);
    return { ok: false, text: info.message, errors: [info], warnings: [] };
  }
}
