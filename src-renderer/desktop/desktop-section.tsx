/**
 * Settings › This computer: what only the desktop app can do, through its bridge (src-shared/ipc.ts). Each
 * control shows only when the bridge answers its channels; the section itself only in the desktop window.
 */
import { useEffect, useState } from 'react';
import type { JSX } from 'react';
import type { DisplayInfo, StartAtLoginState, ThinStreamBridge, WindowMode } from '../../src-shared/ipc.js';
import { BridgeError, callBridge, offers } from './desktop-bridge.js';

function words(err: unknown): string {
  return err instanceof BridgeError || err instanceof Error ? err.message : String(err);
}

export function DesktopSection(props: { bridge: ThinStreamBridge }): JSX.Element {
  const { bridge } = props;
  return (
    <div data-testid="desktop-section">
      {offers(bridge, 'recordings:open-folder') && <RecordingsFolderPanel bridge={bridge} />}
      {offers(bridge, 'window:list-displays', 'window:set-mode') && <ScreenPanel bridge={bridge} />}
      {(offers(bridge, 'app:get-start-at-login', 'app:set-start-at-login') ||
        offers(bridge, 'desktop:get-settings', 'desktop:set-settings')) && <StartupPanel bridge={bridge} />}
      {offers(bridge, 'app:get-version') && <VersionLine bridge={bridge} />}
    </div>
  );
}

/** "Open the recordings folder" in the OS file manager; also used by the storage section. */
export function OpenRecordingsButton(props: { bridge: ThinStreamBridge }): JSX.Element {
  const [note, setNote] = useState<{ ok: boolean; text: string } | null>(null);
  const open = (): void => {
    setNote(null);
    callBridge(props.bridge, 'recordings:open-folder', {})
      .then((r) => setNote({ ok: true, text: `Opened ${r.path}` }))
      .catch((err: unknown) => setNote({ ok: false, text: words(err) }));
  };
  return (
    <span className="inline-action">
      <button type="button" onClick={open}>
        Open the recordings folder
      </button>
      {note !== null && (
        <span className={note.ok ? 'muted' : 'error'} role={note.ok ? 'status' : 'alert'}>
          {note.text}
        </span>
      )}
    </span>
  );
}

function RecordingsFolderPanel(props: { bridge: ThinStreamBridge }): JSX.Element {
  return (
    <div className="panel">
      <h2>Recordings</h2>
      <p className="muted">The folder is chosen under Storage and recording.</p>
      <OpenRecordingsButton bridge={props.bridge} />
    </div>
  );
}

const MODES: Array<{ mode: WindowMode; label: string; hint: string }> = [
  { mode: 'windowed', label: 'In a window', hint: 'A normal window.' },
  { mode: 'full-screen', label: 'Full screen', hint: 'The whole monitor; “In a window” here returns.' },
  {
    mode: 'kiosk',
    label: 'Kiosk',
    hint: 'The whole monitor with no window controls, for a wall screen; “In a window” here returns.',
  },
];

function ScreenPanel(props: { bridge: ThinStreamBridge }): JSX.Element {
  const { bridge } = props;
  const [displays, setDisplays] = useState<DisplayInfo[] | null>(null);
  const [displayId, setDisplayId] = useState<number | null>(null);
  const [mode, setMode] = useState<WindowMode | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    callBridge(bridge, 'window:list-displays', {})
      .then((list) => {
        setDisplays(list);
        setDisplayId((list.find((d) => d.primary) ?? list[0])?.id ?? null);
      })
      .catch((err: unknown) => setError(words(err)));
  }, [bridge]);
  const apply = (next: WindowMode): void => {
    setError(null);
    callBridge(bridge, 'window:set-mode', displayId === null ? { mode: next } : { mode: next, displayId })
      .then((r) => {
        setMode(r.mode);
        setDisplayId(r.displayId);
      })
      .catch((err: unknown) => setError(words(err)));
  };
  return (
    <div className="panel">
      <h2>Screen</h2>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {displays !== null && displays.length > 1 && (
        <div className="fields">
          <label className="field">
            <span>Monitor</span>
            <select value={displayId ?? ''} onChange={(e) => setDisplayId(Number(e.target.value))}>
              {displays.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.label}
                  {d.primary ? ' (main)' : ''}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      {displays !== null && displays.length === 1 && <p className="muted">Monitor: {displays[0]?.label}</p>}
      <div className="row-actions" role="group" aria-label="Window mode">
        {MODES.map((m) => (
          <button
            key={m.mode}
            type="button"
            aria-pressed={mode === m.mode}
            title={m.hint}
            onClick={() => apply(m.mode)}
          >
            {m.label}
          </button>
        ))}
      </div>
      <p className="muted">
        {MODES.find((m) => m.mode === mode)?.hint ?? 'Show ThinStream in a window or on a whole monitor.'}
      </p>
    </div>
  );
}

function StartupPanel(props: { bridge: ThinStreamBridge }): JSX.Element {
  const { bridge } = props;
  const [login, setLogin] = useState<StartAtLoginState | null>(null);
  const [closeToTray, setCloseToTray] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const hasLogin = offers(bridge, 'app:get-start-at-login', 'app:set-start-at-login');
  const hasTray = offers(bridge, 'desktop:get-settings', 'desktop:set-settings');
  useEffect(() => {
    if (hasLogin)
      callBridge(bridge, 'app:get-start-at-login', {})
        .then(setLogin)
        .catch((err: unknown) => setError(words(err)));
    if (hasTray)
      callBridge(bridge, 'desktop:get-settings', {})
        .then((s) => setCloseToTray(s.closeToTray))
        .catch((err: unknown) => setError(words(err)));
  }, [bridge, hasLogin, hasTray]);

  const changeLogin = (enabled: boolean): void => {
    setError(null);
    callBridge(bridge, 'app:set-start-at-login', { enabled })
      .then(setLogin)
      .catch((err: unknown) => setError(words(err)));
  };
  const changeTray = (on: boolean): void => {
    setError(null);
    callBridge(bridge, 'desktop:set-settings', { closeToTray: on })
      .then((s) => setCloseToTray(s.closeToTray))
      .catch((err: unknown) => setError(words(err)));
  };

  return (
    <div className="panel">
      <h2>Starting and closing</h2>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="fields">
        {hasLogin && login !== null && (
          <label className="field field-check">
            <input
              type="checkbox"
              name="startAtLogin"
              checked={login.enabled}
              disabled={!login.supported}
              onChange={(e) => changeLogin(e.target.checked)}
            />
            <span>Start ThinStream when I sign in to this computer</span>
            {!login.supported && (
              <span className="hint">
                Needs the installed app (an AppImage or .deb on Linux), not a development copy.
              </span>
            )}
          </label>
        )}
        {hasTray && closeToTray !== null && (
          <label className="field field-check">
            <input
              type="checkbox"
              name="closeToTray"
              checked={closeToTray}
              onChange={(e) => changeTray(e.target.checked)}
            />
            <span>Closing the window keeps recording in the tray</span>
            <span className="hint">Off: closing the window quits ThinStream and stops recording.</span>
          </label>
        )}
      </div>
    </div>
  );
}

function VersionLine(props: { bridge: ThinStreamBridge }): JSX.Element | null {
  const [text, setText] = useState<string | null>(null);
  useEffect(() => {
    callBridge(props.bridge, 'app:get-version', {})
      .then((v) => setText(`ThinStream ${v.version} (Electron ${v.electron}, ${v.platform})`))
      .catch(() => setText(null));
  }, [props.bridge]);
  return text === null ? null : (
    <p className="muted" data-testid="desktop-version">
      {text}
    </p>
  );
}
