import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from out/test, compiled). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A file under test/fixtures/ in the source tree. */
export function fixturePath(...parts: string[]): string {
  return resolve(REPO_ROOT, 'test/fixtures', ...parts);
}
