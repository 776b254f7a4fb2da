/**
 * The viewer's everyday controls end to end, in real Chromium against the real server with nine cameras from our
 * RTSP server: the grid by keyboard alone, theme and large type, tiles that leave the screen closing their socket
 * (counted at the server), the status page's live figures and charts, a viewer account made in the users panel
 * and what it may not do, a device certificate issued and opened with openssl, and the desktop bridge's controls.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { IPC_CHANNELS, validateIpcRequest } from '../../src-shared/ipc.js';
import type { IpcChannel } from '../../src-shared/ipc.js';
import { assertCleanPage, openBrowser } from './support/chromium.js';
import type { BrowserSession, BrowserTab } from './support/chromium.js';
import { startClipCameras } from './support/clip-cameras.js';
import type { ClipCameras } from './support/clip-cameras.js';
import { ADMIN_PASSWORD, ADMIN_USER, startE2eServer } from './support/e2e-server.js';
import type { E2eServer } from './support/e2e-server.js';
import { screenshotPath, signIn, tileFrames, waitFor, waitForAdvancingFrames } from './support/viewer-checks.js';

let cams: ClipCameras;
let server: E2eServer;
let browser: BrowserSession;
const extraTabs: BrowserTab[] = [];
const scratch = mkdtempSync(join(tmpdir(), 'thinstream-panels-'));

before(async () => {
  cams = await startClipCameras({ count: 9, withLowVersion: 2 });
  server = await startE2eServer(cams.cameras, { record: false });
  browser = await openBrowser({ width: 1600, height: 900 });
  await signIn(browser.page, server.url, ADMIN_USER, ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  await server?.close();
  await cams?.close();
  rmSync(scratch, { recursive: true, force: true });
});

afterEach(() => {
  assertCleanPage(browser.watch, 'the admin’s page');
  for (const tab of extraTabs) assertCleanPage(tab.watch, 'another tab');
});

/** The grid's camera tiles, in the order they are on the page. */
function tileOrder(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('.grid [data-testid^="tile-"]')].map((t) =>
      (t.dataset.testid ?? '').replace(/^tile-/, ''),
    ),
  );
}

function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.dataset.testid ?? el?.tagName ?? '';
  });
}

test('keyboard alone: Tab reaches the tiles, Enter enlarges, Escape returns, Alt+arrows reorder for good', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/#/live`);
  await page.getByRole('button', { name: '3×3' }).click();
  await waitForAdvancingFrames(page, 'cam-1', 20_000);
  assert.deepEqual(
    await tileOrder(page),
    cams.cameras.map((c) => c.deviceUid),
  );

  // From the top of the page, Tab walks the header and the toolbar, then lands on the first tile.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  let steps = 0;
  while ((await focused(page)) !== 'tile-cam-1' && steps < 30) {
    await page.keyboard.press('Tab');
    steps++;
  }
  assert.equal(await focused(page), 'tile-cam-1', `Tab reached the first tile (after ${steps} presses)`);
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused tile shows where focus is');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focused(page), 'tile-cam-2', 'an arrow moves focus to the next tile');

  await page.keyboard.press('Enter');
  await waitFor(
    'cam-2 enlarged on its main version',
    () => tileFrames(page, 'cam-2'),
    (f) => f?.version === '1-main',
    5000,
  );
  assert.deepEqual(await tileOrder(page), ['cam-2'], 'only the enlarged camera shows');
  assert.equal(await focused(page), 'tile-cam-2');
  await page.keyboard.press('Escape');
  await waitFor(
    'the grid back',
    () => tileOrder(page),
    (order) => order.length === 9,
    5000,
  );
  assert.equal((await tileFrames(page, 'cam-2'))?.version, '2-low', 'back on the small version');
  assert.equal(await focused(page), 'tile-cam-2', 'focus returns to the camera that was enlarged');

  // Alt+Right twice moves camera 2 two places on; focus stays on it so it can keep moving.
  await page.keyboard.press('Alt+ArrowRight');
  await page.keyboard.press('Alt+ArrowRight');
  const moved = ['cam-1', 'cam-3', 'cam-4', 'cam-2', 'cam-5', 'cam-6', 'cam-7', 'cam-8', 'cam-9'];
  await waitFor(
    'the new order',
    () => tileOrder(page),
    (order) => order.join() === moved.join(),
    5000,
  );
  assert.equal(await focused(page), 'tile-cam-2', 'focus follows the moved tile');
  // Alt+Up and Alt+Down move it a row: from the second row's first cell to the first's, and back.
  await page.keyboard.press('Alt+ArrowUp');
  const movedUp = ['cam-2', 'cam-1', 'cam-3', 'cam-4', 'cam-5', 'cam-6', 'cam-7', 'cam-8', 'cam-9'];
  await waitFor(
    'moved up a row',
    () => tileOrder(page),
    (order) => order.join() === movedUp.join(),
    5000,
  );
  await page.keyboard.press('Alt+ArrowDown');
  await waitFor(
    'moved down a row',
    () => tileOrder(page),
    (order) => order.join() === moved.join(),
    5000,
  );

  await page.reload();
  await waitFor(
    'the grid after a reload',
    () => tileOrder(page),
    (order) => order.length === 9,
    15_000,
  );
  assert.deepEqual(await tileOrder(page), moved, 'the order is remembered across a reload');
  assert.equal(
    await page.getByRole('button', { name: '3×3' }).getAttribute('aria-pressed'),
    'true',
    'and the layout too',
  );
});

