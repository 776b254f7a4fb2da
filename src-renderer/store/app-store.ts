/**
 * The app's one store (zustand): the session, the cameras, the grid's layout and order, the look, and the
 * telemetry history the status page draws. The layout, order and look are remembered in localStorage.
 */
import { create } from 'zustand';
import { persist } from 'zustand/middleware';
import type { CameraSummary, SessionInfo, TelemetryResponse } from '../../src-shared/api.js';
import { moveKey, orderedBy } from '../grid/grid-layout.js';
import type { GridLayout } from '../grid/grid-layout.js';

export type { GridLayout } from '../grid/grid-layout.js';
export { GRID_LAYOUTS } from '../grid/grid-layout.js';

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
  return orderedBy(cameras, order, (c) => c.deviceUid);
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
          const order = moveKey(uids, deviceUid, toIndex);
          return order === null ? {} : { order };
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
