/** Start at login on Linux: an XDG autostart entry that runs the installed app with --hidden (login-item.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  autostartEntry,
  autostartPath,
  linuxStartsAtLogin,
  loginCommand,
  quoteExecArg,
  setLinuxStartAtLogin,
} from '../../src-main/electron/login-item.js';

test('the autostart file lives in XDG_CONFIG_HOME/autostart, or ~/.config/autostart', () => {
  assert.equal(autostartPath({ XDG_CONFIG_HOME: '/cfg' }, '/home/ana'), '/cfg/autostart/thinstream.desktop');
  assert.equal(autostartPath({}, '/home/ana'), '/home/ana/.config/autostart/thinstream.desktop');
  assert.equal(
    autostartPath({ XDG_CONFIG_HOME: 'rel' }, '/home/ana'),
    '/home/ana/.config/autostart/thinstream.desktop',
  );
});

test('the entry runs the app hidden, with its path quoted as the Desktop Entry spec says', () => {
  const entry = autostartEntry('/opt/Thin Stream/thinstream');
  assert.match(entry, /^\[Desktop Entry\]\nType=Application\nName=ThinStream\n/);
  assert.match(entry, /^Exec="\/opt\/Thin Stream\/thinstream" --hidden$/m);
  assert.equal(quoteExecArg('/usr/bin/thinstream'), '/usr/bin/thinstream');
  assert.equal(quoteExecArg('/a/100% "x"$'), '"/a/100%% \\"x\\"\\$"');
});

test('only an installed app has a command to start at login: the AppImage, else the packaged executable', () => {
  const env = { APPIMAGE: '/home/ana/Apps/ThinStream.AppImage' };
  assert.equal(loginCommand({ isPackaged: true, execPath: '/tmp/.mount_x/thinstream', env }), env.APPIMAGE);
  assert.equal(
    loginCommand({ isPackaged: true, execPath: '/opt/ThinStream/thinstream', env: {} }),
    '/opt/ThinStream/thinstream',
  );
  assert.equal(
    loginCommand({ isPackaged: false, execPath: '/repo/node_modules/electron/dist/electron', env: {} }),
    null,
  );
});

test('turning it on writes the entry, off removes it, and the state reads back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-autostart-'));
  try {
    const path = join(dir, 'autostart', 'thinstream.desktop');
    assert.equal(await linuxStartsAtLogin(path), false);
    await setLinuxStartAtLogin(true, '/opt/ThinStream/thinstream', path);
    assert.equal(await linuxStartsAtLogin(path), true);
    assert.match(await readFile(path, 'utf8'), /^Exec=\/opt\/ThinStream\/thinstream --hidden$/m);
    assert.equal((await stat(path)).mode & 0o777, 0o644);
    await setLinuxStartAtLogin(false, '/opt/ThinStream/thinstream', path);
    assert.equal(await linuxStartsAtLogin(path), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
