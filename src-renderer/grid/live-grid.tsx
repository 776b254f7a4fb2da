/**
 * The live grid: layouts 1, 2×2, 3×3, 4×4 and 1+5, cameras in the user's order (drag, or Alt+arrows, to move),
 * arrow keys move focus, Enter or double-click enlarges a camera to its highest version, Escape returns.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { JSX } from 'react';
import { GRID_LAYOUTS, orderedCameras, useAppStore } from '../store/app-store.js';
import type { GridLayout } from '../store/app-store.js';
import { LiveTile } from './live-tile.js';

const COLUMNS: Record<GridLayout, number> = { '1': 1, '2x2': 2, '3x3': 3, '4x4': 4, '1+5': 3 };

export function LiveGrid(props: { onPlayback(deviceUid: string): void }): JSX.Element {
  const cameras = useAppStore((s) => s.cameras);
  const order = useAppStore((s) => s.order);
  const layout = useAppStore((s) => s.layout);
  const enlarged = useAppStore((s) => s.enlarged);
  const camerasError = useAppStore((s) => s.camerasError);
  const setLayout = useAppStore((s) => s.setLayout);
  const setEnlarged = useAppStore((s) => s.setEnlarged);
  const moveCamera = useAppStore((s) => s.moveCamera);
  const gridRef = useRef<HTMLDivElement | null>(null);

  const ordered = orderedCameras(cameras, order);
  const capacity = GRID_LAYOUTS.find((l) => l.id === layout)?.tiles ?? 4;
  const enlargedCamera = enlarged === null ? undefined : ordered.find((c) => c.deviceUid === enlarged);
  const shown = enlargedCamera !== undefined ? [enlargedCamera] : ordered.slice(0, capacity);

  const focusTile = useCallback((i: number): void => {
    const tiles = gridRef.current?.querySelectorAll<HTMLElement>('.tile');
    tiles?.[Math.max(0, Math.min(tiles.length - 1, i))]?.focus();
  }, []);

  // Escape anywhere returns from the enlarged view, and focus goes back to the camera that was enlarged.
  useEffect(() => {
    if (enlarged === null) return;
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setEnlarged(null);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enlarged, setEnlarged]);
  const lastEnlarged = useRef<string | null>(null);
  useEffect(() => {
    if (enlarged !== null) {
      lastEnlarged.current = enlarged;
      focusTile(0);
    } else if (lastEnlarged.current !== null) {
      const i = shown.findIndex((c) => c.deviceUid === lastEnlarged.current);
      lastEnlarged.current = null;
      if (i >= 0) focusTile(i);
    }
    // Only when the enlarged camera changes.
  }, [enlarged]);

  const onArrow = (index: number, key: string): void => {
    const columns = enlargedCamera !== undefined ? 1 : COLUMNS[layout];
    const delta = key === 'ArrowLeft' ? -1 : key === 'ArrowRight' ? 1 : key === 'ArrowUp' ? -columns : columns;
    focusTile(index + delta);
  };

  return (
    <section className="live" aria-label="Live cameras">
      <div className="toolbar" role="toolbar" aria-label="Grid layout">
        {GRID_LAYOUTS.map((l) => (
          <button
            key={l.id}
            type="button"
            className={l.id === layout ? 'selected' : ''}
            aria-pressed={l.id === layout}
            onClick={() => {
              setEnlarged(null);
              setLayout(l.id);
            }}
          >
            {l.label}
          </button>
        ))}
        <span className="toolbar-hint">
          {enlargedCamera !== undefined
            ? 'Escape or double-click returns to the grid'
            : 'Double-click or Enter enlarges · drag or Alt+arrows to reorder · P plays back'}
        </span>
      </div>
      {camerasError !== null && <p className="error-banner">{camerasError}</p>}
      {cameras.length === 0 && camerasError === null && (
        <p className="empty">
          No cameras yet. <a href="#/config">Add your camera</a> in the settings.
        </p>
      )}
      <div ref={gridRef} className={`grid grid-${enlargedCamera !== undefined ? 'single' : layout}`}>
        {shown.map((camera, i) => (
          <LiveTile
            key={camera.deviceUid}
            camera={camera}
            index={i}
            enlarged={enlargedCamera !== undefined}
            onEnlarge={() => setEnlarged(camera.deviceUid)}
            onRestore={() => setEnlarged(null)}
            onMove={moveCamera}
            onArrow={onArrow}
            onPlayback={() => props.onPlayback(camera.deviceUid)}
          />
        ))}
      </div>
      {enlargedCamera === undefined && ordered.length > capacity && (
        <p className="more">
          {ordered.length - capacity} more camera(s) not shown in this layout; choose a larger layout or drag them in
          order.
        </p>
      )}
    </section>
  );
}
