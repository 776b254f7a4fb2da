/**
 * A new user's first minutes, end to end in real Chromium: the first run (startCore with no config, so the demo
 * camera from our own RTSP server) shows the demo tile next to "Add camera"; the add-camera flow finds an ONVIF
 * camera (test/support/onvif-simulator.ts, probed by unicast on loopback: the LAN search is multicast, which
 * tests keep off this machine's network) whose streams are a GStreamer camera and our RTSP server, takes its
 * password, tests and saves it, and it plays in the grid. Then the ways around: nobody answers, a camera that
 * answers discovery but not ONVIF, its brand's addresses checked with the camera, an address typed by hand.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { readCameraReport } from '../../src-shared/camera-report.js';
import { startCore } from '../../src-main/runtime/first-run.js';
import type { Core } from '../../src-main/runtime/first-run.js';
import { startRtspServer } from '../../src-main/rtsp/server/index.js';
import type { RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip } from '../support/clips.js';
import { startGstCamera } from '../support/gst-camera.js';
import type { GstCamera } from '../support/gst-camera.js';
import { startOnvifSimulator } from '../support/onvif-simulator.js';
import type { OnvifSimulator } from '../support/onvif-simulator.js';
import { assertCleanPage, openBrowser } from './support/chromium.js';
import type { BrowserSession } from './support/chromium.js';
import { ADMIN_PASSWORD, ADMIN_USER } from './support/e2e-server.js';
import { frameVariance, screenshotPath, signIn, waitFor, waitForAdvancingFrames } from './support/viewer-checks.js';

const CAMERA_PASSWORD = 'garden-Pa55';
const dir = mkdtempSync(join(tmpdir(), 'thinstream-add-camera-'));
let core: Core;
let browser: BrowserSession;
let gst: GstCamera;
let rtsp: RtspServer;
let onvif: OnvifSimulator;
let notOnvif: OnvifSimulator;
const logLines: string[] = [];
/** Anything a test starts for itself, closed in after() if the test fails before it closes it. */
const stragglers: Array<{ close(): Promise<void> }> = [];

before(async () => {
  const [main, clip] = await Promise.all([
    startGstCamera({
      width: 640,
      height: 360,
      fps: 10,
      gop: 10,
      bitrateKbps: 300,
      protocols: ['tcp'],
      auth: 'digest',
      user: 'admin',
      password: CAMERA_PASSWORD,
      pattern: 'ball',
    }),
    makeClip({ width: 320, height: 180, fps: 10, gopFrames: 10, bitrateKbps: 200, seconds: 4 }),
  ]);
  gst = main;
  const auth = { scheme: 'digest' as const, user: 'admin', password: CAMERA_PASSWORD };
  // The sub stream of the ONVIF camera, and a Reolink-style camera's two streams for the brand patterns.
  rtsp = await startRtspServer({
    mounts: [
      { path: '/garden-sub', source: clip.path, auth },
      { path: '/h264Preview_01_main', source: clip.path, auth },
      { path: '/h264Preview_01_sub', source: clip.path, auth },
    ],
  });
  onvif = await startOnvifSimulator({
    user: 'admin',
    password: CAMERA_PASSWORD,
    name: 'Garden cam',
    hardware: 'C320WS',
    manufacturer: 'TP-Link',
    profiles: [
      {
        token: 'main',
        name: 'mainStream',
        encoding: 'H264',
        width: 640,
        height: 360,
        fps: 10,
        bitrateKbps: 300,
        uri: gst.url,
      },
      {
        token: 'sub',
        name: 'minorStream',
        encoding: 'H264',
        width: 320,
        height: 180,
        fps: 10,
        bitrateKbps: 200,
        uri: rtsp.url('/garden-sub'),
      },
    ],
  });
  // Answers WS-Discovery, but its device service is switched off (every SOAP call: 404 and a web page).
  const off = { status: 404, body: '<html><body>Not Found</body></html>' };
  notOnvif = await startOnvifSimulator({
    user: 'admin',
    password: CAMERA_PASSWORD,
    name: 'Driveway',
    hardware: 'RLC-510A',
    manufacturer: 'Reolink',
    profiles: [],
    rawAnswers: { GetSystemDateAndTime: off, GetCapabilities: off, GetDeviceInformation: off, GetProfiles: off },
  });
  core = await startCore({
    configPath: join(dir, 'data', 'thinstream.json'),
    httpPort: 0,
    host: '127.0.0.1',
    demoPort: 0,
    log: (line) => {
      if (logLines.length < 5000) logLines.push(line);
    },
  });
  await core.runtime.users.set(ADMIN_USER, ADMIN_PASSWORD, 'admin');
  browser = await openBrowser({ width: 1600, height: 900 });
  await signIn(browser.page, core.runtime.url, ADMIN_USER, ADMIN_PASSWORD);
});

