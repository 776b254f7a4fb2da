/** Checks the draft with the shared validator (src-shared/config) before it is sent: the same rules as the server. */
import type { ErrorInfo } from '../../src-shared/errors.js';
import { validateConfig } from '../../src-shared/config/index.js';

export function checkDraft(draft: unknown): ErrorInfo[] {
  return validateConfig(draft).errors;
}
