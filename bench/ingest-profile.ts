/** A CPU profile of a synchronous piece of work (node:inspector's Profiler), summarized as top self times. */
import { Session } from 'node:inspector';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileEntry {
  name: string;
  where: string;
  percent: number;
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

export async function cpuProfileTop(work: () => void, count: number): Promise<ProfileEntry[]> {
  const session = new Session();
  session.connect();
  try {
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
    await post(session, 'Profiler.start');
    work();
    const { profile } = await post<{ profile: { nodes: ProfileNode[] } }>(session, 'Profiler.stop');
    const byName = new Map<string, { name: string; where: string; hits: number }>();
    let total = 0;
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      total += hits;
      const f = node.callFrame;
      const name = f.functionName || '(anonymous)';
      const file = f.url.replace(/^.*\/out\//, 'out/');
      const where = file ? `${file}:${f.lineNumber + 1}` : '';
      const key = `${name} ${where}`;
      const entry = byName.get(key) ?? { name, where, hits: 0 };
      entry.hits += hits;
      byName.set(key, entry);
    }
    return [...byName.values()]
      .sort((a, b) => b.hits - a.hits)
      .slice(0, count)
      .map((e) => ({ name: e.name, where: e.where, percent: (100 * e.hits) / Math.max(1, total) }));
  } finally {
    session.disconnect();
  }
}
