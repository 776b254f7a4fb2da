/**
 * `thinstream camera`: our RTSP camera from the command line (the demo camera, a farm of N cameras for
 * benchmarks, a quirky camera for tests). Prints `READY <port>` once listening, then one URL per mount,
 * and serves until SIGINT or SIGTERM.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { readCameraReport } from '../../src-shared/camera-report.js';
import { toErrorInfo } from '../../src-shared/errors.js';
import { ClipSource } from '../rtsp/server/clip-source.js';
import { DEMO_CLIP_PATH } from '../rtsp/server/demo-camera.js';
import { QUIRK_NAMES, QUIRKS, parseQuirks } from '../rtsp/server/quirks.js';
import { startReportReplay } from '../rtsp/server/report-replay.js';
import { startRtspServer, type RtspServerMountOptions } from '../rtsp/server/rtsp-server.js';
import type { CameraCredentials } from '../rtsp/server/server-auth.js';
import { fail, type CliCommand } from './command.js';

const USAGE = `Usage: thinstream camera [--clip <file.h264>] [--host 127.0.0.1] [--port N] [--path /stream]
                         [--cameras N] [--auth none|basic|digest --user U --password P]
                         [--quirk a,b] [--fps N] [--session-timeout <seconds>] [--verbose]
       thinstream camera --replay report.json [--clip <file.h264>] [--host H] [--port N] [--verbose]
  Serves an H.264 Annex-B clip in a loop over RTSP (UDP and TCP interleaved). Without --clip, the demo clip.
  --cameras N mounts /cam1 … /camN, each its own camera (SSRC, sequence, timestamps).
  Prints READY <port>, then the URL of each mount; stops on SIGINT or SIGTERM.
  --replay plays back a camera report (thinstream probe --report): the recorded answers and packet headers,
  payloads made from the clip's slices and the report's SPS/PPS.
  Quirks (--quirk list, or --quirk help):`;

export const cameraCommand: CliCommand = {
  name: 'camera',
  summary: 'serve an H.264 clip as an RTSP camera (demo, farm of N cameras, quirks)',
  async run(args: string[]): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          clip: { type: 'string' },
          host: { type: 'string', default: '127.0.0.1' },
          port: { type: 'string', default: '0' },
          path: { type: 'string', default: '/stream' },
          cameras: { type: 'string' },
          auth: { type: 'string', default: 'none' },
          user: { type: 'string', default: 'admin' },
          password: { type: 'string' },
          quirk: { type: 'string', multiple: true },
          fps: { type: 'string' },
          'session-timeout': { type: 'string' },
          verbose: { type: 'boolean', default: false },
          replay: { type: 'string' },
          help: { type: 'boolean', short: 'h', default: false },
        },
        strict: true,
        allowPositionals: false,
      }));
    } catch (err) {
      return fail('camera', `${(err as Error).message}\n${USAGE}`, 2);
    }
    if (values.help || values.quirk?.includes('help')) {
      const list = QUIRK_NAMES.map((name) => `    ${name.padEnd(26)} ${QUIRKS[name]}`).join('\n');
      process.stdout.write(`${USAGE}\n${list}\n`);
      return 0;
    }
    const port = integer(values.port, 0, 65535);
    if (port === null) return fail('camera', `--port must be 0–65535, got ${JSON.stringify(values.port)}`, 2);
    if (values.replay !== undefined) {
      return replayReport(values.replay, { clip: values.clip, host: values.host, port, verbose: values.verbose });
    }
    const cameras = values.cameras === undefined ? null : integer(values.cameras, 1, 10_000);
    if (cameras === null && values.cameras !== undefined)
      return fail('camera', `--cameras must be a whole number from 1, got ${JSON.stringify(values.cameras)}`, 2);
    const fps = values.fps === undefined ? undefined : Number(values.fps);
    if (fps !== undefined && !(fps > 0 && fps <= 240))
      return fail('camera', `--fps must be above 0 and at most 240, got ${values.fps}`, 2);
    const timeoutS = values['session-timeout'] === undefined ? 60 : Number(values['session-timeout']);
    if (!(timeoutS >= 1)) return fail('camera', `--session-timeout must be at least 1 second`, 2);
    let auth: CameraCredentials | undefined;
    if (values.auth === 'basic' || values.auth === 'digest') {
      if (values.password === undefined) return fail('camera', `--auth ${values.auth} needs --password`, 2);
      auth = { scheme: values.auth, user: values.user, password: values.password };
    } else if (values.auth !== 'none') {
      return fail('camera', `--auth must be none, basic or digest, got ${JSON.stringify(values.auth)}`, 2);
    }
    let quirks: string[];
    try {
      quirks = [...parseQuirks((values.quirk ?? []).join(','))];
    } catch (err) {
      return fail('camera', toErrorInfo(err).message, 2);
    }
    const clip = values.clip ?? DEMO_CLIP_PATH;
    if (!existsSync(clip)) return fail('camera', `the clip ${clip} does not exist`);
    const paths = cameras === null ? [values.path] : Array.from({ length: cameras }, (_, i) => `/cam${i + 1}`);
    const log = values.verbose ? (line: string) => process.stderr.write(`camera: ${line}\n`) : undefined;
    let server;
    try {
      const source = await ClipSource.fromFile(clip, fps === undefined ? {} : { fps });
      const mounts: RtspServerMountOptions[] = paths.map((path) => (auth ? { path, source, auth } : { path, source }));
      server = await startRtspServer({
        host: values.host,
        port,
        mounts,
        quirks,
        sessionTimeoutMs: timeoutS * 1000,
        ...(log ? { log } : {}),
      });
      process.stderr.write(
        `camera: ${clip}: ${source.width}x${source.height} at ${source.fps} fps, ${source.frames} frames, profile-level-id ${source.profileLevelId}\n`,
      );
    } catch (err) {
      return fail('camera', toErrorInfo(err).message);
    }
    process.stdout.write(`READY ${server.port}\n`);
    for (const path of paths) process.stdout.write(`${server.url(path)}\n`);
    const running = server;
    await untilSignal();
    await running.close();
    return 0;
  },
};

/** `--replay report.json`: serves the recorded camera until SIGINT or SIGTERM. */
async function replayReport(
  path: string,
  o: { clip: string | undefined; host: string; port: number; verbose: boolean },
): Promise<number> {
  let replay;
  try {
    const report = readCameraReport(JSON.parse(await readFile(path, 'utf8')));
    const log = o.verbose ? (line: string) => process.stderr.write(`camera: ${line}\n`) : undefined;
    replay = await startReportReplay({
      report,
      host: o.host,
      port: o.port,
      ...(o.clip === undefined ? {} : { clip: o.clip }),
      ...(log ? { log } : {}),
    });
    process.stderr.write(
      `camera: replaying ${path}: ${report.dialogue.length} dialogue entries, ${report.packets.length} packets\n`,
    );
  } catch (err) {
    const message = err instanceof SyntaxError ? `${path} is not JSON: ${err.message}` : toErrorInfo(err).message;
    return fail('camera', message);
  }
  process.stdout.write(`READY ${replay.port}\n${replay.url()}\n`);
  await untilSignal();
  await replay.close();
  return 0;
}

function untilSignal(): Promise<void> {
  return new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function integer(text: string, min: number, max: number): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}
