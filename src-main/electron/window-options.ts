/**
 * The options of every window the shell opens, in one place that does not load Electron at run time (types
 * only), so a test can assert each security setting without a display. The renderer is the same bundle LAN
 * browsers get and is treated as untrusted: no Node, its own JavaScript world, Chromium's sandbox, and only the
 * preload bridge (src-shared/ipc.ts) between it and main.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** The web preferences every ThinStream window uses (the main window, the first-run setup window, app pop-ups). */
export function secureWebPreferences(preloadPath: string | null, partition?: string): WebPreferences {
  return {
    // The renderer's JavaScript never shares a world with the preload's (Electron security checklist §3).
    contextIsolation: true,
    // Chromium's OS-level sandbox for the renderer and the preload (checklist §4); the preload is a CommonJS
    // bundle for that reason (sandboxed preloads cannot be ES modules).
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    // Same-origin policy and mixed-content blocking stay on (checklist §5, §8).
    webSecurity: true,
    allowRunningInsecureContent: false,
    // No <webview>: nothing else gets embedded (checklist §12).
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    // A page cannot flood the user with alert() loops.
    safeDialogs: true,
    spellcheck: false,
    ...(preloadPath === null ? {} : { preload: preloadPath }),
    ...(partition === undefined ? {} : { partition }),
  };
}

export interface MainWindowOptionsInput {
  /** The CommonJS preload bundle (out/src-main/electron/preload.cjs). */
  preloadPath: string;
  /** A PNG of the app icon (Linux and Windows use it for the window; macOS uses the bundle's). */
  iconPath?: string;
  title?: string;
}

/** The camera grid window. Shown once its page is ready, so it never flashes white. */
export function mainWindowOptions(input: MainWindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    title: input.title ?? 'ThinStream',
    width: 1280,
    height: 800,
    minWidth: 480,
    minHeight: 320,
    show: false,
    backgroundColor: '#111418',
    autoHideMenuBar: true,
    ...(input.iconPath === undefined ? {} : { icon: input.iconPath }),
    webPreferences: secureWebPreferences(input.preloadPath),
  };
}

/** A session partition the first-run setup window uses: in memory, with no cookie of the main window's. */
export const SETUP_PARTITION = 'thinstream-setup';

/**
 * The first-run window that asks for the admin password for LAN access (the core's own sign-in page in its
 * create-admin form). No bridge: it needs none.
 */
export function setupWindowOptions(input: { iconPath?: string }): BrowserWindowConstructorOptions {
  return {
    title: 'Set an admin password for LAN access · ThinStream',
    width: 520,
    height: 640,
    resizable: true,
    minimizable: false,
    show: false,
    backgroundColor: '#111418',
    autoHideMenuBar: true,
    ...(input.iconPath === undefined ? {} : { icon: input.iconPath }),
    webPreferences: secureWebPreferences(null, SETUP_PARTITION),
  };
}

/** The preferences a window opened by an app page gets (setWindowOpenHandler's overrideBrowserWindowOptions). */
export function childWindowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return { autoHideMenuBar: true, webPreferences: secureWebPreferences(preloadPath) };
}
