/**
 * The marker the API puts where a secret (a camera password) was: sent back untouched, the server keeps the
 * stored value. Must equal REDACTED in src-shared/config/secrets.ts.
 */
export const REDACTED_MARKER = '***REDACTED***';