after(async () => {
  await browser?.close();
  await core?.close();
  await Promise.all([
    gst?.stop(),
    rtsp?.close(),
    onvif?.close(),
    notOnvif?.close(),
    ...stragglers.map((x) => x.close()),
  ]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => assertCleanPage(browser.watch));

function field(page: Page, name: string) {
  return page.locator(`input[name="${name}"]`);
}

function errorFor(page: Page, name: string) {
  return page.locator(`[data-error-for="${name}"]`);
}

/** The flow from its start (leaving the page first, so the flow starts afresh). */
async function openAddCamera(page: Page): Promise<void> {
  await page.goto(`${core.runtime.url}/#/status`);
  await page.goto(`${core.runtime.url}/#/add-camera`);
  await page.getByRole('heading', { name: 'Add a camera' }).waitFor({ timeout: 10_000 });
}

test('first run: the demo camera plays, with a clear "Add camera" button and tile beside it that open the flow', async () => {
  const page = browser.page;
  await page.goto(`${core.runtime.url}/#/live`);
  const demo = await waitForAdvancingFrames(page, 'demo', 20_000);
  assert.equal(demo.phase, 'playing');
  assert.ok((await frameVariance(page, '[data-testid="tile-demo"] video')) > 200, 'the demo picture is not blank');
  const button = page.getByTestId('add-camera-button');
  const tile = page.getByTestId('add-camera-tile');
  assert.ok(await button.isVisible(), 'the toolbar has Add camera');
  assert.ok(await tile.isVisible(), 'an empty cell offers Add camera');
  assert.match((await tile.textContent()) ?? '', /Add your camera/);
  // The tile sits in the grid right after the demo camera, the same size as a camera tile.
  const [demoBox, tileBox] = [(await page.getByTestId('tile-demo').boundingBox())!, (await tile.boundingBox())!];
  assert.ok(Math.abs(demoBox.width - tileBox.width) < 2 && Math.abs(demoBox.height - tileBox.height) < 2);
  assert.ok(Math.abs(demoBox.y - tileBox.y) < 2 && tileBox.x > demoBox.x, 'beside the demo tile');
  await page.screenshot({ path: screenshotPath('first-run.png') });
  await tile.click();
  await page.getByRole('heading', { name: 'Add a camera' }).waitFor({ timeout: 5000 });
  assert.match(page.url(), /#\/add-camera$/);
  await page.goBack();
  await button.click();
  await page.getByRole('heading', { name: 'Add a camera' }).waitFor({ timeout: 5000 });
});

test('finding cameras: a wrong address is named beside its field; nobody answering, or a camera gone, says so', async () => {
  const page = browser.page;
  await openAddCamera(page);
  await field(page, 'discoveryAddress').fill('http://192.168.1.20');
  await page.getByRole('button', { name: 'Look at this address' }).click();
  assert.match((await errorFor(page, 'discoveryAddress').textContent()) ?? '', /without http/);
  // A UDP port nobody listens on.
  const silent = createSocket('udp4');
  await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
  const port = silent.address().port;
  await new Promise<void>((r) => silent.close(() => r()));
  await field(page, 'discoveryAddress').fill(`127.0.0.1:${port}`);
  await page.getByRole('button', { name: 'Look at this address' }).click();
  await page.getByText(`Looking for cameras on 127.0.0.1:${port}…`).waitFor({ timeout: 2000 });
  const none = page.getByTestId('discovery-none');
  await none.waitFor({ timeout: 10_000 });
  assert.match((await none.textContent()) ?? '', /No camera answered on 127\.0\.0\.1:\d+\. Cameras without ONVIF/);

  // A camera that answered and then went away (unplugged): "no answer", beside the address.
  const gone = await startOnvifSimulator({ user: 'admin', password: CAMERA_PASSWORD, name: 'Attic', profiles: [] });
  stragglers.push(gone);
  await field(page, 'discoveryAddress').fill(`127.0.0.1:${gone.udpPort}`);
  await page.getByRole('button', { name: 'Look at this address' }).click();
  const row = page.getByTestId('discovery-results').locator('tbody tr');
  await row.first().waitFor({ timeout: 10_000 });
  await row.getByRole('button', { name: 'Choose' }).click();
  await gone.close();
  stragglers.splice(stragglers.indexOf(gone), 1);
  await field(page, 'onvifPassword').fill(CAMERA_PASSWORD);
  await page.getByRole('button', { name: 'Get the stream addresses' }).click();
  const noAnswer = errorFor(page, 'cameraAddress');
  await noAnswer.waitFor({ timeout: 15_000 });
  assert.match((await noAnswer.textContent()) ?? '', /^No answer from this address/);

  await field(page, 'discoveryAddress').fill(`127.0.0.1:${port}`);
  await page.getByRole('button', { name: 'Look at this address' }).click();
  await none.waitFor({ timeout: 10_000 });
  await none.getByRole('button', { name: 'Type the stream address' }).click();
  await page.getByTestId('camera-details').waitFor({ timeout: 5000 });
  assert.equal(
    await page.getByRole('tab', { name: /I have its stream address/ }).getAttribute('aria-selected'),
    'true',
  );
});

test('the ONVIF camera found, a wrong password shown beside it, then its streams filled in, tested, saved and live', async () => {
  const page = browser.page;
  await openAddCamera(page);
  await field(page, 'discoveryAddress').fill(`127.0.0.1:${onvif.udpPort}`);
  await page.getByRole('button', { name: 'Look at this address' }).click();
  const results = page.getByTestId('discovery-results');
  await results.waitFor({ timeout: 10_000 });
  const row = results.locator('tbody tr');
  assert.equal(await row.count(), 1);
  assert.deepEqual((await row.locator('td').allTextContents()).slice(0, 3), [
    'Garden cam',
    'TP-Link C320WS',
    '127.0.0.1',
  ]);
  await row.getByRole('button', { name: 'Choose' }).click();
  const ask = page.getByTestId('stream-addresses');
  assert.equal(await field(page, 'onvifUser').inputValue(), 'admin');
  await field(page, 'onvifPassword').fill('not-the-password');
  await ask.getByRole('button', { name: 'Get the stream addresses' }).click();
  const wrong = errorFor(page, 'onvifPassword');
  await wrong.waitFor({ timeout: 10_000 });
  assert.match((await wrong.textContent()) ?? '', /^Wrong user name or password/);
  assert.equal(await field(page, 'onvifPassword').getAttribute('aria-invalid'), 'true');
  await page.screenshot({ path: screenshotPath('add-camera-found.png') });

  await field(page, 'onvifPassword').fill(CAMERA_PASSWORD);
  await ask.getByRole('button', { name: 'Get the stream addresses' }).click();
  const details = page.getByTestId('camera-details');
  await details.waitFor({ timeout: 10_000 });
  assert.match(
    (await page.getByTestId('filled-note').textContent()) ?? '',
    /main stream \(640×360\), sub stream \(320×180\)/,
  );
  assert.equal(await field(page, 'name').inputValue(), 'Garden cam');
  assert.equal(await field(page, 'host').inputValue(), '127.0.0.1');
  assert.equal(await field(page, 'user').inputValue(), 'admin');
  assert.equal(await field(page, 'mainUrl').inputValue(), gst.url);
  assert.equal(await field(page, 'subUrl').inputValue(), rtsp.url('/garden-sub'));

  await details.getByRole('button', { name: 'Test connection' }).click();
  const tested = page.getByTestId('test-result');
  await waitFor(
    'both streams tested',
    () => tested.count(),
    (n) => n === 2,
    30_000,
  );
  const lines = await tested.allTextContents();
  assert.match(lines[0] ?? '', /^Main stream: connected, 640×360, \d+ fps, H\.264/);
  assert.match(lines[1] ?? '', /^Sub stream: connected, 320×180/);
  await details.evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: screenshotPath('add-camera-details.png') });

  await details.getByRole('button', { name: 'Save camera' }).click();
  const saved = page.getByTestId('add-camera-saved');
  await saved.waitFor({ timeout: 15_000 });
  assert.match((await saved.textContent()) ?? '', /“Garden cam” is added.*Saved and applied/);
  const file = JSON.parse(readFileSync(core.configPath, 'utf8')) as {
    server: { streamsGrps: Array<{ streams: Array<{ device: Record<string, unknown>; versions: unknown[] }> }> };
  };
  const entry = file.server.streamsGrps[0]!.streams.find((s) => s.device.uid === 'garden-cam');
  assert.ok(entry !== undefined, 'the camera is in the config file');
  assert.equal(entry.device.name, 'Garden cam');
  assert.equal(entry.device.user, 'admin');
  assert.notEqual(entry.device.pass, CAMERA_PASSWORD, 'the password is not kept in clear in the file');
  assert.deepEqual(entry.versions, [
    { sid: '1-main', uri: gst.url },
    { sid: '2-sub', uri: rtsp.url('/garden-sub') },
  ]);

  await saved.getByRole('link', { name: 'See it live' }).click();
  await page.waitForSelector('[data-testid="tile-garden-cam"]', { timeout: 15_000 });
  const f = await waitForAdvancingFrames(page, 'garden-cam', 30_000);
  assert.equal(f.version, '2-sub', 'the grid tile plays the sub stream');
  assert.ok((await frameVariance(page, '[data-testid="tile-garden-cam"] video')) > 200);
  // The Add tile moved on to the next empty cell.
  assert.ok(await page.getByTestId('add-camera-tile').isVisible());
  await page.screenshot({ path: screenshotPath('grid-added.png') });
});

test('a camera that answers discovery but not ONVIF says so beside its address, and its brand’s addresses work', async () => {
  const page = browser.page;
  await openAddCamera(page);
  await field(page, 'discoveryAddress').fill(`127.0.0.1:${notOnvif.udpPort}`);
  await page.getByRole('button', { name: 'Look at this address' }).click();
  const row = page.getByTestId('discovery-results').locator('tbody tr');
  await row.first().waitFor({ timeout: 10_000 });
  await row.getByRole('button', { name: 'Choose' }).click();
  await field(page, 'onvifPassword').fill(CAMERA_PASSWORD);
  await page.getByRole('button', { name: 'Get the stream addresses' }).click();
  const notOnvifError = errorFor(page, 'cameraAddress');
  await notOnvifError.waitFor({ timeout: 10_000 });
  assert.match((await notOnvifError.textContent()) ?? '', /does not answer as an ONVIF camera/);
  await page.getByRole('button', { name: 'Use its brand’s addresses instead' }).click();

  // The brand step starts from what discovery knew: the address and the brand its scopes name.
  const brand = page.getByTestId('brand-step');
  await brand.waitFor({ timeout: 5000 });
  assert.equal(await brand.locator('select[name="brand"]').inputValue(), 'reolink');
  assert.equal(await field(page, 'brandAddress').inputValue(), '127.0.0.1');
  await field(page, 'brandAddress').fill(`127.0.0.1:${rtsp.port}`);
  await field(page, 'brandPassword').fill('wrong-one');
  await brand.getByRole('button', { name: 'Check with the camera' }).click();
  const refused = errorFor(page, 'brandPassword');
  await refused.waitFor({ timeout: 10_000 });
  assert.match((await refused.textContent()) ?? '', /Wrong user name or password/);
  const checks = await page.getByTestId('pattern-checks').locator('li').allTextContents();
  assert.match(checks[1] ?? '', /Sub stream: not tried, so the camera does not lock this address out/);
  await page.screenshot({ path: screenshotPath('add-camera-brand.png') });

  await field(page, 'brandPassword').fill(CAMERA_PASSWORD);
  await brand.getByRole('button', { name: 'Check with the camera' }).click();
  await page.getByTestId('camera-details').waitFor({ timeout: 10_000 });
  await waitFor(
    'both streams found',
    () => page.getByTestId('pattern-checks').locator('li.ok').count(),
    (n) => n === 2,
    10_000,
  );
  assert.equal(await field(page, 'mainUrl').inputValue(), rtsp.url('/h264Preview_01_main'));
  assert.equal(await field(page, 'subUrl').inputValue(), rtsp.url('/h264Preview_01_sub'));
  assert.equal(await field(page, 'name').inputValue(), 'Reolink camera');
  await page.getByRole('button', { name: 'Test connection' }).click();
  await waitFor(
    'both streams tested',
    () => page.getByTestId('test-result').count(),
    (n) => n === 2,
    30_000,
  );
});

test('an address typed by hand: a wrong path and a wrong password are named beside their fields', async () => {
  const page = browser.page;
  await openAddCamera(page);
  await page.getByRole('tab', { name: /I have its stream address/ }).click();
  const details = page.getByTestId('camera-details');
  await details.getByRole('button', { name: 'Save camera' }).click();
  assert.match((await errorFor(page, 'name').textContent()) ?? '', /Give the camera a name/);
  assert.match((await errorFor(page, 'mainUrl').textContent()) ?? '', /needed/);

  await field(page, 'name').fill('Shed');
  await field(page, 'mainUrl').fill(`rtsp://127.0.0.1:${rtsp.port}/no-such-stream`);
  assert.equal(await field(page, 'host').inputValue(), '127.0.0.1', 'the address follows the URL typed');
  await field(page, 'user').fill('admin');
  await field(page, 'password').fill(CAMERA_PASSWORD);
  await details.getByRole('button', { name: 'Test connection' }).click();
  const pathError = errorFor(page, 'mainUrl');
  await waitFor(
    'the path error',
    async () => (await pathError.count()) > 0,
    (x) => x,
    15_000,
  );
  assert.match((await pathError.textContent()) ?? '', /no stream at this address/);

  // Stuck, the user can download a camera report for a bug report: the failure is in it, the password is not.
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.getByTestId('report-offer').getByRole('button', { name: 'Download camera report' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^camera-report-127\.0\.0\.1-.*\.json$/);
  const text = readFileSync((await download.path())!, 'utf8');
  assert.ok(!text.includes(CAMERA_PASSWORD), 'no camera password in the report');
  const report = readCameraReport(JSON.parse(text));
  assert.equal(report.probe.url, `rtsp://127.0.0.1:${rtsp.port}/no-such-stream`);
  assert.match(report.error?.message ?? '', /404/);

  await field(page, 'mainUrl').fill(rtsp.url('/h264Preview_01_main'));
  await field(page, 'password').fill('nope');
  await details.getByRole('button', { name: 'Test connection' }).click();
  const passwordError = errorFor(page, 'password');
  await waitFor(
    'the password error',
    async () => (await passwordError.count()) > 0,
    (x) => x,
    15_000,
  );
  assert.match((await passwordError.textContent()) ?? '', /Wrong user name or password/);
  await page.screenshot({ path: screenshotPath('add-camera-error.png') });
  // Nothing was saved by all this.
  const cameras = core.runtime.cameras().map((c) => c.deviceUid);
  assert.ok(!cameras.includes('shed'), `cameras: ${cameras.join(', ')}`);
});
