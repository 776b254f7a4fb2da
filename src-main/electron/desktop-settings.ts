/**
 * The desktop app's own settings (close to tray, …): `desktop-settings.json` in the data folder, beside the
 * config file but not in it, since the headless service has no window. A missing or damaged file gives the
 * defaults (and a log line), never a failed start.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_DESKTOP_SETTINGS, type DesktopSettings } from '../../src-shared/ipc.js';
import { writeFileAtomic } from '../config/save-config.js';

export const DESKTOP_SETTINGS_FILENAME = 'desktop-settings.json';

export class DesktopSettingsFile {
  private current: DesktopSettings = { ...DEFAULT_DESKTOP_SETTINGS };

  private constructor(readonly path: string) {}

  static async open(dataDir: string, log: (line: string) => void = () => {}): Promise<DesktopSettingsFile> {
    const file = new DesktopSettingsFile(join(dataDir, DESKTOP_SETTINGS_FILENAME));
    let text: string;
    try {
      text = await readFile(file.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        log(`desktop: ${file.path} cannot be read (${String(err)}); using the default settings`);
      return file;
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null && 'closeToTray' in parsed) {
        const closeToTray = (parsed as { closeToTray: unknown }).closeToTray;
        if (typeof closeToTray === 'boolean') file.current.closeToTray = closeToTray;
        else log(`desktop: ${file.path}: closeToTray must be true or false; using ${file.current.closeToTray}`);
      }
    } catch {
      log(`desktop: ${file.path} is not valid JSON; using the default settings`);
    }
    return file;
  }

  get settings(): DesktopSettings {
    return { ...this.current };
  }

  async update(patch: Partial<DesktopSettings>): Promise<DesktopSettings> {
    this.current = { ...this.current, ...patch };
    await writeFileAtomic(this.path, JSON.stringify(this.current, null, 2) + '\n', 0o600);
    return this.settings;
  }
}
