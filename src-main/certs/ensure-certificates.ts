/**
 * The original's certificate flags and the first-run behaviour:
 *   -genCA     genCa():    a new root CA (refuses to replace an existing one unless forced)
 *   -extendCA  extendCa(): the CA's validity renewed, same key
 *   -genSSL    genSsl():   a server certificate per enabled HTTPS port, signed by the CA
 *   first run  ensureCertificates(): whatever is missing is made; what expires within 30 days or no longer names
 *              this machine (its LAN address changed) is renewed; certificates the user brought are kept.
 * loadServerTls() gives a port's key and certificates as PEM, the way node:tls and fastify take them.
 */
import { access } from 'node:fs/promises';
import forge from 'node-forge';
import { ThinStreamError } from '../../src-shared/errors.js';
import type { ResolvedConfig, ResolvedTls } from '../../src-shared/config/resolved-config.js';
import { LocalCa } from './certificate-authority.js';
import type { CaFiles } from './certificate-authority.js';
import { keysMatch, readCertificateFile, readKeyFile, writeCertificateFile, writeKeyFile } from './cert-files.js';
import { altNamesOf, isSignedBy } from './cert-builder.js';
import type { SubjectAltNames } from './cert-builder.js';
import { missingAltNames, serverAltNames } from './server-names.js';

/** Certificates expiring sooner than this are renewed by ensureCertificates(). */
export const RENEW_BEFORE_MS = 30 * 86_400_000;

export function caFiles(resolved: ResolvedConfig): CaFiles {
  return {
    certPath: resolved.certs.ca.certPath,
    key: resolved.certs.ca.key,
    registryPath: resolved.certs.registryPath,
  };
}

/** `-genCA`. An existing CA is kept (replacing it would orphan every certificate it signed) unless `force`. */
export async function genCa(
  resolved: ResolvedConfig,
  options: { force?: boolean; nowMs?: number } = {},
): Promise<LocalCa> {
  const files = caFiles(resolved);
  if (!options.force && ((await exists(files.certPath)) || (await exists(files.key.path))))
    throw new ThinStreamError(
      'CERT_INVALID',
      `a CA already exists at ${files.certPath}; use -extendCA to renew it, or delete it and its key to start over`,
    );
  return LocalCa.generate(files, resolved.certs.ca.def, options.nowMs);
}

/** `-extendCA`: valid `daysValid` (default: `caCert.def.daysValid`) from now, same key. */
export async function extendCa(resolved: ResolvedConfig, daysValid?: number, nowMs?: number): Promise<LocalCa> {
  const ca = await LocalCa.open(caFiles(resolved));
  await ca.extend(daysValid ?? resolved.certs.ca.def.daysValid, nowMs);
  return ca;
}

/** `-genSSL`: a new certificate and key for every enabled HTTPS port; returns the certificate paths written. */
export async function genSsl(
  resolved: ResolvedConfig,
  options: { ca?: LocalCa; altNames?: SubjectAltNames; nowMs?: number } = {},
): Promise<string[]> {
  const ca = options.ca ?? (await LocalCa.open(caFiles(resolved)));
  const altNames = options.altNames ?? serverAltNames();
  const written: string[] = [];
  for (const tls of tlsPorts(resolved)) {
    await writeServerCertificate(ca, tls, altNames, options.nowMs);
    written.push(tls.certPath);
  }
  return written;
}

export interface EnsureResult {
  ca: LocalCa;
  /** What was done, one line each (`created the CA at …`); empty when everything was in order. */
  actions: string[];
}

/** Makes or renews what the config's HTTPS ports need (see the file comment). */
export async function ensureCertificates(
  resolved: ResolvedConfig,
  options: { altNames?: SubjectAltNames; nowMs?: number } = {},
): Promise<EnsureResult> {
  const nowMs = options.nowMs ?? Date.now();
  const altNames = options.altNames ?? serverAltNames();
  const files = caFiles(resolved);
  const actions: string[] = [];
  const [certThere, keyThere] = [await exists(files.certPath), await exists(files.key.path)];
  let ca: LocalCa;
  if (!certThere && !keyThere) {
    ca = await LocalCa.generate(files, resolved.certs.ca.def, nowMs);
    actions.push(`created the CA at ${files.certPath}`);
  } else if (certThere !== keyThere) {
    const [have, lack] = certThere ? [files.certPath, files.key.path] : [files.key.path, files.certPath];
    throw new ThinStreamError(
      'CERT_INVALID',
      `the CA is half there: ${have} exists but ${lack} does not; restore it, or delete ${have} to make a new CA`,
    );
  } else {
    ca = await LocalCa.open(files);
    if (ca.notAfterMs - nowMs < RENEW_BEFORE_MS) {
      await ca.extend(resolved.certs.ca.def.daysValid, nowMs);
      actions.push(`renewed the CA at ${files.certPath} (it was about to expire)`);
    }
  }

  for (const tls of tlsPorts(resolved)) {
    const why = await whyRenew(ca, tls, altNames, nowMs);
    if (why === null) continue;
    await writeServerCertificate(ca, tls, altNames, nowMs);
    actions.push(`${why === 'missing' ? 'created' : 'renewed'} the server certificate ${tls.certPath} (${why})`);
  }
  return { ca, actions };
}

