/**
 * The live grid: layouts 1, 2×2, 3×3, 4×4 and 1+5, cameras in the user's order (drag, or Alt+arrows, to move),
 * arrow keys move focus, Enter or double-click enlarges a camera to its highest version, Escape returns.
 * Administrators see "Add camera" in the toolbar and as a tile in the first empty cell, so a new user next to the
 * demo camera finds the way to their own.
 */
import { useCallback, useEffect, useRef } from 'react';
import type { JSX } from 'react';
import { orderedCameras, useAppStore } from '../store/app-store.js';
import { GRID_LAYOUTS, addTileIndex, arrowTarget, layoutCapacity } from './grid-layout.js';
import { LiveTile } from './live-tile.js';

export const ADD_CAMERA_HREF = '#/add-camera';

export function LiveGrid(props: { onPlayback(deviceUid: string): void; canAddCamera: boolean }): JSX.Element {
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
  const capacity = layoutCapacity(layout);
  const enlargedCamera = enlarged === null ? undefined : ordered.find((c) => c.deviceUid === enlarged);
  const shown = enlargedCamera !== undefined ? [enlargedCamera] : ordered.slice(0, capacity);

  const focusTile = useCallback((i: number): void => {
    const tiles = gridRef.current?.querySelectorAll<HTMLElement>('.tile[data-testid^="tile-"]');
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

  // A tile moved by keyboard keeps focus (React moves its element, which drops focus), so Alt+arrows can repeat.
  const refocus = useRef<string | null>(null);
  useEffect(() => {
    const uid = refocus.current;
    if (uid === null) return;
    refocus.current = null;
    gridRef.current?.querySelector<HTMLElement>(`[data-testid="tile-${CSS.escape(uid)}"]`)?.focus();
  }, [order]);
  const onMove = (deviceUid: string, toIndex: number): void => {
    if (document.activeElement?.getAttribute('data-testid') === `tile-${deviceUid}`) refocus.current = deviceUid;
    moveCamera(deviceUid, toIndex);
  };

  const onArrow = (index: number, key: string, move: boolean): void => {
    if (enlargedCamera !== undefined) return;
    const target = arrowTarget(layout, index, shown.length, key);
    const camera = shown[index];
    if (move && camera !== undefined) {
      if (target !== index) onMove(camera.deviceUid, target);
    } else focusTile(target);
  };
  const addIndex = props.canAddCamera && enlargedCamera === undefined ? addTileIndex(layout, shown.length) : null;

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
        <span className="spacer" />
        {props.canAddCamera && (
          <a className="button primary" href={ADD_CAMERA_HREF} data-testid="add-camera-button">
            + Add camera
          </a>
        )}
      </div>
      {camerasError !== null && <p className="error-banner">{camerasError}</p>}
      {cameras.length === 0 && camerasError === null && (
        <p className="empty">
          {props.canAddCamera
            ? 'No cameras yet. Add your camera: ThinStream can find it on your network.'
            : 'No cameras yet. An administrator can add them in Settings.'}
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
            onMove={onMove}
            onArrow={onArrow}
            onPlayback={() => props.onPlayback(camera.deviceUid)}
          />
        ))}
        {addIndex !== null && (
          <a className="add-tile" href={ADD_CAMERA_HREF} data-testid="add-camera-tile">
            <span className="add-tile-plus" aria-hidden="true">
              +
            </span>
            <span>Add your camera</span>
            <span className="muted">Find it on your network, pick its brand, or type its address</span>
          </a>
        )}
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