test('the theme toggle and large type change what the page looks like, and are remembered', async () => {
  const page = browser.page;
  const look = (): Promise<{ theme: string; background: string; fontSize: string; tileName: string }> =>
    page.evaluate(() => ({
      theme: document.documentElement.dataset.theme ?? '',
      background: getComputedStyle(document.body).backgroundColor,
      fontSize: getComputedStyle(document.documentElement).fontSize,
      tileName: getComputedStyle(document.querySelector('.tile-name')!).fontSize,
    }));
  const themeButton = page.getByRole('button', { name: /^Theme:/ });
  // Chromium headless reports a light system scheme: system → dark → light → system.
  assert.match((await themeButton.textContent()) ?? '', /system/);
  const start = await look();
  assert.equal(start.theme, 'light');
  await themeButton.click();
  const dark = await look();
  assert.equal(dark.theme, 'dark');
  assert.equal(dark.background, 'rgb(15, 17, 21)');
  assert.notEqual(dark.background, start.background);
  await themeButton.click();
  const light = await look();
  assert.equal(light.background, 'rgb(244, 245, 247)');
  await themeButton.click();
  await themeButton.click();
  assert.equal((await look()).theme, 'dark');

  const largeType = page.getByRole('button', { name: 'Large type' });
  assert.equal(await largeType.getAttribute('aria-pressed'), 'false');
  await largeType.click();
  const large = await look();
  assert.equal(large.fontSize, '26px', 'large type: the base size for a TV at 3 m');
  assert.ok(parseFloat(large.tileName) > parseFloat(start.tileName), 'tile names grow with it');
  await page.screenshot({ path: screenshotPath('grid-dark-large-type.png') });
  await page.reload();
  await page.waitForSelector('[data-testid="tile-cam-1"]');
  const remembered = await look();
  assert.equal(remembered.theme, 'dark');
  assert.equal(remembered.fontSize, '26px');
  await page.getByRole('button', { name: 'Large type' }).click();
  await themeButton.click(); // dark → light
  assert.equal((await look()).fontSize, '16px');
});

