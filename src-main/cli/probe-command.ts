/**
 * `thinstream probe <rtsp-url>`: connects to a camera, receives for a few seconds, and says what it sends.
 *
 *   thinstream probe rtsp://admin:pw@192.168.1.20/stream1 [--transport udp|tcp|auto] [--seconds N] [--json]
 *                    [--user U --password P] [--timeout-ms N] [--report report.json]
 *
 * Exit 0 on success; otherwise one line `thinstream probe: <reason>` and a code by kind of failure:
 * 2 usage or bad URL, 3 credentials refused, 4 timeout or no video data, 5 unsupported codec or no video, 1 other.
 */
import { writeFile } from 'node:fs/promises';
import type { AccessUnit, VideoFormat } from '../../src-shared/access-unit.js';
import type { CameraReport } from '../../src-shared/camera-report.js';
import { ThinStreamError, toErrorInfo, type ErrorCode, type ErrorInfo } from '../../src-shared/errors.js';
import type { TransportKind } from '../../src-shared/stream-status.js';
import { RtpReceiver } from '../rtp/rtp-receiver.js';
import { CameraReportRecorder } from '../rtsp/camera-report-recorder.js';
import { openRtspSession, type RtspSession } from '../rtsp/rtsp-session.js';
import { fail, type CliCommand } from './command.js';
import { formatCameraReport, runtimeVersions } from './probe-report.js';

export interface ProbeOptions {
  url: string;
  transport: 'udp' | 'tcp' | 'auto';
  seconds: number;
  json: boolean;
  user?: string;
  password?: string;
  timeoutMs: number;
  /** `--report <file>`: write a camera report there (src-shared/camera-report.ts). */
  reportPath?: string;
}

/** What `--json` prints: exactly these keys (issue 2), plus `quirks` (issue 9). */
export interface ProbeResult {
  codec: string;
  profile: string | null;
  width: number | null;
  height: number | null;
  fps: number | null;
  frames: number;
  keyframes: number;
  bitrateKbps: number;
  lostPackets: number;
  transport: TransportKind;
  firstFrameMs: number | null;
  quirks: string[];
}

/** The result with what only the text form shows. */
export interface ProbeReport extends ProbeResult {
  level: string | null;
  codecString: string | null;
  /** Wall time spent receiving after PLAY, ms. */
  receiveMs: number;
}

/** The `--json` object: the keys of ProbeResult in their documented order, nothing else. */
export function probeJson(r: ProbeReport): ProbeResult {
  const {
    codec,
    profile,
    width,
    height,
    fps,
    frames,
    keyframes,
    bitrateKbps,
    lostPackets,
    transport,
    firstFrameMs,
    quirks,
  } = r;
  return {
    codec,
    profile,
    width,
    height,
    fps,
    frames,
    keyframes,
    bitrateKbps,
    lostPackets,
    transport,
    firstFrameMs,
    quirks,
  };
}

const USAGE =
  'usage: thinstream probe <rtsp-url> [--transport udp|tcp|auto] [--seconds N] [--json] [--user U --password P] [--timeout-ms N] [--report report.json]';

export const probeCommand: CliCommand = {
  name: 'probe',
  summary: 'connect to a camera for a few seconds and report codec, size, fps, bitrate and losses',
  async run(args: string[]): Promise<number> {
    let options: ProbeOptions;
    try {
      options = parseProbeArgs(args);
    } catch (err) {
      return fail('probe', err instanceof Error ? err.message : String(err), 2);
    }
    if (options.reportPath !== undefined) return runWithReport(options, options.reportPath);
    try {
      const result = await probe(options);
      process.stdout.write(options.json ? JSON.stringify(probeJson(result)) + '\n' : formatProbe(result));
      return 0;
    } catch (err) {
      const info = toErrorInfo(err);
      return fail('probe', info.message, exitCodeFor(info.code));
    }
  },
};

/** `--report`: the probe as usual, and the report written whatever the outcome (a failing camera's most of all). */
async function runWithReport(options: ProbeOptions, path: string): Promise<number> {
  const { report, result, error } = await probeWithReport(options);
  try {
    await writeFile(path, formatCameraReport(report));
  } catch (err) {
    return fail('probe', `cannot write the camera report to ${path}: ${(err as Error).message}`, 1);
  }
  process.stderr.write(
    `thinstream probe: camera report written to ${path} (${report.dialogue.length} dialogue entries, ${report.packets.length} packets)\n`,
  );
  if (result !== null) {
    process.stdout.write(options.json ? JSON.stringify(probeJson(result)) + '\n' : formatProbe(result));
    return 0;
  }
  const info = error ?? { code: 'INTERNAL' as const, message: 'the probe failed' };
  return fail('probe', info.message, exitCodeFor(info.code));
}

