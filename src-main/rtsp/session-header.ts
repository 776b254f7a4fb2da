/**
 * The Session header (RFC 2326 §12.37): `Session: 12345678;timeout=60`. The id is echoed on every later
 * request of the session; the timeout (seconds, default 60) says how often the client must show life.
 * Pure. Cameras write `timeout = 60`, `Timeout=60`, extra parameters, or a timeout of 0 (treated as absent).
 */

export const DEFAULT_SESSION_TIMEOUT_SEC = 60;
/** Ids longer than this are refused: a camera that sends a whole paragraph has lost its framing. */
const MAX_SESSION_ID_CHARS = 256;

export interface SessionHeader {
  id: string;
  /** Seconds, as sent; undefined when absent or unreadable (then the default of 60 applies). */
  timeoutSec?: number;
}

/** Returns null when the header has no usable id. */
export function parseSessionHeader(value: string): SessionHeader | null {
  const [idPart = '', ...params] = value.split(';');
  const id = idPart.trim();
  if (id === '' || id.length > MAX_SESSION_ID_CHARS || /[\s,"]/.test(id)) return null;
  const header: SessionHeader = { id };
  for (const param of params) {
    const m = /^\s*timeout\s*=\s*"?(\d{1,6})"?\s*$/i.exec(param);
    if (m) {
      const seconds = Number(m[1]);
      if (seconds > 0) header.timeoutSec = seconds;
    }
  }
  return header;
}

/** How long before the session times out the client should send a keepalive. */
export function keepaliveIntervalMs(timeoutSec: number | undefined): number {
  const timeoutMs = (timeoutSec ?? DEFAULT_SESSION_TIMEOUT_SEC) * 1000;
  // A quarter of the timeout: room for a lost or slow keepalive, and for cameras that end a session idle
  // for a third of what they advertise (quirk `early-session-close`). Never more often than once a second.
  return Math.max(1000, Math.floor(timeoutMs / 4));
}
