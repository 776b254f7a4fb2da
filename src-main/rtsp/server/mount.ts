/**
 * Mounts: the paths a camera serves (`/stream`, `/cam1`…), each with its clip, its credentials and its
 * quirks, and the mapping of a request URI to a mount and a track control (`trackID=0`).
 */
import type { ClipSource } from './clip-source.js';
import type { QuirkName } from './quirks.js';
import type { CameraAuthenticator } from './server-auth.js';

export interface ResolvedMount {
  /** Normalized: a leading slash, no trailing slash (`/` for the root). */
  path: string;
  source: ClipSource;
  auth: CameraAuthenticator | null;
  /** The server's quirks and the mount's own. */
  quirks: ReadonlySet<QuirkName>;
}

export function normalizeMountPath(path: string): string {
  let p = path.trim();
  if (!p.startsWith('/')) p = '/' + p;
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** The path of a request URI: `rtsp://host:port/a/b?q` → `/a/b`; `/a/b` stays; `*` → null. */
export function pathOfRequestUri(uri: string): string | null {
  const absolute = /^rtsps?:\/\/[^/?#]*([^?#]*)/i.exec(uri);
  const path = absolute ? absolute[1]! || '/' : uri.startsWith('/') ? uri.split(/[?#]/)[0]! : null;
  if (path === null) return null;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The mount a URI names (longest matching path) and the control path after it (`''` for the aggregate). */
export function resolveMount(
  uri: string,
  mounts: readonly ResolvedMount[],
): { mount: ResolvedMount; control: string } | null {
  const path = pathOfRequestUri(uri);
  if (path === null) return null;
  let best: { mount: ResolvedMount; control: string } | null = null;
  for (const mount of mounts) {
    let control: string | null = null;
    if (mount.path === '/') control = path.slice(1);
    else if (path === mount.path) control = '';
    else if (path.startsWith(mount.path + '/')) control = path.slice(mount.path.length + 1);
    if (control === null) continue;
    if (!best || mount.path.length > best.mount.path.length) best = { mount, control: control.replace(/\/+$/, '') };
  }
  return best;
}

/** The URL base the client used (scheme, host, port), from an absolute request URI, else built from `fallbackHost`. */
export function originOfRequestUri(uri: string, fallback: string): string {
  const match = /^(rtsps?:\/\/)(?:[^/?#@]*@)?([^/?#]*)/i.exec(uri);
  return match ? match[1]! + match[2]! : fallback;
}
