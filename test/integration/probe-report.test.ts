/**
 * Camera reports end to end (issue 9): `probe` records one against the test camera with a quirk switched
 * on, the report goes through its file format, our RTSP server replays it, and `probe` of the replay gets
 * the same result: frames within a small slack, the same picture size and transport, the same tolerances.
 * Also: no credential or nonce in a report; a failing camera's report carries the error and replays it;
 * `thinstream probe --report` and `thinstream camera --replay` from the command line; and
 * `POST /api/v1/probe` with `report: true` (admins only).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ProbeResult } from '../../src-shared/api.js';
import { readCameraReport, type CameraReport } from '../../src-shared/camera-report.js';
import { probe, probeWithReport, type ProbeReport } from '../../src-main/cli/probe-command.js';
import { formatCameraReport } from '../../src-main/cli/probe-report.js';
import { startReportReplay, startRtspServer, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip, type Clip } from '../support/clips.js';
import { REPO_ROOT } from '../support/paths.js';
import { startTestServer } from '../server/support/test-server.js';

const BIN = resolve(REPO_ROOT, 'bin/thinstream.js');
const SECONDS = 1.5;
const AUTH = { scheme: 'digest' as const, user: 'admin', password: 'hunter22' };

/** Quirks replayed: dialogue (answers, LF, SPS in SDP vs in-band, 461) and packets (markers, FU-A, start codes, PT, SSRC, order). */
const REPLAYED: Array<{ quirk: string | null; transports: Array<'udp' | 'tcp' | 'auto'> }> = [
  { quirk: null, transports: ['udp', 'tcp'] },
  { quirk: 'no-marker', transports: ['udp', 'tcp'] },
  { quirk: 'fu-a-restart', transports: ['udp', 'tcp'] },
  { quirk: 'annexb-in-payload', transports: ['udp', 'tcp'] },
  { quirk: 'unknown-pt-mixed', transports: ['udp', 'tcp'] },
  { quirk: 'ssrc-mismatch', transports: ['udp', 'tcp'] },
  { quirk: 'stale-sprop', transports: ['udp', 'tcp'] },
  { quirk: 'bare-lf', transports: ['udp', 'tcp'] },
  { quirk: 'rtp-before-play-response', transports: ['tcp'] },
  { quirk: 'udp-461', transports: ['auto'] },
];

/** A report through its file format and back, as a user would send it. */
function throughFile(report: CameraReport): CameraReport {
  return readCameraReport(JSON.parse(formatCameraReport(report)));
}

