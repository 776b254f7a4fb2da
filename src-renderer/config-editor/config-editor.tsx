/**
 * The settings: everything in the config file as forms, in sections (cameras, storage, network, users,
 * certificates). Edits go to a draft; Save validates it with the shared validator first, then PUTs it; every
 * problem (ours or the server's 400 `errors[]`) is shown beside the field its `path` names, and listed on top.
 * The answer says whether the change is live or needs a restart.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { JSX } from 'react';
import type { ConfigSaveResponse } from '../../src-shared/api.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import { ApiError, getJson, sendJson } from '../api/api-client.js';
import { CamerasSection } from './cameras-section.js';
import { CertificatesSection } from './certificates-section.js';
import { EditorContext } from './fields.js';
import type { EditorContextValue } from './fields.js';
import { setAt } from './json-path.js';
import { NetworkSection } from './network-section.js';
import { StorageSection } from './storage-section.js';
import { UsersSection } from './users-section.js';
import { checkDraft } from './check-draft.js';
import { summaryLine } from './error-words.js';
import { DesktopSection } from '../desktop/desktop-section.js';
import { useDesktopBridge } from '../desktop/use-desktop-bridge.js';

type Section = 'cameras' | 'storage' | 'network' | 'users' | 'certificates' | 'desktop';
const SECTIONS: Array<{ id: Section; label: string; prefixes: string[] }> = [
  { id: 'cameras', label: 'Cameras', prefixes: ['server.streamsGrps'] },
  {
    id: 'storage',
    label: 'Storage and recording',
    prefixes: ['context.filesystem', 'server.defaults.streams.params.write'],
  },
  { id: 'network', label: 'Network', prefixes: ['http', 'server.rtsp', 'server.defaults.streams.params.r'] },
  { id: 'users', label: 'Users', prefixes: [] },
  { id: 'certificates', label: 'Certificates', prefixes: ['context.caCert'] },
  /** Only in the desktop window (its bridge): folders, screen, start at login, tray. */
  { id: 'desktop', label: 'This computer', prefixes: [] },
];
/** Sections that edit the config file (and so have the Save bar). */
const CONFIG_SECTIONS: ReadonlySet<Section> = new Set(['cameras', 'storage', 'network']);

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; response: ConfigSaveResponse }
  | { kind: 'failed'; message: string };

/** GET /config answers the redacted config file; accept it bare or wrapped as `{ config }`. */
function unwrapConfig(body: unknown): unknown {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    const keys = Object.keys(body);
    if (keys.length === 1 && keys[0] === 'config') return (body as { config: unknown }).config;
  }
  return body;
}

