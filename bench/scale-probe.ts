/**
 * A probe loaded into the ThinStream runtime under measurement (`node --import <this file> bin/thinstream.js …`),
 * so bench:scale can watch the runtime's insides without changing it: every THINSTREAM_PROBE_INTERVAL_MS
 * (default 1000) one JSON line on file descriptor THINSTREAM_PROBE_FD (default 3) with the event-loop delay
 * since the last line (perf_hooks.monitorEventLoopDelay, 10 ms resolution), the active handles and requests
 * by kind (process.getActiveResourcesInfo: timers show as `Timeout`, sockets as `TCPSocketWrap`, …) and
 * the V8 heap and memory, and the garbage collections' pauses (a `gc` PerformanceObserver). Its own interval
 * timer is unref'd (it never keeps the runtime alive) and counts as one `Timeout`.
 */
import { writeSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

export interface ProbeLine {
  /** Wall clock of the sample, ms since the epoch. */
  atMs: number;
  eventLoopDelayMaxMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMeanMs: number;
  /** Active resources by kind, e.g. { Timeout: 70, TCPSocketWrap: 66, … }. */
  resources: Record<string, number>;
  rssBytes: number;
  heapUsedBytes: number;
  /** V8's heap as reserved from the OS (what RSS sees), not just what is in use. */
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Garbage collections since the last line: the longest pause and their sum, ms (a stall's usual suspect). */
  gcMaxPauseMs: number;
  gcPauseMs: number;
  /** Bytes each V8 heap space has from the OS (new_space, old_space, code_space, …): where heapTotal goes. */
  heapSpaces: Record<string, number>;
}

const fd = Number(process.env.THINSTREAM_PROBE_FD ?? 3);
const intervalMs = Number(process.env.THINSTREAM_PROBE_INTERVAL_MS ?? 1000);
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const gc = { maxMs: 0, sumMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    gc.sumMs += e.duration;
  }
}).observe({ entryTypes: ['gc'] });

const report = (): void => {
  const resources: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
  const mem = process.memoryUsage();
  const line: ProbeLine = {
    atMs: Date.now(),
    eventLoopDelayMaxMs: delay.max / 1e6,
    eventLoopDelayP99Ms: delay.percentile(99) / 1e6,
    eventLoopDelayMeanMs: delay.mean / 1e6,
    resources,
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    heapTotalBytes: mem.heapTotal,
    externalBytes: mem.external,
    arrayBuffersBytes: mem.arrayBuffers,
    gcMaxPauseMs: gc.maxMs,
    gcPauseMs: gc.sumMs,
    heapSpaces: Object.fromEntries(getHeapSpaceStatistics().map((sp) => [sp.space_name, sp.space_size])),
  };
  delay.reset();
  gc.maxMs = 0;
  gc.sumMs = 0;
  try {
    writeSync(fd, `${JSON.stringify(line)}\n`);
  } catch {
    // The reader went away: the benchmark no longer listens.
  }
};
setInterval(report, intervalMs).unref();
