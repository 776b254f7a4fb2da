/**
 * Allocation as the garbage collector sees it: a child started with `node --trace-gc` prints one line per
 * collection to stdout, e.g.
 *   [123:0x5b7…]     4521 ms: Scavenge 9.8 (12.3) -> 8.9 (12.6) MB, 0.61 / 0.00 ms  (average mu = …) allocation failure;
 * Young-generation collections (Scavenge) free what was allocated and died since the last one, so the MB
 * they free per second is close to the allocation rate of short-lived objects (per-packet garbage).
 */

export interface GcTotals {
  scavenges: number;
  /** Full collections (Mark-Compact, Mark-sweep). */
  majors: number;
  /** MB freed by scavenges. */
  scavengedMb: number;
  /** Pause time of every collection, ms. */
  pauseMs: number;
}

const LINE =
  /\d+ ms: (Scavenge|Minor Mark-Compact|Mark-Compact|Mark-sweep)\b[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB, ([\d.]+)/;

export class GcCounter {
  private readonly totals: GcTotals = { scavenges: 0, majors: 0, scavengedMb: 0, pauseMs: 0 };

  /** Feeds one line of the child's stdout; returns false when it is not a GC trace line. */
  line(text: string): boolean {
    const m = LINE.exec(text);
    if (!m) return false;
    const before = Number(m[2]);
    const after = Number(m[4]);
    this.totals.pauseMs += Number(m[6]);
    if (m[1] === 'Scavenge' || m[1] === 'Minor Mark-Compact') {
      this.totals.scavenges++;
      this.totals.scavengedMb += Math.max(0, before - after);
    } else {
      this.totals.majors++;
    }
    return true;
  }

  snapshot(): GcTotals {
    return { ...this.totals };
  }
}

export function gcBetween(a: GcTotals, b: GcTotals): GcTotals {
  return {
    scavenges: b.scavenges - a.scavenges,
    majors: b.majors - a.majors,
    scavengedMb: b.scavengedMb - a.scavengedMb,
    pauseMs: b.pauseMs - a.pauseMs,
  };
}