export function ConfigEditor(props: { isAdmin: boolean }): JSX.Element {
  const [section, setSection] = useState<Section>('cameras');
  const [saved, setSaved] = useState<unknown>(null);
  const [draft, setDraft] = useState<unknown>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<ErrorInfo[]>([]);
  const [save, setSave] = useState<SaveState>({ kind: 'idle' });
  const bridge = useDesktopBridge();
  const sections = SECTIONS.filter((s) => s.id !== 'desktop' || bridge !== null);

  const load = useCallback((): void => {
    getJson<unknown>('/config', 'Loading the settings')
      .then((body) => {
        const config = unwrapConfig(body);
        setSaved(config);
        setDraft(config);
        setErrors([]);
      })
      .catch((err: unknown) => setLoadError(err instanceof ApiError ? err.message : String(err)));
  }, []);
  useEffect(load, [load]);

  const context = useMemo<EditorContextValue>(
    () => ({
      draft,
      setValue: (path, value) => {
        setDraft((d: unknown) => setAt(d, path, value));
        // A field's own error goes when the user changes it; the rest stay until the next check.
        setErrors((es) => es.filter((e) => e.path !== path));
        setSave((s) => (s.kind === 'saved' || s.kind === 'failed' ? { kind: 'idle' } : s));
      },
      errorsAt: (path) => errors.filter((e) => e.path === path).map((e) => e.message),
    }),
    [draft, errors],
  );

  if (!props.isAdmin) return <p className="empty">Only an administrator can change the settings.</p>;
  if (loadError !== null) return <p className="error-banner">{loadError}</p>;
  if (draft === null) return <p className="loading">Loading the settings…</p>;

  const dirty = JSON.stringify(draft) !== JSON.stringify(saved);
  const countIn = (s: (typeof SECTIONS)[number]): number =>
    errors.filter((e) => e.path !== undefined && s.prefixes.some((p) => e.path?.startsWith(p))).length;

  const onSave = (): void => {
    const problems = checkDraft(draft);
    if (problems.length > 0) {
      setErrors(problems);
      setSave({ kind: 'failed', message: `${problems.length} setting(s) need attention before saving.` });
      return;
    }
    setSave({ kind: 'saving' });
    sendJson<ConfigSaveResponse>('PUT', '/config', draft, 'Saving the settings')
      .then((response) => {
        setSave({ kind: 'saved', response });
        setErrors([]);
        load();
      })
      .catch((err: unknown) => {
        if (err instanceof ApiError) {
          const list = err.errors.length > 0 ? err.errors : err.info.path !== undefined ? [err.info] : [];
          setErrors(list);
          setSave({
            kind: 'failed',
            message: list.length > 0 ? `The server refused ${list.length} setting(s); see below.` : err.message,
          });
        } else setSave({ kind: 'failed', message: String(err) });
      });
  };

  const focusField = (path: string): void => {
    const owner = SECTIONS.find((s) => s.prefixes.some((p) => path.startsWith(p)));
    if (owner !== undefined) setSection(owner.id);
    setTimeout(() => {
      const el = document.querySelector<HTMLElement>(`[data-path="${CSS.escape(path)}"] :is(input,select)`);
      el?.focus();
    }, 0);
  };

  return (
    <EditorContext.Provider value={context}>
      <div className="editor">
        <nav className="editor-nav" aria-label="Settings sections">
          {sections.map((s) => (
            <button key={s.id} type="button" aria-pressed={s.id === section} onClick={() => setSection(s.id)}>
              {s.label}
              {countIn(s) > 0 ? ` (${countIn(s)} to fix)` : ''}
            </button>
          ))}
        </nav>
        <div>
          {errors.length > 0 && (
            <div className="panel" role="alert" data-testid="config-errors">
              <strong>Please fix:</strong>
              <ul>
                {errors.map((e, i) => (
                  <li key={i}>
                    {e.path !== undefined ? (
                      <a
                        href="#/config"
                        onClick={(ev) => {
                          ev.preventDefault();
                          focusField(e.path ?? '');
                        }}
                      >
                        {summaryLine(draft, e.path, e.message)}
                      </a>
                    ) : (
                      e.message
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
          {section === 'cameras' && <CamerasSection />}
          {section === 'storage' && <StorageSection />}
          {section === 'network' && <NetworkSection />}
          {section === 'users' && <UsersSection />}
          {section === 'certificates' && <CertificatesSection />}
          {section === 'desktop' && bridge !== null && <DesktopSection bridge={bridge} />}
          {CONFIG_SECTIONS.has(section) && (
            <div className="save-bar">
              <button type="button" className="primary" disabled={!dirty || save.kind === 'saving'} onClick={onSave}>
                {save.kind === 'saving' ? 'Saving…' : 'Save'}
              </button>
              <button
                type="button"
                disabled={!dirty}
                onClick={() => {
                  setDraft(saved);
                  setErrors([]);
                  setSave({ kind: 'idle' });
                }}
              >
                Undo changes
              </button>
              <SaveNote save={save} dirty={dirty} />
            </div>
          )}
        </div>
      </div>
    </EditorContext.Provider>
  );
}

function SaveNote(props: { save: SaveState; dirty: boolean }): JSX.Element | null {
  const s = props.save;
  if (s.kind === 'saved') {
    return s.response.applied === 'live' ? (
      <span className="ok" role="status" data-testid="save-result">
        Saved and applied.
      </span>
    ) : (
      <span className="warn" role="status" data-testid="save-result">
        Saved. Restart ThinStream to apply: {s.response.restartReasons.join('; ')}.
      </span>
    );
  }
  if (s.kind === 'failed') {
    return (
      <span className="error" role="alert" data-testid="save-result">
        {s.message}
      </span>
    );
  }
  return props.dirty ? <span className="muted">Unsaved changes.</span> : null;
}
