/**
 * What the end-to-end tests and the grid benchmark ask of the viewer page: sign in through the real form, read a
 * tile's decoded-frame count, draw its <video> to a canvas and measure the picture's pixel variance (a blank or
 * black frame has none), and wait for these with bounded polls.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../../support/paths.js';

/**
 * Where screenshots go: out/screenshots/ on every run; with THINSTREAM_UPDATE_SCREENSHOTS=1, docs/screenshots/
 * (the README shows those), so a plain test run never leaves tracked files changed.
 */
export function screenshotPath(name: string): string {
  const dir = resolve(
    REPO_ROOT,
    process.env.THINSTREAM_UPDATE_SCREENSHOTS === '1' ? 'docs/screenshots' : 'out/screenshots',
  );
  mkdirSync(dir, { recursive: true });
  return resolve(dir, name);
}

export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/signin.html`);
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.endsWith('/signin.html'), { timeout: 15_000 }),
    page.click('button[type="submit"]'),
  ]);
}

export interface TileFrames {
  /** getVideoPlaybackQuality().totalVideoFrames */
  totalFrames: number;
  droppedFrames: number;
  /** The tile's own phase: playing, connecting, reconnecting, … */
  phase: string;
  version: string;
  firstFrameMs: number | null;
  delayMs: number | null;
}

export async function tileFrames(page: Page, deviceUid: string): Promise<TileFrames | null> {
  return page.evaluate((uid) => {
    const tile = document.querySelector<HTMLElement>(`[data-testid="tile-${uid}"]`);
    const video = tile?.querySelector('video');
    if (tile === null || tile === undefined || video === null || video === undefined) return null;
    const q = video.getVideoPlaybackQuality();
    const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));
    return {
      totalFrames: q.totalVideoFrames,
      droppedFrames: q.droppedVideoFrames,
      phase: tile.dataset.phase ?? '',
      version: tile.dataset.version ?? '',
      firstFrameMs: num(tile.dataset.firstFrameMs),
      delayMs: num(tile.dataset.delayMs),
    };
  }, deviceUid);
}

/**
 * Draws the <video> matched by `selector` to a 64×36 canvas and returns the variance of its luma. A decoded
 * test pattern is far above 100; a black or single-colour frame is near 0.
 */
export async function frameVariance(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const video = document.querySelector<HTMLVideoElement>(sel);
    if (video === null || video.videoWidth === 0) return 0;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 36;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) return 0;
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let sum = 0;
    let sumSq = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const y = 0.299 * (data[i] ?? 0) + 0.587 * (data[i + 1] ?? 0) + 0.114 * (data[i + 2] ?? 0);
      sum += y;
      sumSq += y * y;
    }
    const mean = sum / n;
    return sumSq / n - mean * mean;
  }, selector);
}

/**
 * Share of the picture in the colour a decoder shows where it never decoded anything: Y=U=V=0, which is
 * RGB ≈ (0, 135, 0). A picture split wrongly into samples (part of a keyframe lost) is half this green.
 */
export async function undecodedShare(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    const video = document.querySelector<HTMLVideoElement>(sel);
    if (video === null || video.videoWidth === 0) return 1;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 36;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx === null) return 1;
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let green = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i] ?? 0;
      const g = data[i + 1] ?? 0;
      const b = data[i + 2] ?? 0;
      if (r < 30 && b < 30 && g > 110 && g < 160) green++;
    }
    return green / (data.length / 4);
  }, selector);
}

/** Polls `probe` every 200 ms until it returns a value that `ok` accepts, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}

/** Waits until a tile has decoded frames, then checks that the count keeps growing. */
export async function waitForAdvancingFrames(page: Page, deviceUid: string, timeoutMs: number): Promise<TileFrames> {
  const first = await waitFor(
    `decoded frames on tile-${deviceUid}`,
    () => tileFrames(page, deviceUid),
    (f) => f !== null && f.totalFrames > 0,
    timeoutMs,
  );
  return waitFor(
    `frames advancing on tile-${deviceUid}`,
    () => tileFrames(page, deviceUid),
    (f) => f !== null && first !== null && f.totalFrames >= first.totalFrames + 10,
    timeoutMs,
  ) as Promise<TileFrames>;
}
