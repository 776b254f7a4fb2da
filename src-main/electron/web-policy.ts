/**
 * What the desktop window may load, open and ask for, as plain functions (no Electron) so tests can check each
 * rule: only the app's own origin (the core's HTTPS server on loopback); no navigation or new window anywhere
 * else; every permission request denied; a strict Content-Security-Policy on every answer, the same one the core
 * sends LAN browsers. The shell wires these into `will-navigate`, `setWindowOpenHandler`, `webRequest` and the
 * permission handlers (desktop-window.ts).
 */
import { CONTENT_SECURITY_POLICY } from '../server/security-headers.js';

export { CONTENT_SECURITY_POLICY };

/** The origin (`https://localhost:30443`) of a URL, or null when it has none or does not parse. */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    // WebSockets to the app (wss://) belong to its https origin.
    if (parsed.protocol === 'wss:') parsed.protocol = 'https:';
    const origin = parsed.origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** True when `url` is a page or resource of the app itself (same scheme, host and port). */
export function isAppOrigin(url: string, appOrigin: string): boolean {
  return originOf(url) === appOrigin;
}

/** Navigation of the window (`will-navigate`, `will-redirect`, `will-frame-navigate`): the app's pages only. */
export function mayNavigate(url: string, appOrigin: string): boolean {
  return isAppOrigin(url, appOrigin);
}

/**
 * New windows (`window.open`, target=_blank): none to other origins. An app page may open another of its own
 * pages (an export opened in a tab, say); it gets the same locked-down preferences as the main window.
 */
export function mayOpenWindow(url: string, appOrigin: string): boolean {
  return isAppOrigin(url, appOrigin);
}

/**
 * Requests the window's session may make (`webRequest.onBeforeRequest`): the app's origin over https and wss,
 * blob: URLs it made itself (MSE video), data: (small images; the CSP still applies) and the developer tools.
 */
export function mayRequest(url: string, appOrigin: string): boolean {
  if (url.startsWith('data:')) return true;
  if (url.startsWith('devtools:')) return true;
  if (url.startsWith('blob:')) return isAppOrigin(url.slice('blob:'.length), appOrigin);
  const scheme = url.slice(0, url.indexOf(':') + 1);
  if (scheme !== 'https:' && scheme !== 'wss:') return false;
  return isAppOrigin(url, appOrigin);
}

/**
 * Every permission (camera, microphone, notifications, geolocation, clipboard, HID, serial, full screen through
 * the page…) is denied: the app needs none, and full screen goes through the bridge (`window:set-mode`).
 */
export function mayGrantPermission(_permission: string, _requestingUrl: string): boolean {
  return false;
}

/**
 * The headers of an answer from the app with our Content-Security-Policy added. A policy the server sent is
 * kept: browsers enforce every policy they get, so the result is never weaker than ours (CSP3 §8.1).
 */
export function withContentSecurityPolicy(
  headers: Record<string, string[] | string> | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const policies: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    if (name.toLowerCase() === 'content-security-policy') policies.push(...values);
    else out[name] = values;
  }
  if (!policies.includes(CONTENT_SECURITY_POLICY)) policies.push(CONTENT_SECURITY_POLICY);
  out['Content-Security-Policy'] = policies;
  return out;
}
