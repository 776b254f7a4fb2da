/**
 * Reads and writes a JSON document by the paths the validator names (`server.streamsGrps[0].streams[1].device.port`,
 * `a["odd key"]`), so each form field and each error meet at the same string. Writes copy along the path only.
 */
export type JsonValue = unknown;
export type PathSegment = string | number;

export function parsePath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  const re = /([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
  }
  return out;
}

export function joinPath(base: string, key: PathSegment): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

function isContainer(value: unknown): value is Record<string | number, unknown> {
  return typeof value === 'object' && value !== null;
}

export function getAt(doc: JsonValue, path: string): unknown {
  let node: unknown = doc;
  for (const seg of parsePath(path)) {
    if (!isContainer(node)) return undefined;
    node = (node as Record<string | number, unknown>)[seg];
  }
  return node;
}

/** A copy of `doc` with `value` at `path` (objects and arrays made on the way); undefined deletes the key. */
export function setAt(doc: JsonValue, path: string, value: unknown): JsonValue {
  const segs = parsePath(path);
  const write = (node: unknown, i: number): unknown => {
    const seg = segs[i];
    if (seg === undefined) return value;
    const copy: Record<string | number, unknown> | unknown[] = Array.isArray(node)
      ? [...(node as unknown[])]
      : isContainer(node)
        ? { ...(node as Record<string, unknown>) }
        : typeof seg === 'number'
          ? []
          : {};
    const next = write((copy as Record<string | number, unknown>)[seg], i + 1);
    if (next === undefined && !Array.isArray(copy)) delete (copy as Record<string, unknown>)[seg as string];
    else (copy as Record<string | number, unknown>)[seg] = next;
    return copy;
  };
  return write(doc, 0);
}

/** A copy of `doc` with the list at `path` changed by `change` (a missing list starts empty). */
export function updateList(doc: JsonValue, path: string, change: (list: unknown[]) => unknown[]): JsonValue {
  const current = getAt(doc, path);
  return setAt(doc, path, change(Array.isArray(current) ? [...current] : []));
}
