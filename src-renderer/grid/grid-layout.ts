/**
 * The grid's arithmetic, apart from React so it can be tested on its own: how many tiles each layout holds and in
 * how many columns, where an arrow key moves focus, how the user's order is kept when cameras come and go, and
 * where the "Add camera" tile goes.
 */

export type GridLayout = '1' | '2x2' | '3x3' | '4x4' | '1+5';

export const GRID_LAYOUTS: ReadonlyArray<{ id: GridLayout; label: string; tiles: number; columns: number }> = [
  { id: '1', label: '1', tiles: 1, columns: 1 },
  { id: '2x2', label: '2×2', tiles: 4, columns: 2 },
  { id: '3x3', label: '3×3', tiles: 9, columns: 3 },
  { id: '4x4', label: '4×4', tiles: 16, columns: 4 },
  // One large tile spanning two columns and two rows, five small ones around it, in three columns.
  { id: '1+5', label: '1+5', tiles: 6, columns: 3 },
];

export function isGridLayout(value: unknown): value is GridLayout {
  return GRID_LAYOUTS.some((l) => l.id === value);
}

export function layoutCapacity(layout: GridLayout): number {
  return GRID_LAYOUTS.find((l) => l.id === layout)?.tiles ?? 4;
}

export function layoutColumns(layout: GridLayout): number {
  return GRID_LAYOUTS.find((l) => l.id === layout)?.columns ?? 2;
}

/**
 * The cell (row, column) each tile index occupies. In 1+5 the first tile covers rows 0–1 and columns 0–1, so the
 * next two sit in column 2 and the last three fill row 2.
 */
export function tileCell(layout: GridLayout, index: number): { row: number; column: number } {
  if (layout === '1+5') {
    if (index === 0) return { row: 0, column: 0 };
    if (index <= 2) return { row: index - 1, column: 2 };
    return { row: 2, column: index - 3 };
  }
  const columns = layoutColumns(layout);
  return { row: Math.floor(index / columns), column: index % columns };
}

/**
 * The tile an arrow key moves focus to from `index`, among `count` tiles; the same index at an edge. Up and down
 * keep the column where a tile is there (in 1+5 moving into the large tile from any cell it covers).
 */
export function arrowTarget(layout: GridLayout, index: number, count: number, key: string): number {
  if (count <= 0) return 0;
  const from = Math.max(0, Math.min(count - 1, index));
  if (key === 'ArrowLeft') return Math.max(0, from - 1);
  if (key === 'ArrowRight') return Math.min(count - 1, from + 1);
  if (key !== 'ArrowUp' && key !== 'ArrowDown') return from;
  if (layout === '1+5' && from === 0) return key === 'ArrowDown' && count > 3 ? 3 : from;
  const here = tileCell(layout, from);
  const wantRow = here.row + (key === 'ArrowUp' ? -1 : 1);
  for (let i = 0; i < count; i++) {
    const cell = tileCell(layout, i);
    const covers =
      layout === '1+5' && i === 0
        ? wantRow >= 0 && wantRow <= 1 && here.column <= 1
        : cell.row === wantRow && cell.column === here.column;
    if (covers) return i;
  }
  return from;
}

/** Items in the user's order: remembered ones first as arranged, new ones after in their own order. */
export function orderedBy<T>(items: readonly T[], order: readonly string[], keyOf: (item: T) => string): T[] {
  const rank = new Map(order.map((key, i) => [key, i]));
  return items
    .map((item, i) => ({ item, rank: rank.get(keyOf(item)) ?? order.length + i }))
    .sort((a, b) => a.rank - b.rank)
    .map((x) => x.item);
}

/** The order after moving `key` to `toIndex` (clamped), or null when `key` is not in `keys`. */
export function moveKey(keys: readonly string[], key: string, toIndex: number): string[] | null {
  const from = keys.indexOf(key);
  if (from < 0) return null;
  const out = keys.filter((k) => k !== key);
  out.splice(Math.max(0, Math.min(out.length, toIndex)), 0, key);
  return out;
}

/** Where the "Add camera" tile goes: the first empty cell of the layout, or null when every cell has a camera. */
export function addTileIndex(layout: GridLayout, cameraCount: number): number | null {
  return cameraCount < layoutCapacity(layout) ? cameraCount : null;
}
