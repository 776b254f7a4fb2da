import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GRID_LAYOUTS,
  addTileIndex,
  arrowTarget,
  layoutCapacity,
  moveKey,
  orderedBy,
  tileCell,
} from '../../src-renderer/grid/grid-layout.js';

test('each layout holds its number of tiles, and every cell is used once', () => {
  assert.deepEqual(
    GRID_LAYOUTS.map((l) => [l.id, layoutCapacity(l.id)]),
    [
      ['1', 1],
      ['2x2', 4],
      ['3x3', 9],
      ['4x4', 16],
      ['1+5', 6],
    ],
  );
  for (const l of GRID_LAYOUTS) {
    const cells = new Set<string>();
    for (let i = 0; i < l.tiles; i++) {
      const c = tileCell(l.id, i);
      assert.ok(c.column < l.columns, `${l.id} tile ${i} inside the columns`);
      cells.add(`${c.row},${c.column}`);
    }
    assert.equal(cells.size, l.tiles, `${l.id}: no two tiles share a cell`);
  }
});

test('arrows move by one across and by a row up and down, and stop at the edges', () => {
  assert.equal(arrowTarget('3x3', 4, 9, 'ArrowRight'), 5);
  assert.equal(arrowTarget('3x3', 4, 9, 'ArrowLeft'), 3);
  assert.equal(arrowTarget('3x3', 4, 9, 'ArrowUp'), 1);
  assert.equal(arrowTarget('3x3', 4, 9, 'ArrowDown'), 7);
  assert.equal(arrowTarget('3x3', 0, 9, 'ArrowUp'), 0);
  assert.equal(arrowTarget('3x3', 8, 9, 'ArrowRight'), 8);
  assert.equal(arrowTarget('2x2', 1, 3, 'ArrowDown'), 1, 'no tile below: focus stays');
  assert.equal(arrowTarget('4x4', 2, 16, 'ArrowDown'), 6);
});

test('in 1+5 the large tile is reached from every cell it covers and leads down to the bottom row', () => {
  // Cells: 0 = rows 0–1 × columns 0–1; 1 = (0,2); 2 = (1,2); 3, 4, 5 = row 2.
  assert.deepEqual(tileCell('1+5', 2), { row: 1, column: 2 });
  assert.deepEqual(tileCell('1+5', 4), { row: 2, column: 1 });
  assert.equal(arrowTarget('1+5', 3, 6, 'ArrowUp'), 0);
  assert.equal(arrowTarget('1+5', 4, 6, 'ArrowUp'), 0);
  assert.equal(arrowTarget('1+5', 5, 6, 'ArrowUp'), 2);
  assert.equal(arrowTarget('1+5', 1, 6, 'ArrowDown'), 2);
  assert.equal(arrowTarget('1+5', 0, 6, 'ArrowDown'), 3);
  assert.equal(arrowTarget('1+5', 0, 3, 'ArrowDown'), 0);
  assert.equal(arrowTarget('1+5', 0, 6, 'ArrowRight'), 1);
});

test('the remembered order wins; cameras not in it follow in their own order; gone ones are skipped', () => {
  const cams = ['a', 'b', 'c', 'd'];
  assert.deepEqual(
    orderedBy(cams, ['c', 'gone', 'a'], (x) => x),
    ['c', 'a', 'b', 'd'],
  );
  assert.deepEqual(
    orderedBy(cams, [], (x) => x),
    cams,
  );
});

test('moving a camera puts it at the index asked, clamped to the list', () => {
  assert.deepEqual(moveKey(['a', 'b', 'c'], 'a', 1), ['b', 'a', 'c']);
  assert.deepEqual(moveKey(['a', 'b', 'c'], 'c', -1), ['c', 'a', 'b']);
  assert.deepEqual(moveKey(['a', 'b', 'c'], 'a', 99), ['b', 'c', 'a']);
  assert.equal(moveKey(['a'], 'x', 0), null);
});

test('the Add camera tile takes the first empty cell, and none when the layout is full', () => {
  assert.equal(addTileIndex('2x2', 1), 1);
  assert.equal(addTileIndex('2x2', 0), 0);
  assert.equal(addTileIndex('2x2', 4), null);
  assert.equal(addTileIndex('1', 1), null);
  assert.equal(addTileIndex('1+5', 5), 5);
});
