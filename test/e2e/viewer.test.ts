/**
 * The viewer end to end: real Chromium (Debian's, via playwright-core) against the real headless server
 * (startRuntime) ingesting GStreamer RTSP cameras. Each test drives the app as a person would and checks what
 * the browser really decoded. Screenshots: see screenshotPath (docs/screenshots/, linked from the README).
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { RecordingsResponse } from '../../src-shared/api.js';
import { startGstCamera } from '../support/gst-camera.js';
import type { GstCamera } from '../support/gst-camera.js';
import { assertCleanPage, openBrowser } from './support/chromium.js';
import type { BrowserSession } from './support/chromium.js';
import { ADMIN_PASSWORD, ADMIN_USER, startE2eServer } from './support/e2e-server.js';
import type { E2eCamera, E2eServer } from './support/e2e-server.js';
import {
  frameVariance,
  screenshotPath,
  signIn,
  tileFrames,
  undecodedShare,
  waitFor,
  waitForAdvancingFrames,
} from './support/viewer-checks.js';

/** A decoded test pattern has a luma variance in the thousands; a black or flat frame is near zero. */
const MIN_VARIANCE = 200;
/** Most of a correctly decoded picture is not the green of undecoded macroblocks. */
const MAX_UNDECODED = 0.05;

let cams: GstCamera[] = [];
let server: E2eServer;
let browser: BrowserSession;
let cameras: E2eCamera[];

async function camera(width: number, height: number, pattern: string): Promise<GstCamera> {
  const cam = await startGstCamera({ width, height, fps: 15, gop: 15, bitrateKbps: 400, protocols: ['tcp'], pattern });
  cams.push(cam);
  return cam;
}

before(async () => {
  const [doorHigh, doorLow, yardHigh, yardLow] = await Promise.all([
    camera(640, 360, 'smpte'),
    camera(320, 180, 'smpte'),
    camera(640, 360, 'ball'),
    camera(320, 180, 'ball'),
  ]);
  cameras = [
    {
      deviceUid: 'cam-door',
      name: 'Front door',
      versions: [
        { sid: '1-high', url: doorHigh!.url },
        { sid: '2-low', url: doorLow!.url },
      ],
    },
    {
      deviceUid: 'cam-yard',
      name: 'Yard',
      versions: [
        { sid: '1-high', url: yardHigh!.url },
        { sid: '2-low', url: yardLow!.url },
      ],
    },
  ];
  server = await startE2eServer(cameras);
  browser = await openBrowser({ width: 1600, height: 900 });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await Promise.all(cams.map((c) => c.stop()));
  cams = [];
});

// Any console error (a CSP violation among them) or any of the app's own files failing to load fails the test.
afterEach(() => assertCleanPage(browser.watch));

function cspViolations(): string[] {
  return browser.problems.filter((p) => /Content Security Policy|Refused to/i.test(p));
}

test('sign-in through the form opens the grid, where every camera decodes advancing, non-blank frames', async () => {
  const page = browser.page;
  await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
  await page.waitForSelector('[data-testid^="tile-"]', { timeout: 15_000 });
  for (const cam of cameras) {
    const f = await waitForAdvancingFrames(page, cam.deviceUid, 20_000);
    assert.equal(f.version, cam.versions.at(-1)!.sid, `${cam.deviceUid}: a small tile plays the lowest version`);
    assert.equal(f.phase, 'playing');
    const variance = await frameVariance(page, `[data-testid="tile-${cam.deviceUid}"] video`);
    assert.ok(variance > MIN_VARIANCE, `${cam.deviceUid}: drawn frame has luma variance ${variance}`);
    // GStreamer's x264 sends two slices per picture with SPS/PPS repeated between them: all of it must decode.
    const green = await undecodedShare(page, `[data-testid="tile-${cam.deviceUid}"] video`);
    assert.ok(green < MAX_UNDECODED, `${cam.deviceUid}: ${Math.round(green * 100)}% of the picture is undecoded`);
  }
  await page.hover(`[data-testid="tile-${cameras[0]!.deviceUid}"]`);
  await page.screenshot({ path: screenshotPath('grid.png') });
  assert.deepEqual(cspViolations(), [], 'the app runs under the server CSP with no violation');
});

