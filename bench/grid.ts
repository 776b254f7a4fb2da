/**
 * `npm run bench:grid`: 16 tiles from 16 simulated cameras in Chromium. A camera farm (our RTSP server looping
 * one x264 clip on 16 mounts) feeds the real headless server (startRuntime, RTSP over TCP, recording off so
 * the viewer is what is measured); Debian's Chromium opens the 4×4 grid. Per tile: time from page load to its
 * first decoded picture, time from its socket opening to that picture, delay behind live (now − capture
 * time of the picture on screen) sampled once a second, and frames decoded and dropped. Prints a table.
 *
 *   THINSTREAM_BENCH_SECONDS (default 20) how long the grid is watched after every tile shows a picture
 *   THINSTREAM_BENCH_SIZE    (default 640x360) each camera's picture size
 */
import { cpus, loadavg } from 'node:os';
import { startRtspServer } from '../src-main/rtsp/server/index.js';
import { makeClip } from '../test/support/clips.js';
import { openBrowser } from '../test/e2e/support/chromium.js';
import { ADMIN_PASSWORD, ADMIN_USER, startE2eServer } from '../test/e2e/support/e2e-server.js';
import type { E2eCamera } from '../test/e2e/support/e2e-server.js';
import { signIn } from '../test/e2e/support/viewer-checks.js';

const TILES = 16;
const WATCH_S = Number(process.env.THINSTREAM_BENCH_SECONDS ?? 20);
const [WIDTH, HEIGHT] = (process.env.THINSTREAM_BENCH_SIZE ?? '640x360').split('x').map(Number) as [number, number];

interface TileSample {
  uid: string;
  firstFrameFromLoadMs: number | null;
  firstFrameFromSocketMs: number | null;
  delays: number[];
  frames: number;
  dropped: number;
  resyncs: number;
}

function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
}

const fmt = (v: number | null, unit = 'ms'): string => (v === null ? '–' : `${Math.round(v)} ${unit}`);

