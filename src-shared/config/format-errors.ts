/**
 * The CLI's words for a config check (`thinstream -c cfg.json`): every error on its own line with its path, then
 * warnings, with the keys the original uses and we ignore folded into one line so they do not drown the rest.
 */
import type { ErrorInfo } from '../errors.js';
import type { ConfigWarning } from './config-types.js';

export function formatConfigErrors(errors: readonly ErrorInfo[], file = 'config'): string {
  if (errors.length === 0) return `${file}: OK`;
  const lines = [`${file}: ${errors.length} problem${errors.length === 1 ? '' : 's'}:`];
  for (const e of errors) lines.push(`  ${e.path === undefined || e.path === '' ? '(file)' : e.path}: ${e.message}`);
  return lines.join('\n');
}

export function formatConfigWarnings(warnings: readonly ConfigWarning[], file = 'config'): string {
  if (warnings.length === 0) return '';
  const lines: string[] = [];
  for (const w of warnings) if (w.kind !== 'unused' && w.kind !== 'disabled') lines.push(`  ${w.path}: ${w.message}`);
  const unused = warnings.filter((w) => w.kind === 'unused').map((w) => w.path);
  if (unused.length > 0) lines.push(`  kept but not used by ThinStream (${unused.length}): ${unused.join(', ')}`);
  const disabled = warnings.filter((w) => w.kind === 'disabled').map((w) => w.path);
  if (disabled.length > 0)
    lines.push(`  switched off by a trailing underscore, kept (${disabled.length}): ${disabled.join(', ')}`);
  return [`${file}: ${warnings.length} warning${warnings.length === 1 ? '' : 's'}:`, ...lines].join('\n');
}
