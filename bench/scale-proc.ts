/**
 * What a group of processes costs, read from Linux's /proc: CPU seconds (utime + stime, fields 14–15 of
 * /proc/<pid>/stat) and memory (VmRSS from /proc/<pid>/status, Pss from /proc/<pid>/smaps_rollup), summed over
 * the given root processes and every descendant (found through /proc/<pid>/task/<tid>/children). Used by
 * bench:scale to measure ThinStream (one process) and ffmpeg (one process per camera) the same way.
 */
import { readFile, readdir } from 'node:fs/promises';

/** sysconf(_SC_CLK_TCK): 100 on every Linux this project runs on. */
const CLOCK_TICKS_PER_S = 100;

export interface TreeSample {
  /** Processes found (roots still alive and their descendants). */
  processes: number;
  cpuSeconds: number;
  /** The kernel's share of cpuSeconds (stime): socket and file system calls, TCP on loopback. */
  systemSeconds: number;
  rssBytes: number;
  /** Proportional set size (shared pages split between the processes that map them); null when not asked for. */
  pssBytes: number | null;
  /** Open file descriptors, summed; null when not asked for. */
  fds: number | null;
}

async function readOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null; // the process exited between listing and reading
  }
}

/** The pid and its descendants, each once. */
export async function processTree(roots: readonly number[]): Promise<number[]> {
  const seen = new Set<number>();
  const queue = [...roots];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    let tasks: string[];
    try {
      tasks = await readdir(`/proc/${pid}/task`);
    } catch {
      continue; // gone
    }
    seen.add(pid);
    for (const tid of tasks) {
      const children = await readOrNull(`/proc/${pid}/task/${tid}/children`);
      for (const c of children?.trim().split(/\s+/) ?? []) if (c !== '') queue.push(Number(c));
    }
  }
  return [...seen];
}

/** User and system CPU seconds of one process (its own threads; exited children it waited for are not included). */
export async function cpuSecondsOf(pid: number): Promise<{ user: number; system: number } | null> {
  const stat = await readOrNull(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command (field 2) may hold spaces: the fields after it start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLOCK_TICKS_PER_S, system: Number(fields[12]) / CLOCK_TICKS_PER_S };
}

function kbField(text: string | null, name: string): number {
  if (text === null) return 0;
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

export async function sampleTree(
  roots: readonly number[],
  what: { pss?: boolean; fds?: boolean } = {},
): Promise<TreeSample> {
  const pids = await processTree(roots);
  const sample: TreeSample = {
    processes: 0,
    cpuSeconds: 0,
    systemSeconds: 0,
    rssBytes: 0,
    pssBytes: what.pss ? 0 : null,
    fds: what.fds ? 0 : null,
  };
  await Promise.all(
    pids.map(async (pid) => {
      // Every read first, then the sums: `x += await …` would add to a total read before the wait.
      const cpu = await cpuSecondsOf(pid);
      if (cpu === null) return;
      const status = await readOrNull(`/proc/${pid}/status`);
      const rollup = what.pss ? await readOrNull(`/proc/${pid}/smaps_rollup`) : null;
      const fds = what.fds
        ? await readdir(`/proc/${pid}/fd`).then(
            (l) => l.length,
            () => 0,
          )
        : 0;
      sample.processes++;
      sample.cpuSeconds += cpu.user + cpu.system;
      sample.systemSeconds += cpu.system;
      sample.rssBytes += kbField(status, 'VmRSS');
      if (what.pss) sample.pssBytes! += kbField(rollup, 'Pss');
      if (what.fds) sample.fds! += fds;
    }),
  );
  return sample;
}

/**
 * Samples a process tree every `intervalMs` while a measurement runs: the peak of the summed RSS (and PSS),
 * read by `stop()`. CPU is not summed here: the caller reads it at the window's two ends.
 */
export class PeakMemorySampler {
  peakRssBytes = 0;
  peakPssBytes = 0;
  samples = 0;
  private timer: NodeJS.Timeout | null = null;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly roots: () => readonly number[],
    private readonly intervalMs: number,
  ) {}

  start(): void {
    const tick = (): void => {
      this.pending = this.take().finally(() => {
        if (this.timer !== null) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  private async take(): Promise<void> {
    const s = await sampleTree(this.roots(), { pss: true });
    this.samples++;
    this.peakRssBytes = Math.max(this.peakRssBytes, s.rssBytes);
    this.peakPssBytes = Math.max(this.peakPssBytes, s.pssBytes ?? 0);
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.pending;
  }
}

/**
 * CPU time the hypervisor gave to other guests while this machine's CPUs wanted it (the `steal` column of
 * /proc/stat's first line), summed over CPUs, in seconds; 0 where the kernel does not count it. A stall in a
 * process that did not run long itself, in an interval with steal, happened outside it.
 */
export async function stealSeconds(): Promise<number> {
  const stat = await readOrNull('/proc/stat');
  const fields = stat?.split('\n', 1)[0]!.trim().split(/\s+/) ?? [];
  const steal = Number(fields[8] ?? 0);
  return Number.isFinite(steal) ? steal / CLOCK_TICKS_PER_S : 0;
}
