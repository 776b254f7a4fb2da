/** The desktop app's own settings file: defaults, saved changes, and a damaged file that never stops a start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DESKTOP_SETTINGS_FILENAME, DesktopSettingsFile } from '../../src-main/electron/desktop-settings.js';

test('closing to the tray is on by default, a change is saved, and a new start reads it back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-desktop-settings-'));
  try {
    const first = await DesktopSettingsFile.open(dir);
    assert.deepEqual(first.settings, { closeToTray: true });
    assert.deepEqual(await first.update({ closeToTray: false }), { closeToTray: false });
    const again = await DesktopSettingsFile.open(dir);
    assert.deepEqual(again.settings, { closeToTray: false });
    assert.deepEqual(JSON.parse(await readFile(join(dir, DESKTOP_SETTINGS_FILENAME), 'utf8')), { closeToTray: false });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a damaged or wrong-typed settings file gives the defaults and one log line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-desktop-settings-'));
  try {
    const lines: string[] = [];
    await writeFile(join(dir, DESKTOP_SETTINGS_FILENAME), '{ not json');
    assert.deepEqual((await DesktopSettingsFile.open(dir, (l) => lines.push(l))).settings, { closeToTray: true });
    await writeFile(join(dir, DESKTOP_SETTINGS_FILENAME), '{ "closeToTray": "no" }');
    assert.deepEqual((await DesktopSettingsFile.open(dir, (l) => lines.push(l))).settings, { closeToTray: true });
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /is not valid JSON/);
    assert.match(lines[1] ?? '', /closeToTray must be true or false/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
