/**
 * The desktop app: starts the core in the main process (first run writes the config with the demo camera),
 * opens a window on the core's own HTTPS URL signed in as the local app, asks for the admin password for LAN
 * access on first run, keeps recording in the tray when the window is closed (a setting), and on quit stops
 * the streams and finishes the open segments before the process ends.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BrowserWindow, app, dialog, ipcMain, safeStorage, session, shell } from 'electron';
import { toErrorInfo } from '../../src-shared/errors.js';
import { IPC_CHANNELS } from '../../src-shared/ipc.js';
import { CONFIG_FILENAME, appDataDir } from '../config/default-config.js';
import { startCore, type Core } from '../runtime/first-run.js';
import type { StartArgs } from '../runtime/start-args.js';
import { DesktopSettingsFile } from './desktop-settings.js';
import { ipcHandlers } from './ipc-handlers.js';
import { IpcRouter } from './ipc-router.js';
import { openDesktopSecretStore } from './safe-storage-secret-store.js';
import { lockDownSession, lockDownWebContents, type AppTrust } from './session-policy.js';
import { serverCertificateTrust } from './server-certificate.js';
import { DesktopTray } from './tray.js';
import { SETUP_PARTITION, mainWindowOptions, setupWindowOptions } from './window-options.js';

/** out/src-main/electron/ → the project (or app.asar) root. */
const APP_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const PRELOAD_PATH = join(dirname(fileURLToPath(import.meta.url)), 'preload.cjs');
const WINDOW_ICON = join(APP_ROOT, 'assets/icons/png/256x256.png');
const TRAY_ICON = join(APP_ROOT, 'assets/icons/png/32x32.png');
/** A quit that cannot finish the segments in this time exits anyway (the recorder's files stay playable). */
const STOP_TIMEOUT_MS = 15_000;

export class DesktopApp {
  private core: Core | null = null;
  private settings: DesktopSettingsFile | null = null;
  private window: BrowserWindow | null = null;
  private setupWindow: BrowserWindow | null = null;
  private tray: DesktopTray | null = null;
  private quitting = false;
  private stopped = false;
  private readonly trust: AppTrust;

  constructor(private readonly args: StartArgs) {
    this.trust = { appOrigin: '', certificate: null, preloadPath: PRELOAD_PATH, log: (line) => this.log(line) };
  }

  log(line: string): void {
    process.stderr.write(`${line}\n`);
  }

