/**
 * Debian's Chromium driven by playwright-core (no browser download), headless, with the flags the issue names.
 * Every page is watched: console errors and page errors (CSP violations show up there), the app's own files that
 * answer 4xx/5xx or fail to load (the favicon included: Chromium fetches it outside the page's own requests, so
 * only its console line tells), and API answers of 400 and above, kept apart because tests provoke some on purpose
 * (a wrong password is a 502 from the probe). `assertCleanPage` fails a test on the first two.
 */
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.THINSTREAM_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Tiles decode while the test looks at them; autoplay of muted video is allowed anyway, this makes it certain.
  '--autoplay-policy=no-user-gesture-required',
];

export interface PageWatch {
  /** Console errors and page errors, except the "Failed to load resource" line of an API answer (see apiFailures). */
  problems: string[];
  /** The app's own files (anything outside /api/ and /live/) that answered 4xx/5xx or did not load. */
  assetFailures: string[];
  /** API answers of 400 and above, as `401 GET /api/v1/session`. */
  apiFailures: string[];
}

export interface BrowserTab {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  close(): Promise<void>;
}

export interface BrowserSession extends BrowserTab {
  browser: Browser;
  /** Console errors and page errors of the first page (the same array as watch.problems). */
  problems: string[];
  /** A fresh context (no cookies, no storage) with one watched page: another person on another device. */
  openTab(options?: { width?: number; height?: number }): Promise<BrowserTab>;
}

/** The API and the live MP4 route: their error answers are the app's business, not a broken page. */
function isApiPath(pathname: string): boolean {
  return pathname.startsWith('/api/') || pathname.startsWith('/live/');
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { problems: [], assetFailures: [], apiFailures: [] };
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    const url = message.location().url;
    if (/^Failed to load resource/.test(text)) {
      // The response listener below records API answers with their method; here only the app's files.
      if (!isApiPath(pathOf(url))) watch.assetFailures.push(`${pathOf(url)}: ${text}`);
      return;
    }
    watch.problems.push(`console: ${text}${url !== '' ? ` (${url})` : ''}`);
  });
  page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() < 400) return;
    const path = pathOf(response.url());
    const line = `${response.status()} ${response.request().method()} ${path}`;
    if (isApiPath(path)) watch.apiFailures.push(line);
    else if (!watch.assetFailures.some((f) => f.startsWith(`${path}:`))) watch.assetFailures.push(`${path}: ${line}`);
  });
  page.on('requestfailed', (request) => {
    const path = pathOf(request.url());
    const failure = request.failure()?.errorText ?? 'failed';
    // ERR_ABORTED is a navigation or a closed socket cutting a request short: not a broken file.
    if (!isApiPath(path) && !/ERR_ABORTED/.test(failure)) watch.assetFailures.push(`${path}: ${failure}`);
  });
  return watch;
}

/** Fails when the page logged an error or one of the app's own files did not load. */
export function assertCleanPage(watch: PageWatch, what = 'the page'): void {
  assert.deepEqual(watch.problems, [], `${what}: console errors or page errors`);
  assert.deepEqual(watch.assetFailures, [], `${what}: the app's own files that did not load`);
}

async function newTab(browser: Browser, options: { width?: number; height?: number }): Promise<BrowserTab> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: options.width ?? 1600, height: options.height ?? 900 },
    acceptDownloads: true,
  });
  const page = await context.newPage();
  const watch = watchPage(page);
  return { context, page, watch, close: () => context.close().catch(() => {}) };
}

export async function openBrowser(options: { width?: number; height?: number } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  try {
    const first = await newTab(browser, options);
    const tabs: BrowserTab[] = [first];
    return {
      browser,
      ...first,
      problems: first.watch.problems,
      async openTab(tabOptions = {}) {
        const tab = await newTab(browser, { ...options, ...tabOptions });
        tabs.push(tab);
        return tab;
      },
      async close() {
        for (const tab of tabs) await tab.close();
        await browser.close();
      },
    };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
