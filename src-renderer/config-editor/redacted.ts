/** The marker the API puts where a secret was; sent back untouched, the server keeps the stored value. */
export { REDACTED as REDACTED_MARKER } from '../../src-shared/config/index.js';