export function parseProbeArgs(args: string[]): ProbeOptions {
  let url: string | undefined;
  const o: Omit<ProbeOptions, 'url'> = { transport: 'auto', seconds: 5, json: false, timeoutMs: 5000 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const value = () => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value; ${USAGE}`);
      return v;
    };
    switch (arg) {
      case '--transport': {
        const t = value();
        if (t !== 'udp' && t !== 'tcp' && t !== 'auto') throw new Error(`--transport ${t}: expected udp, tcp or auto`);
        o.transport = t;
        break;
      }
      case '--seconds':
        o.seconds = positiveNumber(arg, value(), 3600);
        break;
      case '--timeout-ms':
        o.timeoutMs = positiveNumber(arg, value(), 600_000);
        break;
      case '--json':
        o.json = true;
        break;
      case '--user':
        o.user = value();
        break;
      case '--password':
        o.password = value();
        break;
      case '--report':
        o.reportPath = value();
        break;
      default:
        if (arg.startsWith('-')) throw new Error(`unknown option ${arg}; ${USAGE}`);
        if (url !== undefined) throw new Error(`one URL only (got ${JSON.stringify(arg)} too); ${USAGE}`);
        url = arg;
    }
  }
  if (url === undefined) throw new Error(`no camera URL; ${USAGE}`);
  return { url, ...o };
}

function positiveNumber(name: string, text: string, max: number): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > max)
    throw new Error(`${name} ${text}: expected a number above 0 and at most ${max}`);
  return n;
}

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'URL_INVALID':
      return 2;
    case 'RTSP_AUTH_REFUSED':
      return 3;
    case 'RTSP_TIMEOUT':
    case 'RTP_NO_DATA':
      return 4;
    case 'CODEC_UNSUPPORTED':
    case 'SDP_NO_VIDEO':
      return 5;
    default:
      return 1;
  }
}

/**
 * Connects, receives for `seconds` after PLAY, tears down, and measures. Rejects with a ThinStreamError.
 * With a `recorder`, the dialogue, packet headers, parameter sets and tolerances go into a camera report.
 */
export async function probe(o: ProbeOptions, recorder?: CameraReportRecorder): Promise<ProbeReport> {
  const startMs = performance.now();
  const label = 'camera';
  const quirks: string[] = [];
  const onQuirk = (name: string, detail: string) => {
    recorder?.quirk(name, detail);
    if (!quirks.includes(name)) quirks.push(name);
  };
  let receiver: RtpReceiver | null = null;
  let format: VideoFormat | null = null;
  let clockRate = 90000;
  let frames = 0;
  let keyframes = 0;
  let bytes = 0;
  let firstFrameMs: number | null = null;
  let firstPts = 0;
  let lastPts = 0;
  let ended: ThinStreamError | null = null;
  let wake: (() => void) | null = null;
  const onAccessUnit = (au: AccessUnit) => {
    recorder?.accessUnit(au);
    if (firstFrameMs === null) {
      firstFrameMs = Math.round(performance.now() - startMs);
      firstPts = au.pts90k;
      wake?.();
    }
    frames++;
    if (au.keyframe) keyframes++;
    bytes += au.byteLength;
    lastPts = au.pts90k;
  };
  const session: RtspSession = await openRtspSession({
    url: o.url,
    ...(o.user === undefined ? {} : { user: o.user }),
    ...(o.password === undefined ? {} : { password: o.password }),
    label,
    transport: o.transport,
    connectTimeoutMs: o.timeoutMs,
    createSink: (track, transport) => {
      clockRate = track.clockRate;
      receiver = new RtpReceiver({
        streamLabel: label,
        clockRate: track.clockRate,
        payloadType: track.payloadType,
        reorderQueueSize: transport === 'tcp' ? 0 : 16,
        ...(track.spropParameterSets === undefined ? {} : { spropParameterSets: track.spropParameterSets }),
        onAccessUnit,
        onFormat: (f) => {
          format = f;
          recorder?.format(f);
        },
        onQuirk,
      });
      return receiver;
    },
    onQuirk,
    ...(recorder === undefined ? {} : { tap: recorder }),
    onEnded: (error) => {
      ended = error;
      wake?.();
    },
  });
  const playMs = performance.now();
  try {
    // The first frame may take a GOP to come: wait for it at most the timeout, then receive `seconds`.
    await sleepUntil(
      () => firstFrameMs !== null || ended !== null,
      o.timeoutMs + o.seconds * 1000,
      (w) => (wake = w),
    );
    if (firstFrameMs === null) {
      throw (
        ended ??
        new ThinStreamError(
          'RTP_NO_DATA',
          `no video frame within ${Math.round(performance.now() - playMs)} ms of PLAY (${session.rtpPackets} RTP packets)`,
        )
      );
    }
    await sleepUntil(
      () => ended !== null,
      o.seconds * 1000,
      (w) => (wake = w),
    );
    const receiveMs = performance.now() - playMs;
    const r = receiver as RtpReceiver | null;
    r?.flush();
    const f = format as VideoFormat | null;
    const spanTicks = lastPts - firstPts;
    return {
      codec: 'h264',
      profile: f?.profile ?? null,
      width: f?.width ?? null,
      height: f?.height ?? null,
      fps: frames >= 2 && spanTicks > 0 ? round2(((frames - 1) * clockRate) / spanTicks) : (f?.fps ?? null),
      frames,
      keyframes,
      bitrateKbps: Math.round((bytes * 8) / receiveMs),
      lostPackets: r?.stats.lostPackets ?? 0,
      transport: session.transport,
      firstFrameMs,
      quirks,
      level: f?.level ?? null,
      codecString: f?.codecString ?? null,
      receiveMs: Math.round(receiveMs),
    };
  } finally {
    await session.close();
  }
}

export interface RecordedProbe {
  report: CameraReport;
  /** The probe's measurements, or null when it failed. */
  result: ProbeReport | null;
  /** Why it failed (redacted as in the report), or null. */
  error: ErrorInfo | null;
}

/**
 * A probe that records a camera report (`--report`, and the config editor's "Download camera report").
 * It never rejects for the camera's failure: a failing camera is what a report is for; it is in `error`.
 */
export async function probeWithReport(o: ProbeOptions): Promise<RecordedProbe> {
  const recorder = new CameraReportRecorder({
    url: o.url,
    transport: o.transport,
    seconds: o.seconds,
    timeoutMs: o.timeoutMs,
    ...(o.user === undefined ? {} : { user: o.user }),
    ...(o.password === undefined ? {} : { password: o.password }),
    versions: runtimeVersions(),
    nowMs: () => performance.now(),
    wallMs: () => Date.now(),
  });
  try {
    const result = await probe(o, recorder);
    return { report: recorder.finish({ result: probeJson(result) }), result, error: null };
  } catch (err) {
    const report = recorder.finish({ error: toErrorInfo(err) });
    return { report, result: null, error: report.error };
  }
}

/** Waits until `done()` or `ms` elapse; `setWake` receives a function that re-checks early. */
function sleepUntil(done: () => boolean, ms: number, setWake: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (done()) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, ms);
    setWake(() => {
      if (!done()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

export function formatProbe(r: ProbeReport): string {
  const rows: Array<[string, string]> = [
    ['codec', r.codecString === null ? r.codec : `${r.codec} (${r.codecString})`],
    [
      'profile',
      r.profile === null ? 'unknown (no SPS seen)' : `${r.profile}${r.level === null ? '' : `, level ${r.level}`}`,
    ],
    ['resolution', r.width === null ? 'unknown' : `${r.width}x${r.height}`],
    ['fps', r.fps === null ? 'unknown' : String(r.fps)],
    ['frames', `${r.frames} (${r.keyframes} keyframes)`],
    ['bitrate', `${r.bitrateKbps} kbit/s over ${(r.receiveMs / 1000).toFixed(1)} s`],
    ['lost packets', String(r.lostPackets)],
    ['transport', r.transport],
    ['first frame', r.firstFrameMs === null ? 'none' : `${r.firstFrameMs} ms`],
    ['quirks', r.quirks.length === 0 ? 'none' : r.quirks.join(', ')],
  ];
  return rows.map(([k, v]) => `${k.padEnd(13)}${v}`).join('\n') + '\n';
}