test('tiles scrolled off the screen close their socket, at the server too, and open it again when back', async () => {
  const tab = await browser.openTab({ width: 1000, height: 500 });
  extraTabs.push(tab);
  const page = tab.page;
  const open = new Set<string>();
  page.on('websocket', (ws) => {
    const url = new URL(ws.url()).pathname;
    open.add(url);
    ws.on('close', () => open.delete(url));
  });
  // The admin's own page leaves the grid, so the server's viewer count is this tab's alone.
  await browser.page.goto(`${server.url}/#/status`);
  await waitFor(
    'no viewers left',
    async () => server.runtime.hub.stats().viewers,
    (n) => n === 0,
    10_000,
  );
  const viewersBefore = 0;
  await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  await page.getByRole('button', { name: '3×3' }).click();
  // Large type in a small window: the header and toolbar grow, and the grid's last row falls below the fold.
  if ((await page.getByRole('button', { name: 'Large type' }).getAttribute('aria-pressed')) !== 'true')
    await page.getByRole('button', { name: 'Large type' }).click();
  const below = (): Promise<string[]> =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('.grid [data-testid^="tile-"]')]
        .filter((t) => t.getBoundingClientRect().top >= window.innerHeight)
        .map((t) => (t.dataset.testid ?? '').replace(/^tile-/, '')),
    );
  await page.evaluate(() => window.scrollTo(0, 0));
  const hidden = await waitFor('tiles below the fold', below, (b) => b.length >= 3, 5000);
  const shownIds = (await tileOrder(page)).filter((uid) => !hidden.includes(uid));
  for (const uid of shownIds.slice(0, 2)) await waitForAdvancingFrames(page, uid, 20_000);
  const liveSockets = (): string[] => [...open].filter((p) => p.startsWith('/api/v1/live/')).sort();
  const socketsOf = (uids: string[]): string[] =>
    uids.map((uid) => `/api/v1/live/${uid}/${uid === 'cam-1' || uid === 'cam-2' ? '2-low' : '1-main'}`).sort();
  await waitFor(
    'one socket per visible tile',
    async () => liveSockets(),
    (s) => s.join() === socketsOf(shownIds).join(),
    10_000,
  );
  for (const uid of hidden) assert.equal((await tileFrames(page, uid))?.phase, 'idle', `${uid} is not decoding`);
  await waitFor(
    'the server to count only the visible tiles as viewers',
    async () => server.runtime.hub.stats().viewers - viewersBefore,
    (n) => n === shownIds.length,
    10_000,
  );

  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  const nowHidden = await below();
  assert.deepEqual(nowHidden, [], 'scrolled down, the last row is on screen');
  await waitForAdvancingFrames(page, hidden[0]!, 20_000);
  await waitFor(
    'sockets for every tile',
    async () => liveSockets().length,
    (n) => n === 9,
    10_000,
  );

  await page.evaluate(() => window.scrollTo(0, 0));
  await waitFor(
    'the last row closed again',
    async () => liveSockets(),
    (s) => s.join() === socketsOf(shownIds).join(),
    10_000,
  );
  await waitFor(
    'the server to see them go',
    async () => server.runtime.hub.stats().viewers - viewersBefore,
    (n) => n === shownIds.length,
    10_000,
  );
  await page.getByRole('button', { name: 'Large type' }).click();
  await tab.close();
  await waitFor(
    'every socket of the closed tab gone at the server',
    async () => server.runtime.hub.stats().viewers - viewersBefore,
    (n) => n === 0,
    10_000,
  );
});

test('the status page has a row per stream with live figures and charts that draw', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/#/status`);
  const rows = page.locator('tr[data-testid^="status-"]');
  await rows.first().waitFor({ timeout: 10_000 });
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.testid));
  const expected = cams.cameras.flatMap((c) => c.versions.map((v) => `status-${c.deviceUid}/${v.sid}`));
  assert.deepEqual([...ids].sort(), [...expected].sort());
  const row = page.getByTestId('status-cam-3/1-main');
  const figures = await waitFor(
    'live figures for cam-3',
    () =>
      row.evaluate((tr) => ({
        state: tr.querySelector('.state')?.textContent ?? '',
        cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
      })),
    (f) => f.state === 'live' && Number(f.cells[3]) > 5,
    15_000,
  );
  assert.match(figures.cells[2] ?? '', /^320×180 avc1\./, 'resolution and codec');
  assert.match(figures.cells[4] ?? '', /kbit\/s|Mbit\/s/);
  // A chart draws once two telemetry polls (5 s apart) are in: count the canvas's painted pixels.
  const painted = await waitFor(
    'the fps chart to draw',
    () =>
      row
        .locator('canvas')
        .first()
        .evaluate((c) => {
          // The line itself: painted pixels above the chart's baseline (its bottom rows).
          const canvas = c as HTMLCanvasElement;
          const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height - 3).data;
          let n = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
          return n;
        }),
    (n) => n > 20,
    15_000,
  );
  assert.ok(painted > 20, `${painted} pixels drawn`);
  // The cards say what the telemetry API says: the folder, the limit, the disk's free space.
  const telemetry = await page.evaluate(async () => (await (await fetch('/api/v1/telemetry')).json()) as unknown);
  const storage = (telemetry as { storage: { rootPath: string; limitBytes: number } }).storage;
  const cards = await page.locator('.card').allTextContents();
  assert.ok(cards[1]?.includes(`in ${storage.rootPath}`), `recordings folder in ${cards[1]}`);
  assert.match(cards[0] ?? '', new RegExp(`of ${(storage.limitBytes / 1e9).toFixed(1)} GB`));
  assert.match((await page.locator('.card').nth(2).textContent()) ?? '', /viewer/);
  await page.screenshot({ path: screenshotPath('status.png') });
});

