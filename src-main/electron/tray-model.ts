/**
 * What the tray shows, from the cameras the core reports: how many are live (a camera counts when any of its
 * versions is live), how many are recording, and the words for the tooltip and the menu's status line.
 * No Electron here; tray.ts draws it.
 */
import type { CameraSummary } from '../../src-shared/api.js';

export interface TrayModel {
  cameras: number;
  live: number;
  recording: number;
  /** "2 of 3 cameras live, 2 recording". */
  status: string;
  tooltip: string;
}

export function trayModel(cameras: readonly CameraSummary[]): TrayModel {
  const enabled = cameras.filter((c) => c.enabled);
  const live = enabled.filter((c) => c.versions.some((v) => v.status.state === 'live')).length;
  const recording = enabled.filter((c) => c.versions.some((v) => v.recording)).length;
  const noun = enabled.length === 1 ? 'camera' : 'cameras';
  const status =
    enabled.length === 0
      ? 'No cameras yet'
      : `${live} of ${enabled.length} ${noun} live${recording > 0 ? `, ${recording} recording` : ''}`;
  return { cameras: enabled.length, live, recording, status, tooltip: `ThinStream: ${status}` };
}
