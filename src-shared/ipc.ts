/**
 * The IPC contract between the desktop window (its preload bridge) and the Electron main process, written once:
 * channel names, the payload each carries each way, and the check every request passes on arrival in main.
 * The renderer reaches it as `window.thinstream` (BRIDGE_GLOBAL) and must work without it: LAN browsers have
 * no bridge. IPC carries only what a browser cannot do (DESIGN.md); everything else goes through the HTTPS API.
 *
 *   const bridge = (window as { thinstream?: ThinStreamBridge }).thinstream;
 *   const result = await bridge?.invoke('dialog:choose-folder', { title: 'Recordings folder' });
 *   if (result?.ok) use(result.value.path);
 */
import type { ErrorInfo } from './errors.js';
import { ThinStreamError } from './errors.js';

/** The name of the bridge on `window` in the desktop window. */
export const BRIDGE_GLOBAL = 'thinstream';

export interface AppVersionInfo {
  /** ThinStream's version (package.json). */
  version: string;
  electron: string;
  chrome: string;
  node: string;
  platform: string;
}

export interface OpenFolderResult {
  /** The folder the OS file manager was asked to open. */
  path: string;
}

export interface ChooseFolderRequest {
  /** The dialog's title, e.g. "Recordings folder". At most 200 characters. */
  title?: string;
}

export interface ChooseFolderResult {
  /** The absolute path chosen, or null when the user cancelled. */
  path: string | null;
}

export interface DisplayInfo {
  /** The OS's id for the monitor; pass it back in WindowModeRequest.displayId. */
  id: number;
  /** Words a user recognises: "Built-in display (1920×1080)". */
  label: string;
  primary: boolean;
  bounds: { x: number; y: number; width: number; height: number };
}

export type WindowMode = 'windowed' | 'full-screen' | 'kiosk';

export interface WindowModeRequest {
  mode: WindowMode;
  /** The monitor to show the window on; default the one it is on. */
  displayId?: number;
}

export interface WindowModeResult {
  mode: WindowMode;
  displayId: number;
}

export interface StartAtLoginState {
  enabled: boolean;
  /** False where the OS offers no login items to this build (e.g. Linux outside a package). */
  supported: boolean;
}

export interface StartAtLoginRequest {
  enabled: boolean;
}

/** The desktop app's own settings (desktop-settings.json in the app-data folder; not part of the config file). */
export interface DesktopSettings {
  /** Closing the window keeps ThinStream recording in the tray (default true); false quits. */
  closeToTray: boolean;
}

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = { closeToTray: true };

/** An empty request (the channel needs no input). */
export type NoRequest = Record<string, never>;

/** Every channel: what the renderer sends and what main answers. */
export interface IpcContract {
  'app:get-version': { request: NoRequest; response: AppVersionInfo };
  'recordings:open-folder': { request: NoRequest; response: OpenFolderResult };
  'dialog:choose-folder': { request: ChooseFolderRequest; response: ChooseFolderResult };
  'window:list-displays': { request: NoRequest; response: DisplayInfo[] };
  'window:set-mode': { request: WindowModeRequest; response: WindowModeResult };
  'app:get-start-at-login': { request: NoRequest; response: StartAtLoginState };
  'app:set-start-at-login': { request: StartAtLoginRequest; response: StartAtLoginState };
  'desktop:get-settings': { request: NoRequest; response: DesktopSettings };
  'desktop:set-settings': { request: Partial<DesktopSettings>; response: DesktopSettings };
}

export type IpcChannel = keyof IpcContract;
export type IpcRequest<C extends IpcChannel> = IpcContract[C]['request'];
export type IpcResponse<C extends IpcChannel> = IpcContract[C]['response'];

/** Every answer crosses IPC as a value, never as a thrown error (Electron keeps only an error's message). */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/** What the preload puts on `window.thinstream`. */
export interface ThinStreamBridge {
  readonly desktop: true;
  /** The channels main answers (IPC_CHANNELS). */
  readonly channels: readonly IpcChannel[];
  invoke<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResult<IpcResponse<C>>>;
}

/** A request that is not what its channel takes: which channel, and what was wrong. */
export class IpcRequestError extends ThinStreamError {
  constructor(
    readonly channel: string,
    reason: string,
  ) {
    super('BAD_REQUEST', `IPC ${channel}: ${reason}`);
    this.name = 'IpcRequestError';
  }
}

