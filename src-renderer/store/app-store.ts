/**
 * The app's one store (zustand): the session, the cameras, the grid's layout and order, the look, and the
 * telemetry history the status page draws. The layout, order and look are remembered in localStorage.
 */
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { CameraSummary, SessionInfo, TelemetryResponse } from '../../src-shared/api.js';

export type GridLayout = '1' | '2x2' | '3x3' | '4x4' | '1+5';
export const GRID_LAYOUTS: ReadonlyArray<{ id: GridLayout; label: string; tiles: number }> = [
  { id: '1', label: '1', tiles: 1 },
  { id: '2x2', label: '2×2', tiles: 4 },
  { id: '3x3', label: '3×3', tiles: 9 },
  { id: '4x4', label: '4×4', tiles: 16 },
  { id: '1+5', label: '1+5', tiles: 6 },
];

export type ThemeChoice = 'system' | 'light' | 'dark';

/** One telemetry sample of one stream, for the status charts. */
export interface StreamSample {
  tMs: number;
  fps: number;
  bitrateKbps: number;
  lostPackets: number;
  reconnects: number;
}

/** History kept: one hour at the status page's poll interval (5 s), per stream. */
export const HISTORY_WINDOW_MS = 60 * 60 * 1000;
export const HISTORY_MAX_SAMPLES = 720;

interface AppState {
  session: SessionInfo | null;
  cameras: CameraSummary[];
  camerasError: string | null;
  layout: GridLayout;
  order: string[];
  /** The tile shown large (its highest version), or null. */
  enlarged: string | null;
  theme: ThemeChoice;
  largeType: boolean;
  telemetry: TelemetryResponse | null;
  telemetryError: string | null;
  history: Record<string, StreamSample[]>;
  setSession(session: SessionInfo | null): void;
  setCameras(cameras: CameraSummary[]): void;
  setCamerasError(message: string | null): void;
  setLayout(layout: GridLayout): void;
  moveCamera(deviceUid: string, toIndex: number): void;
  setEnlarged(deviceUid: string | null): void;
  setTheme(theme: ThemeChoice): void;
  setLargeType(on: boolean): void;
  addTelemetry(t: TelemetryResponse): void;
  setTelemetryError(message: string | null): void;
}

/** Cameras in the user's order: remembered ones first as arranged, new ones after in config order. */
export function orderedCameras(cameras: CameraSummary[], order: string[]): CameraSummary[] {
  const rank = new Map(order.map((uid, i) => [uid, i]));
  return cameras
    .map((camera, i) => ({ camera, key: rank.get(camera.deviceUid) ?? order.length + i }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.camera);
}

export const useAppStore = create<AppState>()(
  persist(
    (set) => ({
      session: null,
      cameras: [],
      camerasError: null,
      layout: '2x2',
      order: [],
      enlarged: null,
      theme: 'system',
      largeType: false,
      telemetry: null,
      telemetryError: null,
      history: {},
      setSession: (session) => set({ session }),
      setCameras: (cameras) => set({ cameras, camerasError: null }),
      setCamerasError: (camerasError) => set({ camerasError }),
      setLayout: (layout) => set({ layout }),
      moveCamera: (deviceUid, toIndex) =>
        set((s) => {
          const uids = orderedCameras(s.cameras, s.order).map((c) => c.deviceUid);
          const from = uids.indexOf(deviceUid);
          if (from < 0) return {};
          uids.splice(from, 1);
          uids.splice(Math.max(0, Math.min(uids.length, toIndex)), 0, deviceUid);
          return { order: uids };
        }),
      setEnlarged: (enlarged) => set({ enlarged }),
      setTheme: (theme) => set({ theme }),
      setLargeType: (largeType) => set({ largeType }),
      addTelemetry: (t) =>
        set((s) => {
          const history: Record<string, StreamSample[]> = {};
          const cutoffMs = t.nowMs - HISTORY_WINDOW_MS;
          for (const stream of t.streams) {
            const previous = s.history[stream.streamId] ?? [];
            const kept = previous.filter((p) => p.tMs >= cutoffMs).slice(-(HISTORY_MAX_SAMPLES - 1));
            kept.push({
              tMs: t.nowMs,
              fps: stream.counters.fps,
              bitrateKbps: stream.counters.bitrateKbps,
              lostPackets: stream.counters.lostPackets,
              reconnects: stream.counters.reconnects,
            });
            history[stream.streamId] = kept;
          }
          return { telemetry: t, telemetryError: null, history };
        }),
      setTelemetryError: (telemetryError) => set({ telemetryError }),
    }),
    {
      name: 'thinstream.viewer',
      version: 1,
      partialize: (s) => ({ layout: s.layout, order: s.order, theme: s.theme, largeType: s.largeType }),
    },
  ),
);