test('a camera that drops shows "reconnecting" over its last picture and recovers by itself', async () => {
  const page = browser.page;
  const cam = cameras[0]!;
  const lowIndex = cams.findIndex((c) => c.url === cam.versions.at(-1)!.url);
  const low = cams[lowIndex]!;
  await low.stop();
  await waitFor(
    'the tile to say it is reconnecting',
    () => tileFrames(page, cam.deviceUid),
    (f) => f?.phase === 'reconnecting',
    20_000,
  );
  const overlay = await page.locator(`[data-testid="tile-${cam.deviceUid}"] .tile-overlay`).textContent();
  assert.match(overlay ?? '', /reconnecting/);
  const variance = await frameVariance(page, `[data-testid="tile-${cam.deviceUid}"] video`);
  assert.ok(variance > MIN_VARIANCE, `the last picture stays under the overlay (variance ${variance})`);
  await page.screenshot({ path: screenshotPath('reconnecting.png') });
  // The camera comes back on the same address; the server reconnects and the tile plays again unaided.
  cams[lowIndex] = await startGstCamera({
    port: low.port,
    width: 320,
    height: 180,
    fps: 15,
    gop: 15,
    bitrateKbps: 400,
    protocols: ['tcp'],
    pattern: 'smpte',
  });
  await waitFor(
    'the tile to play again',
    () => tileFrames(page, cam.deviceUid),
    (f) => f?.phase === 'playing',
    45_000,
  );
  await waitForAdvancingFrames(page, cam.deviceUid, 20_000);
});

test('enlarging a tile (double-click) switches to the highest version; Escape returns to the lowest', async () => {
  const page = browser.page;
  const cam = cameras[1]!;
  await page.dblclick(`[data-testid="tile-${cam.deviceUid}"]`);
  await waitFor(
    'the enlarged tile on the highest version',
    () => tileFrames(page, cam.deviceUid),
    (f) => f?.version === cam.versions[0]!.sid,
    5000,
  );
  const f = await waitForAdvancingFrames(page, cam.deviceUid, 20_000);
  assert.equal(f.version, '1-high');
  const size = await page.evaluate((uid) => {
    const v = document.querySelector<HTMLVideoElement>(`[data-testid="tile-${uid}"] video`)!;
    return [v.videoWidth, v.videoHeight];
  }, cam.deviceUid);
  assert.deepEqual(size, [640, 360], 'the decoded picture is the high version');
  const green = await undecodedShare(page, `[data-testid="tile-${cam.deviceUid}"] video`);
  assert.ok(green < MAX_UNDECODED, `${Math.round(green * 100)}% of the enlarged picture is undecoded`);
  await page.screenshot({ path: screenshotPath('enlarged.png') });
  await page.keyboard.press('Escape');
  await waitFor(
    'back to the grid on the lowest version',
    () => tileFrames(page, cam.deviceUid),
    (f2) => f2?.version === '2-low',
    5000,
  );
  await waitForAdvancingFrames(page, cam.deviceUid, 20_000);
});