type Validator<C extends IpcChannel> = (payload: unknown) => IpcRequest<C>;

const MAX_TITLE_LENGTH = 200;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string of ${value.length} characters`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** A plain object with no keys other than `allowed` (anything else in a request is a mistake or a probe). */
function plainObject(channel: string, payload: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new IpcRequestError(channel, `expected an object, got ${describe(payload)}`);
  const proto: unknown = Object.getPrototypeOf(payload);
  if (proto !== Object.prototype && proto !== null)
    throw new IpcRequestError(channel, 'expected a plain object (JSON-like), got an instance of a class');
  const record = payload as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!allowed.includes(key))
      throw new IpcRequestError(
        channel,
        allowed.length === 0
          ? `takes no fields, got "${key}"`
          : `unknown field "${key}" (takes ${allowed.map((k) => `"${k}"`).join(', ')})`,
      );
  return record;
}

function empty(channel: string): (payload: unknown) => NoRequest {
  return (payload) => {
    plainObject(channel, payload, []);
    return {};
  };
}

function booleanField(channel: string, record: Record<string, unknown>, key: string): boolean {
  const value = record[key];
  if (typeof value !== 'boolean')
    throw new IpcRequestError(channel, `"${key}" must be true or false, got ${describe(value)}`);
  return value;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return true;
  return false;
}

const WINDOW_MODES: readonly WindowMode[] = ['windowed', 'full-screen', 'kiosk'];

/** The check each channel's request passes in main before its handler runs. Throws IpcRequestError. */
export const IPC_VALIDATORS: { readonly [C in IpcChannel]: Validator<C> } = {
  'app:get-version': empty('app:get-version'),
  'recordings:open-folder': empty('recordings:open-folder'),
  'dialog:choose-folder': (payload) => {
    const record = plainObject('dialog:choose-folder', payload, ['title']);
    if (record['title'] === undefined) return {};
    const title = record['title'];
    if (typeof title !== 'string' || title.length > MAX_TITLE_LENGTH || hasControlCharacter(title))
      throw new IpcRequestError(
        'dialog:choose-folder',
        `"title" must be text of at most ${MAX_TITLE_LENGTH} characters without control characters, got ${describe(title)}`,
      );
    return { title };
  },
  'window:list-displays': empty('window:list-displays'),
  'window:set-mode': (payload) => {
    const record = plainObject('window:set-mode', payload, ['mode', 'displayId']);
    const mode = record['mode'];
    if (typeof mode !== 'string' || !(WINDOW_MODES as readonly string[]).includes(mode))
      throw new IpcRequestError(
        'window:set-mode',
        `"mode" must be one of ${WINDOW_MODES.join(', ')}, got ${describe(mode)}`,
      );
    const displayId = record['displayId'];
    if (displayId === undefined) return { mode: mode as WindowMode };
    if (typeof displayId !== 'number' || !Number.isSafeInteger(displayId) || displayId < 0)
      throw new IpcRequestError(
        'window:set-mode',
        `"displayId" must be a display id from window:list-displays, got ${describe(displayId)}`,
      );
    return { mode: mode as WindowMode, displayId };
  },
  'app:get-start-at-login': empty('app:get-start-at-login'),
  'app:set-start-at-login': (payload) => {
    const record = plainObject('app:set-start-at-login', payload, ['enabled']);
    return { enabled: booleanField('app:set-start-at-login', record, 'enabled') };
  },
  'desktop:get-settings': empty('desktop:get-settings'),
  'desktop:set-settings': (payload) => {
    const record = plainObject('desktop:set-settings', payload, ['closeToTray']);
    if (record['closeToTray'] === undefined) return {};
    return { closeToTray: booleanField('desktop:set-settings', record, 'closeToTray') };
  },
};

/** Every channel of the contract, in a stable order. */
export const IPC_CHANNELS = Object.keys(IPC_VALIDATORS) as IpcChannel[];

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(IPC_VALIDATORS, value);
}

/** Checks a request for its channel; throws IpcRequestError naming the channel and the fault. */
export function validateIpcRequest<C extends IpcChannel>(channel: C, payload: unknown): IpcRequest<C> {
  return (IPC_VALIDATORS[channel] as Validator<C>)(payload);
}
