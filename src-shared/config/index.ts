/** The config's public face for both sides: types, defaults, units, validation, redaction. */
export * from './config-types.js';
export * from './config-defaults.js';
export * from './resolved-config.js';
export * from './units.js';
export { validateConfig, assertValidConfig, ConfigInvalidError } from './validate-config.js';
export type { ConfigCheck } from './validate-config.js';
export { formatConfigErrors, formatConfigWarnings } from './format-errors.js';
export {
  REDACTED,
  SECRET_REF_PREFIX,
  isSecretKey,
  isSecretRef,
  secretSlots,
  redactConfig,
  mergeSecrets,
  cloneConfig,
} from './secrets.js';
export type { SecretSlot } from './secrets.js';
export { parseRtspUrl, formatRtspUrl, hasScheme, checkHost } from './rtsp-url.js';
export type { RtspUrlParts } from './rtsp-url.js';
export { joinPath } from './config-checker.js';
export { planConfigChange } from './config-changes.js';
export type { ConfigChangePlan } from './config-changes.js';