test('playback: clicking the timeline seeks to a recorded time and plays from there', async () => {
  const page = browser.page;
  const cam = cameras[0]!;
  // Wait for a few seconds of recording (the server lists it).
  const recorded = await waitFor(
    'six seconds of recordings',
    async () => {
      const r = await page.evaluate(async (uid) => {
        const res = await fetch(
          `/api/v1/recordings/${uid}/1-high?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`,
        );
        return res.ok ? ((await res.json()) as RecordingsResponse) : null;
      }, cam.deviceUid);
      return r?.segments ?? [];
    },
    (segs) => segs.reduce((s, x) => s + (x.endMs - x.startMs), 0) >= 6000,
    30_000,
  );
  const first = recorded[0]!;
  await page.goto(`${server.url}/#/playback/${cam.deviceUid}`);
  await page.getByRole('button', { name: '1 min' }).click();
  assert.equal(await page.getByLabel('Quality').inputValue(), '1-high');
  // Aim 3 s into the first recording, then click there on the timeline.
  const targetMs = first.startMs + 3000;
  const timeline = page.getByTestId('timeline');
  await waitFor(
    'the timeline to show the target',
    () => timeline.evaluate((el) => [Number(el.dataset.fromMs), Number(el.dataset.toMs)]),
    ([from, to]) => from! <= targetMs && targetMs <= to!,
    10_000,
  );
  const [fromMs, toMs] = await timeline.evaluate((el) => [Number(el.dataset.fromMs), Number(el.dataset.toMs)]);
  const box = (await timeline.boundingBox())!;
  await timeline.click({ position: { x: ((targetMs - fromMs!) / (toMs! - fromMs!)) * box.width, y: box.height / 2 } });
  const player = page.getByTestId('playback-player');
  const shown = await waitFor(
    'the player to show the recorded time',
    () => player.evaluate((el) => ({ phase: el.dataset.phase, shownMs: Number(el.dataset.shownMs || 0) })),
    (s) => s.phase === 'playing' && s.shownMs > 0,
    15_000,
  );
  // Playback starts at the keyframe at or before the target (GOP 1 s) and then runs on.
  assert.ok(
    shown.shownMs >= targetMs - 2500 && shown.shownMs <= targetMs + 3000,
    `shown ${new Date(shown.shownMs).toISOString()} vs target ${new Date(targetMs).toISOString()}`,
  );
  const frames0 = await page.evaluate(
    () =>
      document.querySelector<HTMLVideoElement>('[data-testid="playback-player"] video')!.getVideoPlaybackQuality()
        .totalVideoFrames,
  );
  await waitFor(
    'playback frames advancing',
    () =>
      page.evaluate(
        () =>
          document.querySelector<HTMLVideoElement>('[data-testid="playback-player"] video')!.getVideoPlaybackQuality()
            .totalVideoFrames,
      ),
    (n) => n >= frames0 + 10,
    10_000,
  );
  const variance = await frameVariance(page, '[data-testid="playback-player"] video');
  assert.ok(variance > MIN_VARIANCE, `playback frame luma variance ${variance}`);
  await page.screenshot({ path: screenshotPath('playback.png') });
});

test('export: a range dragged on the timeline downloads, with progress, as an MP4 that ffprobe reads', async () => {
  const page = browser.page;
  const timeline = page.getByTestId('timeline');
  const [fromMs, toMs] = await timeline.evaluate((el) => [Number(el.dataset.fromMs), Number(el.dataset.toMs)]);
  const segments = await page.evaluate(
    async ([uid, from, to]) => {
      const res = await fetch(`/api/v1/recordings/${uid}/1-high?from=${from}&to=${to}`);
      return ((await res.json()) as RecordingsResponse).segments;
    },
    [cameras[0]!.deviceUid, fromMs!, toMs!] as const,
  );
  const first = segments[0]!;
  const box = (await timeline.boundingBox())!;
  const xOf = (t: number): number => box.x + ((t - fromMs!) / (toMs! - fromMs!)) * box.width;
  const y = box.y + box.height / 2;
  await page.mouse.move(xOf(first.startMs + 1000), y);
  await page.mouse.down();
  await page.mouse.move(xOf(first.startMs + 4000), y, { steps: 5 });
  await page.mouse.up();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.getByRole('button', { name: 'Export MP4' }).click(),
  ]);
  const file = await download.path();
  assert.match(download.suggestedFilename(), /^cam-door-1-high-.*\.mp4$/);
  await page.getByText(/^Saved .*\.mp4/).waitFor({ timeout: 10_000 });
  const probe = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  ) as { streams: Array<{ codec_name: string; width: number; nb_read_frames: string }> };
  const video = probe.streams.find((s) => s.codec_name === 'h264');
  assert.ok(video !== undefined, 'the export holds an H.264 stream');
  assert.equal(video.width, 640);
  assert.ok(Number(video.nb_read_frames) >= 30, `frames in export: ${video.nb_read_frames}`);
});