test('a viewer made in the users panel signs in elsewhere, watches, and cannot reach settings or admin APIs', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/#/config`);
  await page.getByRole('button', { name: 'Users' }).click();
  const panel = page.locator('.panel', { has: page.getByRole('heading', { name: 'Users' }) });
  await panel.getByLabel('User name').fill('kitchen-tv');
  await panel.getByLabel('Password').fill('watch-only-1');
  await panel.getByLabel('Role').selectOption('viewer');
  await panel.getByRole('button', { name: 'Save user' }).click();
  await panel.getByText('Saved kitchen-tv.').waitFor({ timeout: 5000 });
  const row = panel.locator('tr', { hasText: 'kitchen-tv' });
  assert.match((await row.textContent()) ?? '', /Viewer/);

  const tv = await browser.openTab();
  extraTabs.push(tv);
  await signIn(tv.page, server.url, 'kitchen-tv', 'watch-only-1');
  await waitForAdvancingFrames(tv.page, 'cam-1', 20_000);
  assert.equal(await tv.page.getByRole('link', { name: 'Settings' }).count(), 0, 'no Settings in the menu');
  assert.equal(await tv.page.getByTestId('add-camera-button').count(), 0, 'no Add camera for a viewer');
  assert.equal(await tv.page.getByTestId('add-camera-tile').count(), 0);
  await tv.page.goto(`${server.url}/#/config`);
  await tv.page.getByText('Only an administrator can change the settings.').waitFor({ timeout: 5000 });
  await tv.page.goto(`${server.url}/#/add-camera`);
  await tv.page.getByText('Only an administrator can add cameras.').waitFor({ timeout: 5000 });
  const statuses = await tv.page.evaluate(async () => {
    const call = async (method: string, path: string, body?: unknown): Promise<number> =>
      (
        await fetch(path, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        })
      ).status;
    return {
      config: await call('GET', '/api/v1/config'),
      users: await call('GET', '/api/v1/users'),
      addUser: await call('POST', '/api/v1/users', { username: 'x', password: 'yyyyyyyy', role: 'admin' }),
      probe: await call('POST', '/api/v1/probe', { url: 'rtsp://127.0.0.1/x' }),
      discovery: await call('GET', '/api/v1/discovery?host=127.0.0.1&timeoutMs=100'),
      streams: await call('GET', '/api/v1/streams'),
    };
  });
  assert.deepEqual(statuses, {
    config: 403,
    users: 403,
    addUser: 403,
    probe: 403,
    discovery: 403,
    streams: 200,
  });
  assertCleanPage(tv.watch, 'the viewer’s page');
  // The admin removes the account; the viewer's next API call is refused and it lands on the sign-in page. (Its
  // tiles' sockets are refused meanwhile, and Chromium logs each: expected here, so that tab's log ends now.)
  extraTabs.splice(extraTabs.indexOf(tv), 1);
  page.once('dialog', (d) => void d.accept());
  await row.getByRole('button', { name: 'Remove' }).click();
  await row.waitFor({ state: 'detached', timeout: 5000 });
  await tv.page.goto(`${server.url}/#/live`);
  await tv.page.waitForURL(/\/signin\.html/, { timeout: 15_000 });
  await tv.close();
});

