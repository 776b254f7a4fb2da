/** Certificates' public face: the local CA, the original's -genCA/-extendCA/-genSSL, first-run certificates. */
export { LocalCa } from './certificate-authority.js';
export type { CaFiles, ClientCertificate, IssuedLeaf } from './certificate-authority.js';
export {
  genCa,
  extendCa,
  genSsl,
  ensureCertificates,
  loadServerTls,
  caFiles,
  RENEW_BEFORE_MS,
} from './ensure-certificates.js';
export type { EnsureResult, ServerTlsMaterial } from './ensure-certificates.js';
export { ClientCertRegistry } from './client-registry.js';
export type { IssuedCertificate } from './client-registry.js';
export { serverAltNames, canonicalIp } from './server-names.js';
export { normalizeSerial, generateRsaKeyPair } from './cert-files.js';