async function main(): Promise<void> {
  const clip = await makeClip({ width: WIDTH, height: HEIGHT, fps: 25, gopFrames: 25, bitrateKbps: 800, seconds: 10 });
  const farm = await startRtspServer({
    mounts: Array.from({ length: TILES }, (_, i) => ({ path: `/cam${i + 1}`, source: clip.path })),
  });
  const cameras: E2eCamera[] = Array.from({ length: TILES }, (_, i) => ({
    deviceUid: `cam-${String(i + 1).padStart(2, '0')}`,
    name: `Camera ${i + 1}`,
    versions: [{ sid: '1-main', url: farm.url(`/cam${i + 1}`) }],
  }));
  const server = await startE2eServer(cameras, { record: false });
  const browser = await openBrowser({ width: 1920, height: 1080 });
  const samples = new Map<string, TileSample>(
    cameras.map((c) => [
      c.deviceUid,
      {
        uid: c.deviceUid,
        firstFrameFromLoadMs: null,
        firstFrameFromSocketMs: null,
        delays: [],
        frames: 0,
        dropped: 0,
        resyncs: 0,
      },
    ]),
  );
  try {
    // Let every camera go live in the server first: the benchmark is about the viewer.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && server.runtime.cameras().some((c) => c.versions[0]?.status.state !== 'live')) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const page = browser.page;
    await signIn(page, server.url, ADMIN_USER, ADMIN_PASSWORD);
    // Choose the 4×4 layout as a user would (it is remembered), then measure a fresh load of the grid.
    await page.getByRole('button', { name: '4×4' }).click();
    await page.waitForSelector('[data-testid="tile-cam-16"]', { timeout: 10_000 });
    const loadStart = Date.now();
    await page.reload();
    // Page load → first picture per tile, polled every 20 ms.
    const firstDeadline = Date.now() + 30_000;
    while (Date.now() < firstDeadline && [...samples.values()].some((s) => s.firstFrameFromLoadMs === null)) {
      const shown = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('[data-testid^="tile-"]')].map((t) => [
          t.dataset.testid?.slice(5) ?? '',
          t.querySelector('video')?.getVideoPlaybackQuality().totalVideoFrames ?? 0,
        ]),
      );
      const now = Date.now();
      for (const [uid, frames] of shown) {
        const s = samples.get(String(uid));
        if (s === undefined || s.firstFrameFromLoadMs !== null || Number(frames) === 0) continue;
        s.firstFrameFromLoadMs = now - loadStart;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    // Each tile's own measure (socket open → first picture) is published with its figures, once a second.
    await new Promise((r) => setTimeout(r, 1500));
    const fromSocket = await page.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid^="tile-"]')].map(
        (t) => [t.dataset.testid?.slice(5) ?? '', t.dataset.firstFrameMs ?? ''] as const,
      ),
    );
    for (const [uid, ms] of fromSocket) {
      const s = samples.get(uid);
      if (s !== undefined && ms !== '') s.firstFrameFromSocketMs = Number(ms);
    }
    const framesAtStart = new Map<string, [number, number]>();
    for (let second = 0; second <= WATCH_S; second++) {
      const state = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('[data-testid^="tile-"]')].map((t) => {
          const q = t.querySelector('video')?.getVideoPlaybackQuality();
          return [
            t.dataset.testid?.slice(5) ?? '',
            t.dataset.delayMs ?? '',
            q?.totalVideoFrames ?? 0,
            q?.droppedVideoFrames ?? 0,
            Number(t.dataset.resyncs ?? 0),
          ] as const;
        }),
      );
      for (const [uid, delay, frames, dropped, resyncs] of state) {
        const s = samples.get(uid);
        if (s === undefined) continue;
        if (second === 0) framesAtStart.set(uid, [frames, dropped]);
        else if (delay !== '') s.delays.push(Number(delay));
        const [f0, d0] = framesAtStart.get(uid) ?? [0, 0];
        s.frames = frames - f0;
        s.dropped = dropped - d0;
        s.resyncs = resyncs;
      }
      if (second < WATCH_S) await new Promise((r) => setTimeout(r, 1000));
    }
  } finally {
    await browser.close();
    await server.close();
    await farm.close();
  }

  const rows = [...samples.values()];
  const firstLoad = rows.map((r) => r.firstFrameFromLoadMs).filter((v): v is number => v !== null);
  const firstSocket = rows.map((r) => r.firstFrameFromSocketMs).filter((v): v is number => v !== null);
  const allDelays = rows.flatMap((r) => r.delays);
  console.log(
    `bench:grid — ${TILES} tiles, ${WIDTH}x${HEIGHT} 25 fps 800 kbit/s H.264 (GOP 1 s) each, 4×4 grid at 1920×1080, ` +
      `headless Chromium; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load ${loadavg()[0]?.toFixed(2)}; ` +
      `watched ${WATCH_S} s`,
  );
  console.log('');
  console.log(
    '| tile | first frame (page load) | first frame (socket) | delay median | delay p95 | frames | dropped | resyncs |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.uid} | ${fmt(r.firstFrameFromLoadMs)} | ${fmt(r.firstFrameFromSocketMs)} | ${fmt(percentile(r.delays, 50))} | ` +
        `${fmt(percentile(r.delays, 95))} | ${r.frames} | ${r.dropped} | ${r.resyncs} |`,
    );
  }
  console.log(
    `| **all** | median ${fmt(percentile(firstLoad, 50))}, max ${fmt(firstLoad.length ? Math.max(...firstLoad) : null)} | ` +
      `median ${fmt(percentile(firstSocket, 50))}, max ${fmt(firstSocket.length ? Math.max(...firstSocket) : null)} | ` +
      `${fmt(percentile(allDelays, 50))} | ${fmt(percentile(allDelays, 95))} | ` +
      `${rows.reduce((s, r) => s + r.frames, 0)} | ${rows.reduce((s, r) => s + r.dropped, 0)} | ` +
      `${rows.reduce((s, r) => s + r.resyncs, 0)} |`,
  );
  const missing = rows.filter((r) => r.firstFrameFromLoadMs === null).map((r) => r.uid);
  if (missing.length > 0) {
    console.log(`\n${missing.length} tile(s) showed no picture within 30 s: ${missing.join(', ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
