/**
 * The window trusts the core's self-signed (local-CA) server certificate for the app's own origin and nothing
 * else: the certificate must be byte for byte the one the core serves (compared by SHA-256 fingerprint) and the
 * host a loopback name. Any other certificate, or ours on another host, gets Chromium's own verdict. No Electron
 * here (types only), so the rule is tested without a display.
 */
import { createHash } from 'node:crypto';

/** What `setCertificateVerifyProc` answers (Electron's Session docs). */
export const VERIFY_TRUST = 0;
export const VERIFY_REJECT = -2;
export const VERIFY_USE_CHROMIUM = -3;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export interface TrustedServerCertificate {
  /** Electron's fingerprint form: `sha256/<base64 of SHA-256 over the DER>`. */
  fingerprint: string;
  /** The app's host (`localhost`). */
  hostname: string;
}

/** The parts of Electron's `Certificate` the rule reads. */
export interface PresentedCertificate {
  /** `sha256/…`, as Electron computes it. */
  fingerprint?: string;
  /** PEM. */
  data?: string;
}

/** Electron's fingerprint of a DER certificate: `sha256/` + base64(SHA-256(DER)). */
export function certificateFingerprint(der: Uint8Array): string {
  return `sha256/${createHash('sha256').update(der).digest('base64')}`;
}

/** The DER bytes of the first certificate in a PEM text, or null. */
export function derFromPem(pem: string): Buffer | null {
  const match = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
  if (match === null || match[1] === undefined) return null;
  const der = Buffer.from(match[1].replace(/\s+/g, ''), 'base64');
  return der.byteLength > 0 ? der : null;
}

/** True when `presented` is exactly our server certificate. */
export function isOurCertificate(presented: PresentedCertificate, trusted: TrustedServerCertificate): boolean {
  if (presented.fingerprint !== undefined && presented.fingerprint === trusted.fingerprint) return true;
  const der = presented.data === undefined ? null : derFromPem(presented.data);
  return der !== null && certificateFingerprint(der) === trusted.fingerprint;
}

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * The verdict for one TLS handshake of the window's session: our certificate on the app's host is trusted; a
 * different certificate on the app's host is refused (something else answered on our port); anything else is
 * left to Chromium (and is blocked from loading anyway, see web-policy.ts).
 */
export function verifyCertificate(
  request: { hostname: string; certificate: PresentedCertificate },
  trusted: TrustedServerCertificate | null,
): number {
  if (trusted === null) return VERIFY_USE_CHROMIUM;
  const host = request.hostname.toLowerCase();
  if (host !== trusted.hostname.toLowerCase() || !isLoopbackHost(host)) return VERIFY_USE_CHROMIUM;
  return isOurCertificate(request.certificate, trusted) ? VERIFY_TRUST : VERIFY_REJECT;
}

/** `certificate-error` (a backstop to the verify proc): accept only our certificate on the app's origin. */
export function acceptCertificateError(
  url: string,
  certificate: PresentedCertificate,
  trusted: TrustedServerCertificate | null,
  appOrigin: string,
): boolean {
  if (trusted === null) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.origin !== appOrigin) return false;
  return verifyCertificate({ hostname: parsed.hostname, certificate }, trusted) === VERIFY_TRUST;
}
