/** The config's public face in the core: load, validate, resolve, save, defaults, secrets. */
export { loadConfig, readConfigJson, parseConfigText, checkConfigFile } from './load-config.js';
export type { LoadedConfig, ConfigFileReport } from './load-config.js';
export { saveConfig, writeFileAtomic, orderLike } from './save-config.js';
export { resolveConfig, mergeParams } from './resolve-config.js';
export type { ResolveOptions } from './resolve-config.js';
export {
  defaultConfig,
  demoCameraEntry,
  appDataDir,
  CONFIG_FILENAME,
  DEFAULT_HTTPS_PORT,
  DEMO_DEVICE_UID,
} from './default-config.js';
export { FileSecretStore, sealSecrets, revealSecrets, secretRef } from './secret-store.js';
export type { SecretStore } from './secret-store.js';
export * from '../../src-shared/config/index.js';
