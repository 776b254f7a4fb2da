/**
 * A count of holders of pooled memory (slab-pool.ts, ws-frame-pool.ts). The last release calls `freed()`, which
 * gives the memory back for reuse. Releasing more often than held, or retaining after the last release, calls
 * `misused()` instead: each is a bug that could let memory be reused under a live view, so pools count them and
 * tests assert the count stays 0.
 */
export abstract class RefCounted {
  refs = 1;

  retain(): void {
    if (this.refs <= 0) {
      this.misused();
      return;
    }
    this.refs++;
  }

  release(): void {
    const refs = --this.refs;
    if (refs > 0) return;
    if (refs < 0) {
      this.refs = 0;
      this.misused();
      return;
    }
    this.freed();
  }

  protected abstract freed(): void;
  protected abstract misused(): void;
}
