/**
 * The app shell: checks the session, keeps the camera list fresh, and shows one of five pages chosen by the
 * URL hash (#/live, #/playback/<camera>, #/status, #/config, #/add-camera). Theme and large type apply to <html>.
 */
import { useEffect, useState } from 'react';
import type { JSX } from 'react';
import type { SessionInfo, StreamsResponse } from '../../src-shared/api.js';
import { ApiError, getJson, sendJson } from '../api/api-client.js';
import { useAppStore } from '../store/app-store.js';
import type { ThemeChoice } from '../store/app-store.js';
import { LiveGrid } from '../grid/live-grid.js';
import { PlaybackPage } from '../playback/playback-page.js';
import { StatusPage, useTelemetryPolling } from '../status/status-page.js';
import { ConfigEditor } from '../config-editor/config-editor.js';
import { AddCameraPage } from '../add-camera/add-camera-page.js';

type Route =
  | { page: 'live' }
  | { page: 'playback'; deviceUid: string | null }
  | { page: 'status' }
  | { page: 'config' }
  | { page: 'add-camera' };

function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  switch (parts[0]) {
    case 'playback':
      return { page: 'playback', deviceUid: parts[1] ?? null };
    case 'status':
      return { page: 'status' };
    case 'config':
      return { page: 'config' };
    case 'add-camera':
      return { page: 'add-camera' };
    default:
      return { page: 'live' };
  }
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onHash = (): void => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

/** Applies the theme (system, light, dark) and large type to the document. */
function useLook(theme: ThemeChoice, largeType: boolean): void {
  useEffect(() => {
    const root = document.documentElement;
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = (): void => {
      const dark = theme === 'dark' || (theme === 'system' && media.matches);
      root.dataset.theme = dark ? 'dark' : 'light';
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
  useEffect(() => {
    document.documentElement.dataset.largeType = largeType ? 'on' : 'off';
  }, [largeType]);
}

const CAMERAS_POLL_MS = 3000;

export function App(): JSX.Element {
  const route = useRoute();
  const session = useAppStore((s) => s.session);
  const setSession = useAppStore((s) => s.setSession);
  const setCameras = useAppStore((s) => s.setCameras);
  const setCamerasError = useAppStore((s) => s.setCamerasError);
  const theme = useAppStore((s) => s.theme);
  const largeType = useAppStore((s) => s.largeType);
  useLook(theme, largeType);

  useEffect(() => {
    getJson<SessionInfo>('/session', 'Checking your sign-in')
      .then(setSession)
      .catch(() => window.location.assign('/signin.html'));
  }, [setSession]);

  useEffect(() => {
    if (session === null) return;
    let stopped = false;
    const load = (): void => {
      getJson<StreamsResponse>('/streams', 'Loading the cameras')
        .then((r) => {
          if (!stopped) setCameras(r.cameras);
        })
        .catch((err: unknown) => {
          if (!stopped) setCamerasError(err instanceof ApiError ? err.message : String(err));
        });
    };
    load();
    const timer = setInterval(load, CAMERAS_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [session, setCameras, setCamerasError]);

  if (session === null) return <p className="loading">Checking your sign-in…</p>;
  return <SignedIn session={session} route={route} />;
}

function SignedIn(props: { session: SessionInfo; route: Route }): JSX.Element {
  const { session, route } = props;
  const theme = useAppStore((s) => s.theme);
  const setTheme = useAppStore((s) => s.setTheme);
  const largeType = useAppStore((s) => s.largeType);
  const setLargeType = useAppStore((s) => s.setLargeType);
  useTelemetryPolling();
  const signOut = (): void => {
    sendJson('DELETE', '/session')
      .catch(() => {})
      .finally(() => window.location.assign('/signin.html'));
  };

  const pages: Array<{ href: string; label: string; page: Route['page'] }> = [
    { href: '#/live', label: 'Live', page: 'live' },
    { href: '#/playback', label: 'Playback', page: 'playback' },
    { href: '#/status', label: 'Status', page: 'status' },
    { href: '#/config', label: 'Settings', page: 'config' },
  ];
  const nav = pages.filter((n) => n.page !== 'config' || session.role === 'admin');
  const nextTheme: Record<ThemeChoice, ThemeChoice> = { system: 'dark', dark: 'light', light: 'system' };

  return (
    <div className="app">
      <header className="app-header">
        <span className="brand">ThinStream</span>
        <nav aria-label="Pages">
          {nav.map((n) => (
            <a
              key={n.page}
              href={n.href}
              aria-current={
                route.page === n.page || (route.page === 'add-camera' && n.page === 'config') ? 'page' : undefined
              }
            >
              {n.label}
            </a>
          ))}
        </nav>
        <span className="spacer" />
        <button type="button" onClick={() => setTheme(nextTheme[theme])} title="Light, dark, or as the system says">
          Theme: {theme}
        </button>
        <button type="button" aria-pressed={largeType} onClick={() => setLargeType(!largeType)}>
          Large type
        </button>
        <span className="who">{session.username}</span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="app-main">
        {route.page === 'live' && (
          <LiveGrid
            canAddCamera={session.role === 'admin'}
            onPlayback={(uid) => window.location.assign(`#/playback/${encodeURIComponent(uid)}`)}
          />
        )}
        {route.page === 'playback' && <PlaybackPage deviceUid={route.deviceUid} />}
        {route.page === 'status' && <StatusPage />}
        {route.page === 'config' && <ConfigEditor isAdmin={session.role === 'admin'} />}
        {route.page === 'add-camera' && <AddCameraPage isAdmin={session.role === 'admin'} />}
      </main>
    </div>
  );
}
