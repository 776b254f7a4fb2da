/**
 * `npm run bench:camera-quirks [-- --seconds 3 --json]`
 *
 * Issue 9's quirk table: our camera with each quirk switched on, one at a time, read over UDP and TCP
 * for a few seconds by `thinstream probe --json` (frames, and the tolerances it reports under `quirks`)
 * and by `ffmpeg -c copy` (the recording decoded by ffprobe). A cell says frames decoded of those
 * expected; ffmpeg cells also whether ffmpeg printed errors.
 * Not a speed benchmark: a compatibility table that needs real programs, so it lives beside the benches.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QUIRK_NAMES, startRtspServer } from '../src-main/rtsp/server/index.js';
import { makeClip } from '../test/support/clips.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
});
const seconds = Number(values.seconds);

interface Cell {
  frames: number;
  expected: number;
  width: number;
  errors: string;
}

function exec(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
      resolve({ ok: !err, stdout, stderr: stderr + (err && err.killed ? '\n(killed after timeout)' : '') }),
    );
  });
}

const clip = await makeClip({ width: 640, height: 360, fps: 25, gopFrames: 25, seconds: 2, bitrateKbps: 600 });
const dir = await mkdtemp(join(tmpdir(), 'quirks-ffmpeg-'));
const names = ['(none)', ...QUIRK_NAMES];
const camera = await startRtspServer({
  sessionTimeoutMs: 10_000,
  mounts: names.map((name) => ({
    path: `/${name === '(none)' ? 'well' : name}`,
    source: clip.path,
    quirks: name === '(none)' ? [] : [name],
  })),
});

const BIN = resolve(fileURLToPath(import.meta.url), '../../../bin/thinstream.js');

interface ProbeCell {
  frames: number;
  expected: number;
  quirks: string[];
  error: string;
}

async function probeCell(name: string, transport: 'udp' | 'tcp'): Promise<ProbeCell> {
  const url = camera.url(`/${name === '(none)' ? 'well' : name}`);
  const run = await exec(
    process.execPath,
    [BIN, 'probe', url, '--transport', transport, '--seconds', String(seconds), '--json'],
    seconds * 1000 + 20_000,
  );
  try {
    const json = JSON.parse(run.stdout) as { frames: number; quirks?: string[] };
    return { frames: json.frames, expected: seconds * 25, quirks: json.quirks ?? [], error: '' };
  } catch {
    return { frames: 0, expected: seconds * 25, quirks: [], error: run.stderr.trim().split('\n')[0] ?? '' };
  }
}

async function cell(name: string, transport: 'udp' | 'tcp'): Promise<Cell> {
  const file = join(dir, `${name}-${transport}.mkv`);
  const url = camera.url(`/${name === '(none)' ? 'well' : name}`);
  const rec = await exec(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-nostdin',
      '-rtsp_transport',
      transport,
      '-i',
      url,
      '-t',
      String(seconds),
      '-c',
      'copy',
      '-y',
      file,
    ],
    seconds * 1000 + 15_000,
  );
  const probe = await exec(
    'ffprobe',
    [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=nb_read_frames,width',
      '-of',
      'json',
      file,
    ],
    30_000,
  );
  let frames = 0;
  let width = 0;
  try {
    const s = (JSON.parse(probe.stdout) as { streams: Array<{ nb_read_frames?: string; width?: number }> }).streams[0];
    frames = Number(s?.nb_read_frames ?? 0);
    width = s?.width ?? 0;
  } catch {
    // No readable recording: frames stay 0.
  }
  const errorLines = (rec.stderr + probe.stderr)
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return { frames, expected: seconds * 25, width, errors: errorLines.slice(0, 2).join(' | ').slice(0, 160) };
}

const rows: Array<{ quirk: string; udp: Cell; tcp: Cell; probeUdp: ProbeCell; probeTcp: ProbeCell }> = [];
for (const name of names) {
  const [udp, tcp] = await Promise.all([cell(name, 'udp'), cell(name, 'tcp')]);
  const [probeUdp, probeTcp] = await Promise.all([probeCell(name, 'udp'), probeCell(name, 'tcp')]);
  rows.push({ quirk: name, udp, tcp, probeUdp, probeTcp });
  if (!values.json) process.stderr.write(`.`);
}
await camera.close();
await rm(dir, { recursive: true, force: true });

const show = (c: Cell): string =>
  `${c.frames >= c.expected - 2 && c.errors === '' ? 'ok' : c.frames === 0 ? 'FAIL' : 'partial'} ${c.frames}/${c.expected}${c.errors ? ' (errors)' : ''}`;
const showProbe = (c: ProbeCell): string =>
  `${c.frames >= c.expected - 2 ? 'ok' : c.frames === 0 ? 'FAIL' : 'partial'} ${c.frames}/${c.expected}`;
if (values.json) {
  process.stdout.write(JSON.stringify({ seconds, rows }, null, 2) + '\n');
} else {
  const version = (await exec('ffmpeg', ['-version'], 5000)).stdout.split('\n')[0];
  process.stdout.write(`\nthinstream probe and ${version} against our camera, ${seconds} s per cell\n\n`);
  process.stdout.write(
    '| quirk | ThinStream UDP | ThinStream TCP | tolerances reported | ffmpeg UDP | ffmpeg TCP | first error (ffmpeg, else probe) |\n',
  );
  process.stdout.write('|---|---|---|---|---|---|---|\n');
  for (const r of rows) {
    const tolerated = [...new Set([...r.probeUdp.quirks, ...r.probeTcp.quirks])].join(', ');
    const said = (r.udp.errors || r.tcp.errors || r.probeUdp.error || r.probeTcp.error).replace(/\|/g, '/');
    process.stdout.write(
      `| ${r.quirk} | ${showProbe(r.probeUdp)} | ${showProbe(r.probeTcp)} | ${tolerated} | ${show(r.udp)} | ${show(r.tcp)} | ${said} |\n`,
    );
  }
}