test('a device certificate issued in the panel is a .p12 that openssl opens with its password, and only with it', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/#/config`);
  await page.getByRole('button', { name: 'Certificates' }).click();
  await page
    .getByText(/valid until/)
    .first()
    .waitFor({ timeout: 10_000 });
  // A name the certificate cannot carry is refused beside its field before anything is sent.
  await page.getByLabel('For (device or person)').fill('Anna’s phone');
  await page.getByLabel('File password').fill('p12');
  await page.getByRole('button', { name: 'Issue and download' }).click();
  const nameError = page.locator('[data-error-for="certificateName"]');
  await nameError.waitFor({ timeout: 5000 });
  assert.match((await nameError.textContent()) ?? '', /letters, digits, spaces/);
  assert.match(
    (await page.locator('[data-error-for="certificatePassword"]').textContent()) ?? '',
    /at least 4 characters/,
  );
  assert.equal(await page.getByLabel('For (device or person)').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('For (device or person)').fill('Annas phone');
  await page.getByLabel('File password').fill('p12-secret');
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 20_000 }),
    page.getByRole('button', { name: 'Issue and download' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'Annas_phone.p12');
  const file = join(scratch, 'anna.p12');
  await download.saveAs(file);
  const certPem = execFileSync(
    'openssl',
    ['pkcs12', '-in', file, '-passin', 'pass:p12-secret', '-nokeys', '-clcerts'],
    { encoding: 'utf8' },
  );
  const subject = execFileSync('openssl', ['x509', '-noout', '-subject', '-ext', 'extendedKeyUsage'], {
    input: certPem,
    encoding: 'utf8',
  });
  assert.match(subject, /CN\s*=\s*Annas phone/, 'issued to the name typed');
  assert.match(subject, /TLS Web Client Authentication/);
  const key = spawnSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:p12-secret', '-nocerts', '-nodes'], {
    encoding: 'utf8',
  });
  assert.equal(key.status, 0, key.stderr);
  assert.match(key.stdout, /BEGIN PRIVATE KEY/, 'the key is in the file too');
  const wrong = spawnSync('openssl', ['pkcs12', '-in', file, '-passin', 'pass:not-it', '-nokeys'], {
    encoding: 'utf8',
  });
  assert.notEqual(wrong.status, 0, 'a wrong password does not open it');
  assert.match(wrong.stderr, /mac verify failure|invalid password/i);
  await page.getByText(/Issued a certificate for Annas phone/).waitFor({ timeout: 5000 });
  const listed = page.locator('tr', { hasText: 'Annas phone' });
  await listed.first().waitFor({ timeout: 5000 });
  assert.match((await listed.first().textContent()) ?? '', /valid/);
});

/**
 * What the desktop window's preload puts on `window.thinstream`, for a browser that has no Electron: each call
 * is recorded and answered as main would (the displays, a refused start at login on a development copy).
 * Electron cannot run on this machine; the test checks each recorded request against the contract's own
 * validator (src-shared/ipc.ts), which main applies to every request.
 */
function fakeBridgeScript(): void {
  const calls: Array<[string, unknown]> = [];
  let closeToTray = true;
  const answers: Record<string, (request: Record<string, unknown>) => unknown> = {
    'app:get-version': () => ({ version: '0.1.0', electron: '41.0.0', chrome: '140', node: '22', platform: 'linux' }),
    'recordings:open-folder': () => ({ path: '/home/me/.local/share/thinstream/recordings' }),
    'dialog:choose-folder': () => ({ path: '/media/nvr-disk/recordings' }),
    'window:list-displays': () => [
      {
        id: 1,
        label: 'Built-in display (1920×1080)',
        primary: true,
        bounds: { x: 0, y: 0, width: 1920, height: 1080 },
      },
      { id: 7, label: 'LG TV (3840×2160)', primary: false, bounds: { x: 1920, y: 0, width: 3840, height: 2160 } },
    ],
    'window:set-mode': (r) => ({ mode: r.mode, displayId: r.displayId ?? 1 }),
    'app:get-start-at-login': () => ({ enabled: false, supported: false }),
    'app:set-start-at-login': () => {
      throw { code: 'NOT_IMPLEMENTED', message: 'start at login needs the installed app' };
    },
    'desktop:get-settings': () => ({ closeToTray }),
    'desktop:set-settings': (r) => {
      if (typeof r.closeToTray === 'boolean') closeToTray = r.closeToTray;
      return { closeToTray };
    },
  };
  (window as unknown as Record<string, unknown>).__bridgeCalls = calls;
  (window as unknown as Record<string, unknown>).thinstream = Object.freeze({
    desktop: true,
    channels: Object.freeze(Object.keys(answers)),
    invoke(channel: string, request: Record<string, unknown>) {
      calls.push([channel, request]);
      try {
        return Promise.resolve({ ok: true, value: answers[channel]!(request) });
      } catch (error) {
        return Promise.resolve({ ok: false, error });
      }
    },
  });
}

