/**
 * What each bridge channel does in main (the checks come first, in ipc-router.ts). Only things a browser
 * cannot do: the OS file manager, a folder dialog, window modes on a chosen monitor, login items, app version.
 */
import { mkdir } from 'node:fs/promises';
import { app, dialog, screen, shell, type BrowserWindow, type Display } from 'electron';
import type { DisplayInfo, WindowModeRequest, WindowModeResult } from '../../src-shared/ipc.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import type { Core } from '../runtime/first-run.js';
import type { DesktopSettingsFile } from './desktop-settings.js';
import type { IpcHandlers } from './ipc-router.js';
import { LOGIN_ARGS, linuxStartsAtLogin, loginCommand, setLinuxStartAtLogin } from './login-item.js';

export interface HandlerContext {
  core: Core;
  settings: DesktopSettingsFile;
  mainWindow(): BrowserWindow | null;
}

export function ipcHandlers(ctx: HandlerContext): IpcHandlers {
  const window = (): BrowserWindow => {
    const win = ctx.mainWindow();
    if (win === null || win.isDestroyed()) throw new ThinStreamError('NOT_FOUND', 'the ThinStream window is closed');
    return win;
  };
  return {
    'app:get-version': () => ({
      version: app.getVersion(),
      electron: process.versions.electron ?? '',
      chrome: process.versions.chrome ?? '',
      node: process.versions.node,
      platform: process.platform,
    }),
    'recordings:open-folder': async () => {
      const path = ctx.core.runtime.config.resolved.storage.rootPath;
      await mkdir(path, { recursive: true });
      const failure = await shell.openPath(path);
      if (failure !== '') throw new ThinStreamError('INTERNAL', `the file manager could not open ${path}: ${failure}`);
      return { path };
    },
    'dialog:choose-folder': async (request) => {
      const result = await dialog.showOpenDialog(window(), {
        title: request.title ?? 'Choose a folder',
        properties: ['openDirectory', 'createDirectory', 'dontAddToRecent'],
      });
      return { path: result.canceled ? null : (result.filePaths[0] ?? null) };
    },
    'window:list-displays': () => listDisplays(),
    'window:set-mode': (request) => setWindowMode(window(), request),
    'app:get-start-at-login': () => startAtLogin(),
    'app:set-start-at-login': async (request) => {
      if (process.platform === 'linux') {
        const command = loginCommand({ isPackaged: app.isPackaged, execPath: process.execPath, env: process.env });
        if (command === null)
          throw new ThinStreamError(
            'NOT_IMPLEMENTED',
            'start at login needs the installed app (an AppImage or a .deb); a development checkout has no stable command to start',
          );
        await setLinuxStartAtLogin(request.enabled, command);
      } else {
        app.setLoginItemSettings({ openAtLogin: request.enabled, args: LOGIN_ARGS });
      }
      return startAtLogin();
    },
    'desktop:get-settings': () => ctx.settings.settings,
    'desktop:set-settings': (request) => ctx.settings.update(request),
  };
}

async function startAtLogin(): Promise<{ enabled: boolean; supported: boolean }> {
  if (process.platform === 'linux') {
    const supported =
      loginCommand({ isPackaged: app.isPackaged, execPath: process.execPath, env: process.env }) !== null;
    return { enabled: await linuxStartsAtLogin(), supported };
  }
  return { enabled: app.getLoginItemSettings({ args: LOGIN_ARGS }).openAtLogin, supported: true };
}

function displayLabel(display: Display, index: number): string {
  const name = display.label !== '' ? display.label : `Display ${index + 1}`;
  return `${name} (${display.size.width}×${display.size.height})`;
}

export function listDisplays(): DisplayInfo[] {
  const primary = screen.getPrimaryDisplay().id;
  return screen.getAllDisplays().map((d, i) => ({
    id: d.id,
    label: displayLabel(d, i),
    primary: d.id === primary,
    bounds: { ...d.bounds },
  }));
}

/** Windowed, full screen or kiosk, on the monitor asked for (the one the window is on by default). */
export function setWindowMode(win: BrowserWindow, request: WindowModeRequest): WindowModeResult {
  const displays = screen.getAllDisplays();
  const target =
    request.displayId === undefined
      ? screen.getDisplayMatching(win.getBounds())
      : displays.find((d) => d.id === request.displayId);
  if (target === undefined)
    throw new ThinStreamError(
      'BAD_REQUEST',
      `IPC window:set-mode: there is no display ${request.displayId} (window:list-displays lists ${displays.map((d) => d.id).join(', ')})`,
    );
  // Leave full screen first: a full-screen window cannot move to another monitor.
  if (win.isKiosk()) win.setKiosk(false);
  if (win.isFullScreen()) win.setFullScreen(false);
  if (!win.isVisible()) win.show();
  const area = target.workArea;
  if (request.mode === 'windowed') {
    if (request.displayId !== undefined) {
      const { width, height } = win.getBounds();
      const w = Math.min(width, area.width);
      const h = Math.min(height, area.height);
      win.setBounds({
        x: area.x + Math.round((area.width - w) / 2),
        y: area.y + Math.round((area.height - h) / 2),
        width: w,
        height: h,
      });
    }
  } else {
    win.setBounds({ ...target.bounds });
    if (request.mode === 'kiosk') win.setKiosk(true);
    else win.setFullScreen(true);
  }
  return { mode: request.mode, displayId: target.id };
}
