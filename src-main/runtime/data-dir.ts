/**
 * The data folder: where the users file and the issued-certificates registry live. It is the config file's
 * own folder, so `thinstream -c /etc/thinstream/cfg.json` keeps everything beside its config, and the desktop
 * app (whose config sits in the OS app-data folder) keeps it there.
 */
import { dirname, resolve } from 'node:path';

export function dataDirFor(configPath: string): string {
  return dirname(resolve(configPath));
}
