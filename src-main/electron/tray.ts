/**
 * The tray icon: the count of live cameras in its tooltip and menu, Open, the recordings folder, leaving full
 * screen, and Quit (which stops the streams and finishes the open segments). Refreshed every few seconds from
 * the core; the menu is rebuilt only when what it shows changed.
 */
import { Menu, Tray, nativeImage } from 'electron';
import type { CameraSummary } from '../../src-shared/api.js';
import { trayModel } from './tray-model.js';

const REFRESH_MS = 2000;

export interface TrayActions {
  open(): void;
  openRecordings(): void;
  leaveFullScreen(): void;
  isFullScreen(): boolean;
  quit(): void;
}

export class DesktopTray {
  private readonly tray: Tray;
  private readonly timer: NodeJS.Timeout;
  private shown = '';

  constructor(
    iconPath: string,
    private readonly cameras: () => CameraSummary[],
    private readonly actions: TrayActions,
  ) {
    this.tray = new Tray(nativeImage.createFromPath(iconPath));
    this.tray.on('click', () => actions.open());
    this.refresh();
    this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  refresh(): void {
    const model = trayModel(this.cameras());
    const fullScreen = this.actions.isFullScreen();
    const key = `${model.status}|${fullScreen}`;
    if (key === this.shown) return;
    this.shown = key;
    this.tray.setToolTip(model.tooltip);
    this.tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: model.status, enabled: false },
        { type: 'separator' },
        { label: 'Open ThinStream', click: () => this.actions.open() },
        { label: 'Open recordings folder', click: () => this.actions.openRecordings() },
        ...(fullScreen ? [{ label: 'Leave full screen', click: () => this.actions.leaveFullScreen() }] : []),
        { type: 'separator' },
        { label: 'Quit ThinStream (stops recording)', click: () => this.actions.quit() },
      ]),
    );
  }

  close(): void {
    clearInterval(this.timer);
    if (!this.tray.isDestroyed()) this.tray.destroy();
  }
}