  /** Before `ready`: the rules that must hold for every web contents ever created, and the quit sequence. */
  install(): void {
    app.enableSandbox();
    lockDownWebContents(app, this.trust);
    app.on('second-instance', () => this.showWindow());
    app.on('activate', () => this.showWindow());
    app.on('before-quit', () => {
      this.quitting = true;
    });
    app.on('window-all-closed', () => {
      if (!(this.settings?.settings.closeToTray ?? false) || this.tray === null) app.quit();
    });
    app.on('will-quit', (event) => {
      if (this.stopped || this.core === null) return;
      event.preventDefault();
      void this.stopCore().then(() => app.quit());
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());
  }

  async start(): Promise<void> {
    await app.whenReady();
    const configPath = resolve(this.args.configPath ?? join(appDataDir(), CONFIG_FILENAME));
    const dataDir = dirname(configPath);
    const secrets = openDesktopSecretStore(dataDir, safeStorage);
    this.log(`desktop: passwords kept in ${secrets.kind === 'os-key-storage' ? 'the OS key storage' : 'a key file'}`);
    this.settings = await DesktopSettingsFile.open(dataDir, (line) => this.log(line));
    const setupToken = randomBytes(24).toString('base64url');
    const packagedClip = join(process.resourcesPath, 'demo', 'demo.h264');
    const core = await startCore({
      configPath,
      secretStore: secrets.store,
      setupToken,
      demo: this.args.demo,
      ...(this.args.port === null ? {} : { httpPort: this.args.port }),
      ...(this.args.host === null ? {} : { host: this.args.host }),
      ...(app.isPackaged && existsSync(packagedClip) ? { clipPath: packagedClip } : {}),
      log: (line) => this.log(line),
    });
    this.core = core;
    this.trust.appOrigin = new URL(core.runtime.url).origin;
    this.trust.certificate = await serverCertificateTrust(core);
    lockDownSession(session.defaultSession, this.trust);
    lockDownSession(session.fromPartition(SETUP_PARTITION), this.trust);
    this.registerIpc(core);

    const cookie = core.runtime.createLocalSession();
    await session.defaultSession.cookies.set({
      url: core.runtime.url,
      name: cookie.name,
      value: cookie.value,
      secure: core.runtime.url.startsWith('https:'),
      httpOnly: true,
      sameSite: 'strict',
    });
    this.tray = this.createTray(core);
    this.openMainWindow(core, !this.args.hidden);
    if (core.setupLink !== null) this.openSetupWindow(core.setupLink);
    this.log(`desktop: ThinStream is running at ${core.runtime.url}`);
  }

  /** A start that failed: one dialog with the reason, then exit 3 (scripts/start.mjs: not Electron's fault). */
  failed(err: unknown): void {
    const { message } = toErrorInfo(err);
    this.log(`desktop: ThinStream could not start: ${message}`);
    if (app.isReady()) dialog.showErrorBox('ThinStream could not start', message);
    this.stopped = true;
    app.exit(3);
  }

  private registerIpc(core: Core): void {
    const router = new IpcRouter({
      appOrigin: this.trust.appOrigin,
      handlers: ipcHandlers({ core, settings: this.settings!, mainWindow: () => this.window }),
      log: (line) => this.log(line),
    });
    for (const channel of IPC_CHANNELS)
      ipcMain.handle(channel, (event, payload: unknown) =>
        router.handle(
          channel,
          {
            frameUrl: event.senderFrame?.url ?? null,
            isMainFrame: event.senderFrame !== null && event.senderFrame === event.sender.mainFrame,
          },
          payload,
        ),
      );
  }

  private openMainWindow(core: Core, show: boolean): void {
    const win = new BrowserWindow(
      mainWindowOptions({ preloadPath: PRELOAD_PATH, ...(existsSync(WINDOW_ICON) ? { iconPath: WINDOW_ICON } : {}) }),
    );
    this.window = win;
    win.once('ready-to-show', () => {
      if (show) win.show();
    });
    win.on('close', (event) => {
      if (this.quitting || !(this.settings?.settings.closeToTray ?? true) || this.tray === null) return;
      event.preventDefault();
      win.hide();
      this.log('desktop: window closed; ThinStream keeps recording in the tray');
    });
    win.on('closed', () => {
      this.window = null;
    });
    void win.loadURL(`${core.runtime.url}/`);
  }

  /**
   * First run: the core's sign-in page in its create-admin form, in a session of its own (the main window's
   * local-app cookie would skip the form). Closing it leaves LAN access off until an admin exists.
   */
  private openSetupWindow(link: string): void {
    const win = new BrowserWindow({
      ...setupWindowOptions(existsSync(WINDOW_ICON) ? { iconPath: WINDOW_ICON } : {}),
      ...(this.window === null ? {} : { parent: this.window }),
    });
    this.setupWindow = win;
    win.once('ready-to-show', () => win.show());
    win.webContents.on('did-navigate', (_event, url) => {
      const path = new URL(url).pathname;
      if (path === '/' || path === '/index.html') {
        this.log('desktop: admin password set; LAN browsers can sign in now');
        win.close();
      }
    });
    win.on('closed', () => {
      this.setupWindow = null;
    });
    void win.loadURL(link);
  }

  private createTray(core: Core): DesktopTray | null {
    try {
      return new DesktopTray(TRAY_ICON, () => core.runtime.cameras(), {
        open: () => this.showWindow(),
        openRecordings: () => void shell.openPath(core.runtime.config.resolved.storage.rootPath),
        leaveFullScreen: () => {
          this.window?.setKiosk(false);
          this.window?.setFullScreen(false);
        },
        isFullScreen: () => (this.window?.isFullScreen() ?? false) || (this.window?.isKiosk() ?? false),
        quit: () => app.quit(),
      });
    } catch (err) {
      this.log(`desktop: no tray icon (${toErrorInfo(err).message}); closing the window will quit`);
      return null;
    }
  }

  private showWindow(): void {
    if (this.core === null) return;
    if (this.window === null) this.openMainWindow(this.core, true);
    else {
      if (this.window.isMinimized()) this.window.restore();
      this.window.show();
      this.window.focus();
    }
  }

  /** Streams stopped (TEARDOWN), open segments finished, servers closed; bounded so a quit never hangs. */
  private async stopCore(): Promise<void> {
    this.tray?.close();
    this.tray = null;
    this.setupWindow?.destroy();
    const core = this.core;
    if (core === null) return;
    this.log('desktop: quitting; stopping streams and finishing the open segments');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((done) => {
      timer = setTimeout(() => {
        this.log(`desktop: stopping took over ${STOP_TIMEOUT_MS / 1000} s; exiting anyway`);
        done();
      }, STOP_TIMEOUT_MS);
    });
    await Promise.race([
      core.close().catch((err: unknown) => this.log(`desktop: ${toErrorInfo(err).message}`)),
      timeout,
    ]);
    clearTimeout(timer);
    this.stopped = true;
  }
}