function assertNoSecrets(text: string, where: string): void {
  assert.ok(!text.includes(AUTH.password), `${where}: the password`);
  assert.doesNotMatch(text, /admin:|username=\\?"admin/, `${where}: the user in a URL or Authorization`);
  for (const param of ['nonce', 'cnonce', 'response']) {
    assert.doesNotMatch(text, new RegExp(`\\b${param}=\\\\?"(?!\\[redacted\\])`), `${where}: a ${param}`);
  }
}

function sameOutcome(a: ProbeReport, b: ProbeReport, where: string): void {
  const show = `${where}\n recorded ${JSON.stringify(a)}\n replayed ${JSON.stringify(b)}`;
  assert.equal(b.width, a.width, show);
  assert.equal(b.height, a.height, show);
  assert.equal(b.transport, a.transport, show);
  assert.ok(Math.abs(b.frames - a.frames) <= 3, show);
  assert.ok(Math.abs(b.keyframes - a.keyframes) <= 1, show);
  assert.deepEqual([...b.quirks].sort(), [...a.quirks].sort(), show);
}

describe('camera reports: recorded, replayed, the same result', () => {
  let clip: Clip;
  let camera: RtspServer;
  before(async () => {
    clip = await makeClip({ width: 640, height: 360, fps: 25, gopFrames: 25, bitrateKbps: 300, seconds: 1 });
    camera = await startRtspServer({
      mounts: REPLAYED.map(({ quirk }) => ({
        path: `/${quirk ?? 'plain'}`,
        source: clip.path,
        auth: AUTH,
        quirks: quirk === null ? [] : [quirk],
      })),
    });
  });
  after(() => camera.close());

  for (const { quirk, transports } of REPLAYED) {
    test(`${quirk ?? 'a well-behaved camera'} over ${transports.join(' and ')}: the replay probes the same`, async () => {
      await Promise.all(
        transports.map(async (transport) => {
          const where = `${quirk ?? 'plain'} over ${transport}`;
          const recorded = await probeWithReport({
            url: camera.url(`/${quirk ?? 'plain'}`, AUTH),
            transport,
            seconds: SECONDS,
            json: true,
            timeoutMs: 5000,
          });
          assert.ok(recorded.result, `${where}: ${JSON.stringify(recorded.error)}`);
          const text = formatCameraReport(recorded.report);
          assertNoSecrets(text, where);
          const report = throughFile(recorded.report);
          assert.equal(report.video?.width, clip.width);
          assert.ok(report.packets.length > 40, `${where}: ${report.packets.length} packets`);
          const replay = await startReportReplay({ report, clip: clip.path });
          try {
            const again = await probe({
              url: replay.url(),
              transport,
              seconds: SECONDS,
              json: true,
              timeoutMs: 5000,
            });
            sameOutcome(recorded.result, again, where);
            assert.equal(replay.stats().unscripted, 0, `${where}: every request was in the script`);
          } finally {
            await replay.close();
          }
        }),
      );
    });
  }

  test('a refused password: the report carries the error, redacted, and the replay refuses the same way', async () => {
    const recorded = await probeWithReport({
      url: camera.url('/plain', { user: 'admin', password: 'not-hunter22' }),
      transport: 'tcp',
      seconds: 1,
      json: true,
      timeoutMs: 5000,
    });
    assert.equal(recorded.result, null);
    assert.equal(recorded.error?.code, 'RTSP_AUTH_REFUSED');
    const text = formatCameraReport(recorded.report);
    assert.ok(!text.includes('not-hunter22'));
    assert.match(recorded.report.error!.message, /refused user "\[redacted\]"/);
    const replay = await startReportReplay({ report: throughFile(recorded.report), clip: clip.path });
    try {
      await assert.rejects(
        probe({ url: replay.url(), transport: 'tcp', seconds: 1, json: true, timeoutMs: 3000 }),
        (e: unknown) => e instanceof Error && 'code' in e && e.code === 'RTSP_AUTH_REFUSED',
      );
    } finally {
      await replay.close();
    }
  });

  test('thinstream probe --report writes the file (also on failure); thinstream camera --replay serves it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thinstream-report-'));
    try {
      const file = join(dir, 'report.json');
      const run = await cli([
        'probe',
        camera.url('/no-marker', AUTH),
        '--transport',
        'tcp',
        '--seconds',
        '1',
        '--json',
        '--report',
        file,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as ProbeResult;
      assert.match(run.stderr, /camera report written to .*report\.json \(\d+ dialogue entries, \d+ packets\)/);
      const text = readFileSync(file, 'utf8');
      assertNoSecrets(text, 'the CLI report');
      const report = readCameraReport(JSON.parse(text));
      assert.deepEqual(report.result, result);

      const failed = join(dir, 'failed.json');
      const refused = await cli(['probe', camera.url('/plain'), '--transport', 'tcp', '--report', failed]);
      assert.equal(refused.code, 3);
      assert.equal(readCameraReport(JSON.parse(readFileSync(failed, 'utf8'))).error?.code, 'RTSP_AUTH_REFUSED');

      const child = spawn(process.execPath, [BIN, 'camera', '--replay', file, '--clip', clip.path], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      try {
        const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
        const ready = (await lines.next()).value as string;
        assert.match(ready, /^READY \d+$/);
        const url = (await lines.next()).value as string;
        assert.match(url, /^rtsp:\/\/127\.0\.0\.1:\d+\/no-marker$/);
        const again = await probe({ url, transport: 'tcp', seconds: 1, json: true, timeoutMs: 5000 });
        assert.equal(again.width, result.width);
        assert.ok(again.quirks.includes('marker-missing'));
        assert.ok(Math.abs(again.frames - result.frames) <= 3, `${again.frames} vs ${result.frames}`);
      } finally {
        child.kill('SIGTERM');
        assert.equal(await exited, 0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('POST /api/v1/probe with report: true answers the report, also for a failing camera; admins only', async () => {
    const server = await startTestServer({
      streams: ['cam-a/1-high'],
      context: {
        probe: async () => {
          throw new Error('not used here');
        },
        probeReport: async (request) =>
          (
            await probeWithReport({
              url: request.url,
              transport: request.transport ?? 'auto',
              seconds: request.seconds ?? 1,
              json: true,
              timeoutMs: 5000,
              ...(request.user === undefined ? {} : { user: request.user }),
              ...(request.password === undefined ? {} : { password: request.password }),
            })
          ).report,
      },
    });
    try {
      const admin = await server.admin();
      const body = {
        url: camera.url('/plain'),
        user: AUTH.user,
        password: AUTH.password,
        seconds: 1,
        transport: 'tcp',
      };
      const ok = await admin.fetch('POST', '/api/v1/probe', { ...body, report: true });
      assert.equal(ok.status, 200, ok.text().slice(0, 300));
      assert.equal(ok.headers['cache-control'], 'no-store');
      assertNoSecrets(ok.text(), 'the API report');
      const report = readCameraReport(ok.json());
      assert.equal(report.result?.width, clip.width);
      const failing = await admin.fetch('POST', '/api/v1/probe', { ...body, password: 'wrong-one', report: true });
      assert.equal(failing.status, 200);
      assert.equal(readCameraReport(failing.json()).error?.code, 'RTSP_AUTH_REFUSED');
      const bad = await admin.fetch('POST', '/api/v1/probe', { ...body, report: 'yes' });
      assert.equal(bad.status, 400);
      await server.ctx.users.set('watcher', 'watcher-password', 'viewer');
      const viewer = server.client();
      assert.equal((await viewer.signIn('watcher', 'watcher-password')).status, 200);
      assert.equal((await viewer.fetch('POST', '/api/v1/probe', { ...body, report: true })).status, 403);
    } finally {
      await server.close();
    }
  });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
      res({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}
