/**
 * Reads a `.cpuprofile` written by `node --cpu-prof` and sums self time per function (and per file), keeping only
 * the samples inside a time window given relative to the profile's end (the child's exit), so start-up and
 * shutdown stay out of the measurement like they do for the CPU figures.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  /** `out/src-main/rtp/rtp-receiver.js:120`, `node:internal/…`, or empty for V8's own entries. */
  where: string;
  selfMs: number;
  /** Of every sample in the window, idle included. */
  percent: number;
}

export interface ProfileSummary {
  file: string;
  windowMs: number;
  /** Busy share of the window: samples that are not `(idle)`. */
  busyPercent: number;
  top: ProfileEntry[];
  /** Self time per source file (V8's own entries by name). */
  byFile: ProfileEntry[];
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/out\//, 'out/').replace(/^file:\/\/.*?\/node_modules\//, 'node_modules/');
}

/**
 * `fromEndMs`/`toEndMs`: the window as milliseconds before the profile's end (e.g. 64 000 → 4 000 for a 60 s
 * window that closed 4 s before the process exited). Without them, the whole profile.
 */
export async function summarizeProfile(
  dir: string,
  count: number,
  window?: { fromEndMs: number; toEndMs: number },
): Promise<ProfileSummary> {
  const name = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (name === undefined) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(await readFile(join(dir, name), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fromUs = window ? profile.endTime - window.fromEndMs * 1000 : -Infinity;
  const toUs = window ? profile.endTime - window.toEndMs * 1000 : Infinity;
  const perFunction = new Map<string, ProfileEntry>();
  const perFile = new Map<string, ProfileEntry>();
  let t = profile.startTime;
  let totalUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    if (t < fromUs || t > toUs) continue;
    // A sample's time is the delta to the next one; the first delta is from the start.
    const us = profile.timeDeltas[i + 1] ?? delta;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    totalUs += us;
    const f = node.callFrame;
    const fname = f.functionName || '(anonymous)';
    if (fname === '(idle)') idleUs += us;
    const url = shortUrl(f.url);
    const where = url ? `${url}:${f.lineNumber + 1}` : '';
    const key = `${fname}@${where}`;
    const e = perFunction.get(key) ?? { name: fname, where, selfMs: 0, percent: 0 };
    e.selfMs += us / 1000;
    perFunction.set(key, e);
    const fileKey = url || fname;
    const fe = perFile.get(fileKey) ?? { name: fileKey, where: '', selfMs: 0, percent: 0 };
    fe.selfMs += us / 1000;
    perFile.set(fileKey, fe);
  }
  const finish = (m: Map<string, ProfileEntry>): ProfileEntry[] =>
    [...m.values()]
      .map((e) => ({ ...e, percent: (100 * e.selfMs * 1000) / Math.max(1, totalUs) }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, count);
  return {
    file: join(dir, name),
    windowMs: totalUs / 1000,
    busyPercent: (100 * (totalUs - idleUs)) / Math.max(1, totalUs),
    top: finish(perFunction),
    byFile: finish(perFile),
  };
}
