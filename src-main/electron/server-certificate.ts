/**
 * The certificate the window pins: the server certificate of the core's first HTTPS port (the one the window
 * loads), read from the file the core serves it from. Null when that port is plain HTTP (nothing to pin).
 */
import { certificateToDer, readCertificateFile } from '../certs/cert-files.js';
import type { Core } from '../runtime/first-run.js';
import { certificateFingerprint, type TrustedServerCertificate } from './certificate-trust.js';

export async function serverCertificateTrust(core: Core): Promise<TrustedServerCertificate | null> {
  const port = core.runtime.config.resolved.http.ports.find((p) => p.enabled);
  if (port === undefined || port.tls === null) return null;
  const certificate = await readCertificateFile(port.tls.certPath, 'server certificate');
  return {
    fingerprint: certificateFingerprint(certificateToDer(certificate)),
    hostname: new URL(core.runtime.url).hostname,
  };
}
