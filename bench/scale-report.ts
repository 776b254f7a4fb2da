/** bench:scale's output: the machine it ran on, the comparison table, the profile and GC figures. */
import { cpus, loadavg, totalmem } from 'node:os';
import type { ContenderResult } from './scale-run.js';

export interface Machine {
  nproc: number;
  cpuModel: string;
  ramBytes: number;
  node: string;
  /** 1-minute load averages read when each run started and ended. */
  loadAverages: number[];
}

export function machine(loadAverages: number[]): Machine {
  return {
    nproc: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown CPU',
    ramBytes: totalmem(),
    node: process.version,
    loadAverages,
  };
}

export function loadNow(): number {
  return Number(loadavg()[0]!.toFixed(2));
}

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const gb = (bytes: number): string => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GB` : mb(bytes));

export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function comparisonTable(results: ContenderResult[]): string {
  const header = [
    '',
    'cameras',
    'Mbit/s in',
    'CPU s per camera-minute',
    'CPU % of one core',
    'peak RSS total',
    'peak PSS total',
    'bytes on disk',
    'frames recorded / sent',
  ];
  const rows = results.map((r) => [
    r.name,
    String(r.cameras),
    r.mbitPerSecondIn.toFixed(1),
    r.cpuSecondsPerCameraMinute.toFixed(3),
    r.cpuPercent.toFixed(1),
    mb(r.peakRssBytes),
    mb(r.peakPssBytes),
    gb(r.bytesOnDisk),
    `${r.framesRecorded} / ${r.framesSent}`,
  ]);
  const ts = results.find((r) => r.name === 'ThinStream');
  const ff = results.find((r) => r.name === 'ffmpeg');
  if (ts && ff) {
    const f = (x: number | null): string => (x === null ? '–' : x.toFixed(3));
    rows.push([
      'ThinStream / ffmpeg',
      '',
      '',
      f(ratio(ts.cpuSecondsPerCameraMinute, ff.cpuSecondsPerCameraMinute)),
      '',
      f(ratio(ts.peakRssBytes, ff.peakRssBytes)),
      f(ratio(ts.peakPssBytes, ff.peakPssBytes)),
      f(ratio(ts.bytesOnDisk, ff.bytesOnDisk)),
      '',
    ]);
  }
  return table(header, rows);
}

export function details(results: ContenderResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    const lost = r.framesSent - r.framesRecorded;
    out.push(
      `${r.name}: ${r.processes} process(es), ${r.files} files, window ${r.windowSeconds.toFixed(1)} s, ` +
        `CPU ${r.cpuSeconds.toFixed(2)} s (${r.systemSeconds.toFixed(2)} s in the kernel), ` +
        `${r.sessionsOpened} RTSP sessions opened, frames lost ${lost}` +
        (r.framesDroppedByFarm > 0 ? ` (the farm skipped ${r.framesDroppedByFarm} frames: client too slow)` : ''),
    );
    for (const u of r.unreadableFiles) out.push(`  unreadable: ${u}`);
    for (const f of r.failures.slice(0, 5)) out.push(`  failed: ${f}`);
    for (const v of r.viewers ?? []) {
      out.push(
        `  live viewer ${v.streamId}: ${v.units} units (${v.keyframes} keyframes), ` +
          `${((v.bytes * 8) / 1e6).toFixed(1)} Mbit, ${v.skippedUnits} skipped`,
      );
    }
    if (r.gc) {
      out.push(
        `  GC in the window: ${r.gc.scavenges} scavenges (${r.gc.scavengedMbPerSecond.toFixed(2)} MB/s freed), ` +
          `${r.gc.majors} full, ${r.gc.pauseMs.toFixed(0)} ms paused`,
      );
    }
    if (r.inside) {
      const i = r.inside;
      out.push(
        `  inside the runtime (peaks of 1-s samples): event-loop delay max ${i.eventLoopDelayMaxMs.toFixed(1)} ms ` +
          `(p99 up to ${i.eventLoopDelayP99MaxMs.toFixed(1)} ms), heap used ${mb(i.heapUsedMaxBytes)}, ` +
          `array buffers ${mb(i.arrayBuffersMaxBytes)}, external ${mb(i.externalMaxBytes)}, timers ${i.timersMax}`,
      );
    }
    if (r.profile) {
      const p = r.profile;
      out.push(
        `  CPU profile ${p.file}: ${(p.windowMs / 1000).toFixed(1)} s window, busy ${p.busyPercent.toFixed(1)} %; top self time:`,
      );
      out.push(
        table(
          ['self ms', '%', 'function', 'where'],
          p.top.map((e) => [e.selfMs.toFixed(0), e.percent.toFixed(1), e.name, e.where]),
        ),
      );
      out.push('  by file:');
      out.push(
        table(
          ['self ms', '%', 'file'],
          p.byFile.slice(0, 15).map((e) => [e.selfMs.toFixed(0), e.percent.toFixed(1), e.name]),
        ),
      );
    }
  }
  return out.join('\n');
}

/** The run with the median of `key` (the lower middle one of an even count); null for none. */
export function medianRun(runs: ContenderResult[], key: (r: ContenderResult) => number): ContenderResult | null {
  if (runs.length === 0) return null;
  const sorted = [...runs].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** One round of `--rounds`: each side's run (null when `--only` left it out). */
export interface RoundFigures {
  thinstream: ContenderResult | null;
  ffmpeg: ContenderResult | null;
}

export function roundsTable(rounds: RoundFigures[]): string {
  const f = (x: number | null | undefined, digits = 3): string =>
    x === null || x === undefined ? '–' : x.toFixed(digits);
  return table(
    ['round', 'ThinStream CPU s/camera-min', 'ffmpeg CPU s/camera-min', 'CPU ratio', 'RSS ratio', 'frames lost'],
    rounds.map((r, i) => {
      const t = r.thinstream;
      const ff = r.ffmpeg;
      return [
        String(i + 1),
        f(t?.cpuSecondsPerCameraMinute),
        f(ff?.cpuSecondsPerCameraMinute),
        f(t && ff ? ratio(t.cpuSecondsPerCameraMinute, ff.cpuSecondsPerCameraMinute) : null),
        f(t && ff ? ratio(t.peakRssBytes, ff.peakRssBytes) : null),
        t ? String(t.framesSent - t.framesRecorded) : '–',
      ];
    }),
  );
}

export function machineLine(m: Machine): string {
  return (
    `machine: ${m.nproc} × ${m.cpuModel}, ${(m.ramBytes / 2 ** 30).toFixed(0)} GB RAM, Node ${m.node}; ` +
    `1-min load average ${m.loadAverages.join(' → ')} (shared with other work)`
  );
}