test('the status page shows the disk used, the time span of recordings kept and the memory, as the recorder has them', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/#/status`);
  const cards = await waitFor(
    'disk use and recordings kept',
    () => page.locator('.card').allTextContents(),
    (c) => /^Disk used\d/.test(c[0] ?? '') && !/^Disk used0 B/.test(c[0] ?? '') && !/none yet/.test(c[1] ?? ''),
    20_000,
  );
  const telemetry = await page.evaluate(async () => (await (await fetch('/api/v1/telemetry')).json()) as unknown);
  const storage = (telemetry as { storage: { usedBytes: number; oldestMs: number; newestMs: number } }).storage;
  assert.ok(storage.usedBytes > 0 && storage.newestMs > storage.oldestMs, JSON.stringify(storage));
  assert.match(cards[0] ?? '', /of 2\.1 GB/, `the limit beside the usage: ${cards[0]}`);
  // The recorder's memory, and the video slabs the cameras' frames are in.
  const memory = (telemetry as { memory: { rssBytes: number; slabs: { inUse: number } } }).memory;
  assert.ok(memory.rssBytes > 0 && memory.slabs.inUse > 0, JSON.stringify(memory));
  await page.screenshot({ path: screenshotPath('status.png') });
  assert.match(
    cards[3] ?? '',
    /^Memory\d+(\.\d)? MBvideo buffers \d+(\.\d)? [KM]B in use, /,
    `the memory card: ${cards[3]}`,
  );
});

test('the config editor shows a bad URL beside its field and does not save it', async () => {
  const page = browser.page;
  await page.goto(`${server.url}/#/config`);
  await page.getByRole('button', { name: 'Add camera' }).first().click();
  const uriPath = 'server.streamsGrps[0].streams[2].versions[0].uri';
  await page.fill(`input[name="${uriPath}"]`, 'http://192.0.2.10/not-rtsp');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const error = page.locator(`[data-path="${uriPath}"] [data-error-for="${uriPath}"]`);
  await error.waitFor({ timeout: 5000 });
  assert.match((await error.textContent()) ?? '', /^Stream URL .*rtsp/);
  assert.equal(await page.locator(`input[name="${uriPath}"]`).getAttribute('aria-invalid'), 'true');
  assert.match((await page.getByTestId('save-result').textContent()) ?? '', /need attention/);
  await page.locator(`[data-path="${uriPath}"]`).evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: screenshotPath('editor-error.png') });
  await page.getByRole('button', { name: 'Undo changes' }).click();
});

test('the config editor adds a camera, tests its connection, saves, and it shows up live in the grid', async () => {
  const page = browser.page;
  const porch = await camera(320, 180, 'circular');
  await page.goto(`${server.url}/#/config`);
  await page.getByRole('button', { name: 'Add camera' }).first().click();
  const base = 'server.streamsGrps[0].streams[2]';
  await page.fill(`input[name="${base}.device.name"]`, 'Porch');
  await page.fill(`input[name="${base}.device.uid"]`, 'cam-porch');
  await page.fill(`input[name="${base}.versions[0].uri"]`, porch.url);
  await page.locator(`[data-path="${base}.versions[0]"]`).getByRole('button', { name: 'Test connection' }).click();
  const probe = page.getByTestId('probe-result');
  const probeError = page.getByTestId('probe-error');
  await probe.or(probeError).waitFor({ timeout: 20_000 });
  if ((await probeError.count()) > 0) assert.fail(`Test connection failed: ${await probeError.textContent()}`);
  assert.match((await probe.textContent()) ?? '', /320×180/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.locator(`[data-path="${base}"]`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: screenshotPath('editor.png'), fullPage: false });
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const result = page.getByTestId('save-result');
  await waitFor(
    'the save answer',
    async () => (await result.textContent()) ?? '',
    (t) => /Saved/.test(t),
    15_000,
  );
  assert.match((await result.textContent()) ?? '', /Saved and applied/);
  await page.goto(`${server.url}/#/live`);
  await page.getByRole('button', { name: '3×3' }).click();
  await page.waitForSelector('[data-testid="tile-cam-porch"]', { timeout: 15_000 });
  const f = await waitForAdvancingFrames(page, 'cam-porch', 25_000);
  assert.equal(f.phase, 'playing');
  assert.ok((await frameVariance(page, '[data-testid="tile-cam-porch"] video')) > MIN_VARIANCE);
  assert.deepEqual(cspViolations(), []);
});