/** A port's TLS material as node:tls / fastify `https` options take it. */
export interface ServerTlsMaterial {
  /** The private key, PEM (unencrypted, in memory only). */
  key: string;
  /** The server certificate, PEM. */
  cert: string;
  /** Our CA, PEM: what client certificates are verified against. */
  ca: string;
  /** Ask for a client certificate (`isRequested` or `isRequired`). */
  requestCert: boolean;
  /** Refuse a handshake without a valid client certificate (`isRequired`). */
  rejectUnauthorized: boolean;
  /**
   * Our CA's revocation list, PEM: with it OpenSSL refuses revoked client certificates in the handshake. It is a
   * snapshot: after LocalCa.revoke(), load the material again and call `server.setSecureContext(material)`.
   * (Check LocalCa.checkClientCertificate() on each connection as well: it needs no refresh.)
   */
  crl: string;
}

export async function loadServerTls(ca: LocalCa, tls: ResolvedTls): Promise<ServerTlsMaterial> {
  const cert = await readCertificateFile(tls.certPath, 'server certificate');
  const { key } = await readKeyFile(tls.key.path, tls.key.pass, 'server key');
  if (!keysMatch(key, cert.publicKey))
    throw new ThinStreamError(
      'CERT_INVALID',
      `server key ${tls.key.path} is not the key of ${tls.certPath}; run -genSSL`,
    );
  return {
    key: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    cert: forge.pki.certificateToPem(cert),
    ca: ca.exportCaPem(),
    requestCert: tls.clientCert !== 'none',
    rejectUnauthorized: tls.clientCert === 'require',
    crl: ca.exportCrlPem(),
  };
}

/** Enabled HTTPS ports, one per certificate file (ports sharing a file share the certificate). */
function tlsPorts(resolved: ResolvedConfig): ResolvedTls[] {
  const seen = new Set<string>();
  const out: ResolvedTls[] = [];
  for (const port of resolved.http.ports) {
    if (!port.enabled || port.tls === null || seen.has(port.tls.certPath)) continue;
    seen.add(port.tls.certPath);
    out.push(port.tls);
  }
  return out;
}

async function writeServerCertificate(
  ca: LocalCa,
  tls: ResolvedTls,
  altNames: SubjectAltNames,
  nowMs?: number,
): Promise<void> {
  const leaf = await ca.issueServerCertificate(tls.def, altNames, nowMs);
  await writeKeyFile(tls.key.path, leaf.key, [leaf.cert, ca.certificate], tls.key.pass, tls.key.name);
  await writeCertificateFile(tls.certPath, leaf.cert);
}

/** Why a port's certificate must be (re)made, or null when it is fine or is the user's own. */
async function whyRenew(
  ca: LocalCa,
  tls: ResolvedTls,
  altNames: SubjectAltNames,
  nowMs: number,
): Promise<string | null> {
  if (!(await exists(tls.certPath)) || !(await exists(tls.key.path))) return 'missing';
  let cert: forge.pki.Certificate;
  try {
    cert = await readCertificateFile(tls.certPath, 'server certificate');
  } catch {
    return 'unreadable';
  }
  const ours = isSignedBy(cert, ca.certificate);
  try {
    const { key } = await readKeyFile(tls.key.path, tls.key.pass, 'server key');
    if (!keysMatch(key, cert.publicKey)) {
      if (!ours)
        throw new ThinStreamError('CERT_INVALID', `server key ${tls.key.path} is not the key of ${tls.certPath}`);
      return 'its key did not match';
    }
  } catch (err) {
    if (!ours) throw err;
    return 'its key file did not open with the configured pass';
  }
  // A certificate from another CA is the user's own (a public CA, say): kept as it is.
  if (!ours) return null;
  if (cert.validity.notAfter.getTime() - nowMs < RENEW_BEFORE_MS) return 'about to expire';
  const missing = missingAltNames(altNames, altNamesOf(cert));
  if (missing.length > 0) return `it did not name ${missing.join(', ')}`;
  return null;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
