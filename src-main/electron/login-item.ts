/**
 * Start at login. macOS and Windows have login items (Electron's app.setLoginItemSettings); Linux desktops follow
 * the XDG autostart spec: a `.desktop` file in `$XDG_CONFIG_HOME/autostart` (default `~/.config/autostart`) runs at
 * sign-in. The app starts with `--hidden`, recording in the tray without opening its window. Only a packaged app
 * (an AppImage, a .deb install) has a stable command to put there; a development checkout reports "unsupported".
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../config/save-config.js';

export const AUTOSTART_FILENAME = 'thinstream.desktop';
export const LOGIN_ARGS = ['--hidden'];

/** The autostart file's path (XDG Base Directory spec: a relative XDG_CONFIG_HOME is ignored). */
export function autostartPath(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env['XDG_CONFIG_HOME'];
  return join(xdg !== undefined && xdg.startsWith('/') ? xdg : join(home, '.config'), 'autostart', AUTOSTART_FILENAME);
}

/** Quotes one argument of a desktop entry's Exec key (Desktop Entry spec, "The Exec key"). */
export function quoteExecArg(arg: string): string {
  if (!/[\s"'\\`$<>|&;*?#()~=%]/.test(arg)) return arg;
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

/** The `.desktop` file that starts `command` at login. */
export function autostartEntry(command: string, args: readonly string[] = LOGIN_ARGS): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=ThinStream',
    'Comment=Network video recorder: keeps recording your cameras',
    `Exec=${[command, ...args].map(quoteExecArg).join(' ')}`,
    'Icon=thinstream',
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * The command a login item should run, or null when there is none that will still work after this process ends:
 * the AppImage's own path (APPIMAGE), else the installed executable when packaged.
 */
export function loginCommand(input: { isPackaged: boolean; execPath: string; env: NodeJS.ProcessEnv }): string | null {
  const appImage = input.env['APPIMAGE'];
  if (appImage !== undefined && appImage.startsWith('/')) return appImage;
  return input.isPackaged ? input.execPath : null;
}

/** Linux: whether our autostart file exists (one another program wrote under our name does not count). */
export async function linuxStartsAtLogin(path: string = autostartPath()): Promise<boolean> {
  try {
    return (await readFile(path, 'utf8')).includes('Name=ThinStream');
  } catch {
    return false;
  }
}

/** Linux: writes or removes the autostart file. */
export async function setLinuxStartAtLogin(
  enabled: boolean,
  command: string,
  path: string = autostartPath(),
): Promise<void> {
  if (!enabled) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, autostartEntry(command), 0o644);
}
