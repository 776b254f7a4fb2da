/**
 * "Download camera report" in the config editor (issue 9), end to end: real Chromium against the real headless
 * server ingesting our quirky test camera with Digest auth. The button saves a JSON file that reads back as a
 * camera report of that camera (its tolerances, its picture size), with no password or nonce in it.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readCameraReport } from '../../src-shared/camera-report.js';
import { startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip } from '../support/clips.js';
import { assertCleanPage, openBrowser, type BrowserSession } from './support/chromium.js';
import { ADMIN_PASSWORD, ADMIN_USER, startE2eServer, type E2eServer } from './support/e2e-server.js';
import { signIn } from './support/viewer-checks.js';

const CAMERA_PASSWORD = 'cam-pass-9';
let camera: RtspServer;
let server: E2eServer;
let browser: BrowserSession;

before(async () => {
  const clip = await makeClip({ width: 320, height: 240, fps: 25, gopFrames: 25, bitrateKbps: 300, seconds: 1 });
  camera = await startRtspServer({
    mounts: [
      {
        path: '/porch',
        source: clip.path,
        quirks: ['no-get-parameter', 'no-content-type'],
        auth: { scheme: 'digest', user: 'admin', password: CAMERA_PASSWORD },
      },
    ],
  });
  server = await startE2eServer(
    [
      {
        deviceUid: 'cam-porch',
        name: 'Porch',
        // No credentials yet: the user types them into the editor, as when adding a camera.
        versions: [{ sid: '1-high', url: camera.url('/porch') }],
      },
    ],
    { record: false },
  );
  browser = await openBrowser({ width: 1400, height: 900 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await camera?.close();
});

afterEach(() => assertCleanPage(browser.watch));

test('the config editor downloads a camera report of the camera, without its password', async () => {
  const page = browser.page;
  await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  await page.goto(`${server.url}/#/config`);
  const base = 'server.streamsGrps[0].streams[0]';
  await page.fill(`input[name="${base}.device.user"]`, 'admin');
  await page.fill(`input[name="${base}.device.pass"]`, CAMERA_PASSWORD);
  const row = page.locator(`[data-path="${base}.versions[0]"]`);
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    row.getByRole('button', { name: 'Download camera report' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^camera-report-cam-porch-1-high-.*\.json$/);
  const text = readFileSync((await download.path())!, 'utf8');
  assert.ok(!text.includes(CAMERA_PASSWORD), 'no camera password in the file');
  assert.doesNotMatch(text, /\bnonce=\\?"(?!\[redacted\])/);
  const report = readCameraReport(JSON.parse(text));
  assert.equal(report.error, null, JSON.stringify(report.error));
  assert.equal(report.result?.width, 320);
  assert.ok(report.result?.quirks.includes('no-get-parameter'), report.result?.quirks.join());
  assert.ok(report.result?.quirks.includes('content-type-missing'), report.result?.quirks.join());
  assert.ok(report.packets.length > 20);
  await page.getByTestId('camera-report-saved').waitFor({ timeout: 5000 });
  assert.match((await page.getByTestId('camera-report-saved').textContent()) ?? '', /Saved camera-report-.*packets/);
  assert.deepEqual(
    browser.problems.filter((p) => /Content Security Policy|Refused to/i.test(p)),
    [],
    'no CSP violation',
  );
});
