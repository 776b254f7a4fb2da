/** The desktop bridge for React views: found once per page; null in LAN browsers. */
import { useMemo } from 'react';
import type { ThinStreamBridge } from '../../src-shared/ipc.js';
import { findBridge } from './desktop-bridge.js';

export function useDesktopBridge(): ThinStreamBridge | null {
  return useMemo(() => findBridge(window), []);
}
