/**
 * The config file while the server runs: read (secrets redacted) and written from the editor. A write merges the
 * editor's REDACTED placeholders with the stored secrets, validates (every problem with its path), resolves,
 * moves clear secrets into the key store, saves atomically, then hands the new resolved config to `apply`.
 *
 *   load:  loadConfig → revealSecrets → resolveConfig
 *   save:  mergeSecrets → validateConfig → revealSecrets + resolveConfig (check) → sealSecrets → saveConfig → apply
 */
import type { ConfigSaveResponse } from '../../src-shared/api.js';
import type { ThinStreamConfig } from '../../src-shared/config/config-types.js';
import type { ResolvedConfig } from '../../src-shared/config/resolved-config.js';
import { mergeSecrets, redactConfig } from '../../src-shared/config/secrets.js';
import { ConfigInvalidError, validateConfig } from '../../src-shared/config/validate-config.js';
import { loadConfig, type LoadedConfig } from '../config/load-config.js';
import { resolveConfig } from '../config/resolve-config.js';
import { saveConfig } from '../config/save-config.js';
import { revealSecrets, sealSecrets, type SecretStore } from '../config/secret-store.js';
import type { ConfigService } from '../server/server-context.js';

export type ApplyConfig = (next: ResolvedConfig, previous: ResolvedConfig) => Promise<ConfigSaveResponse>;

export class RuntimeConfig implements ConfigService {
  private writing: Promise<unknown> = Promise.resolve();
  private apply: ApplyConfig | null = null;

  private constructor(
    readonly path: string,
    readonly configDir: string,
    private readonly store: SecretStore,
    /** As on disk: secrets are references into the key store (or clear, in a hand-written file). */
    private file: ThinStreamConfig,
    private current: ResolvedConfig,
    readonly warnings: LoadedConfig['warnings'],
  ) {}

  static async load(path: string, store: SecretStore): Promise<RuntimeConfig> {
    const loaded = await loadConfig(path);
    const revealed = await revealSecrets(loaded.config, store);
    const resolved = resolveConfig(revealed, { configDir: loaded.configDir });
    return new RuntimeConfig(loaded.path, loaded.configDir, store, loaded.config, resolved, loaded.warnings);
  }

  get resolved(): ResolvedConfig {
    return this.current;
  }

  onApply(apply: ApplyConfig): void {
    this.apply = apply;
  }

  readRedacted(): unknown {
    return redactConfig(this.file);
  }

  write(incoming: unknown): Promise<ConfigSaveResponse> {
    const next = this.writing.then(() => this.writeNow(incoming));
    this.writing = next.catch(() => {});
    return next;
  }

  private async writeNow(incoming: unknown): Promise<ConfigSaveResponse> {
    const merged = mergeSecrets(incoming, this.file); // throws ConfigInvalidError naming each unknown REDACTED
    const check = validateConfig(merged);
    if (check.config === null) throw new ConfigInvalidError(check.errors, 'the edited config');
    const revealed = await revealSecrets(check.config, this.store);
    const resolved = resolveConfig(revealed, { configDir: this.configDir });
    const sealed = await sealSecrets(check.config, this.store, { prune: true });
    await saveConfig(this.path, sealed, { skipValidation: true });
    const previous = this.current;
    this.file = sealed;
    this.current = resolved;
    if (this.apply === null) return { applied: 'restart-needed', restartReasons: ['the server is not running'] };
    return this.apply(resolved, previous);
  }
}