test('the desktop bridge: hidden in a LAN browser; in the desktop window each control calls its channel rightly', async () => {
  const page = browser.page;
  // A LAN browser (this one): no bridge, so none of its controls.
  await page.goto(`${server.url}/#/config`);
  await page.getByRole('button', { name: 'Storage and recording' }).click();
  await page.getByLabel('Recordings folder').waitFor();
  assert.equal(await page.getByRole('button', { name: 'This computer' }).count(), 0);
  assert.equal(await page.getByTestId('folder-actions').count(), 0);
  assert.equal(await page.getByRole('button', { name: /Choose the recordings folder/ }).count(), 0);

  const desk = await browser.openTab();
  extraTabs.push(desk);
  await desk.context.addInitScript(fakeBridgeScript);
  const p = desk.page;
  await signIn(p, server.url, ADMIN_USER, ADMIN_PASSWORD);
  await p.goto(`${server.url}/#/config`);
  await p.getByRole('button', { name: 'Storage and recording' }).click();
  await p.getByRole('button', { name: 'Choose the recordings folder…' }).click();
  await waitFor(
    'the chosen folder in the field',
    () => p.getByLabel('Recordings folder').inputValue(),
    (v) => v === '/media/nvr-disk/recordings',
    5000,
  );
  assert.ok(await p.getByRole('button', { name: 'Save', exact: true }).isEnabled(), 'a change to save');
  await p.getByRole('button', { name: 'Undo changes' }).click();

  await p.getByRole('button', { name: 'This computer' }).click();
  const section = p.getByTestId('desktop-section');
  await section.getByRole('button', { name: 'Open the recordings folder' }).click();
  await section.getByText('Opened /home/me/.local/share/thinstream/recordings').waitFor({ timeout: 5000 });
  await section.getByLabel('Monitor').selectOption({ label: 'LG TV (3840×2160)' });
  await section.getByRole('button', { name: 'Kiosk' }).click();
  await waitFor(
    'kiosk pressed',
    () => section.getByRole('button', { name: 'Kiosk' }).getAttribute('aria-pressed'),
    (v) => v === 'true',
    5000,
  );
  const login = section.getByLabel('Start ThinStream when I sign in to this computer');
  assert.equal(await login.isDisabled(), true, 'not offered where the OS has no login item for this build');
  await section.getByText(/Needs the installed app/).waitFor();
  const tray = section.getByLabel('Closing the window keeps recording in the tray');
  assert.equal(await tray.isChecked(), true);
  await tray.uncheck();
  await waitFor(
    'the tray setting off',
    () => tray.isChecked(),
    (v) => !v,
    5000,
  );
  await section.getByText(/ThinStream 0\.1\.0 \(Electron 41\.0\.0, linux\)/).waitFor();
  await p.screenshot({ path: screenshotPath('desktop-settings.png') });

  const calls = await p.evaluate(
    () => (window as unknown as { __bridgeCalls: Array<[string, unknown]> }).__bridgeCalls,
  );
  const channels = calls.map(([c]) => c);
  for (const expected of [
    'dialog:choose-folder',
    'recordings:open-folder',
    'window:list-displays',
    'window:set-mode',
    'app:get-start-at-login',
    'desktop:get-settings',
    'desktop:set-settings',
    'app:get-version',
  ])
    assert.ok(channels.includes(expected), `${expected} was called`);
  for (const [channel, request] of calls) {
    assert.ok((IPC_CHANNELS as readonly string[]).includes(channel), `${channel} is in the contract`);
    assert.doesNotThrow(() => validateIpcRequest(channel as IpcChannel, request), `${channel} request accepted`);
  }
  assert.deepEqual(
    calls.find(([c]) => c === 'window:set-mode')?.[1],
    { mode: 'kiosk', displayId: 7 },
    'kiosk on the monitor chosen',
  );
  assert.deepEqual(calls.find(([c]) => c === 'dialog:choose-folder')?.[1], { title: 'Recordings folder' });
  assert.deepEqual(calls.find(([c]) => c === 'desktop:set-settings')?.[1], { closeToTray: false });
  await desk.close();
});
