/**
 * The local root CA (the original's `caCert`): made by `-genCA`, renewed by `-extendCA`, and the signer of the
 * HTTPS ports' certificates (`-genSSL`) and of client certificates for phones and PCs. Its certificate is DER at
 * `caCert.path`; its key a PKCS#12 file at `caCert.key.path` protected by `caCert.key.pass`.
 */
import { access } from 'node:fs/promises';
import forge from 'node-forge';
import type { CertificateSummary } from '../../src-shared/api.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import type { ResolvedCertDef, ResolvedKeyFile } from '../../src-shared/config/resolved-config.js';
import type { KeyObject } from 'node:crypto';
import {
  certificateToDer,
  certificateToPem,
  generateRsaKeyPair,
  keysMatch,
  normalizeSerial,
  readCertificateFile,
  readKeyFile,
  writeCertificateFile,
  writeKeyFile,
} from './cert-files.js';
import {
  buildCaCertificate,
  buildLeafCertificate,
  commonName,
  isSignedBy,
  subjectAttributes,
  subjectText,
} from './cert-builder.js';
import type { SubjectAltNames } from './cert-builder.js';
import { ClientCertRegistry } from './client-registry.js';
import { buildPkcs12 } from './pkcs12.js';
import { buildRevocationList } from './revocation-list.js';
import type { IssuedCertificate } from './client-registry.js';

export interface CaFiles {
  certPath: string;
  key: ResolvedKeyFile;
  /** The issued-certificates register (revocations). */
  registryPath: string;
}

export interface IssuedLeaf {
  cert: forge.pki.Certificate;
  key: KeyObject;
  serial: string;
  certPem: string;
}

export interface ClientCertificate {
  serial: string;
  name: string;
  /** The `.p12` a phone or PC installs: the key, the certificate and the CA, protected by the password given. */
  p12: Buffer;
  certPem: string;
  notAfterMs: number;
}

export class LocalCa {
  private constructor(
    private cert: forge.pki.Certificate,
    private readonly key: KeyObject,
    readonly files: CaFiles,
    readonly registry: ClientCertRegistry,
  ) {}

  /** True when both the CA certificate and its key file exist. */
  static async exists(files: CaFiles): Promise<boolean> {
    const present = async (path: string): Promise<boolean> =>
      access(path).then(
        () => true,
        () => false,
      );
    return (await present(files.certPath)) && (await present(files.key.path));
  }

  /** `-genCA`: a new key and self-signed certificate from `def`, written to the configured files. */
  static async generate(files: CaFiles, def: ResolvedCertDef, nowMs = Date.now()): Promise<LocalCa> {
    const keys = await generateRsaKeyPair(def.bits);
    const subject = subjectAttributes(def.subject);
    const cert = buildCaCertificate(
      { subject, publicKey: keys.publicKey, daysValid: def.daysValid, nowMs },
      keys.privateKey,
    );
    await writeKeyFile(files.key.path, keys.privateKey, [cert], files.key.pass, files.key.name);
    await writeCertificateFile(files.certPath, cert);
    return new LocalCa(cert, keys.privateKey, files, await ClientCertRegistry.open(files.registryPath));
  }

  /** Opens an existing CA; a wrong key password or a key that is not the certificate's is CERT_INVALID. */
  static async open(files: CaFiles): Promise<LocalCa> {
    const cert = await readCertificateFile(files.certPath, 'CA certificate');
    const { key } = await readKeyFile(files.key.path, files.key.pass, 'CA key');
    if (!keysMatch(key, cert.publicKey))
      throw new ThinStreamError(
        'CERT_INVALID',
        `CA key ${files.key.path} is not the key of CA certificate ${files.certPath}; restore the pair or run -genCA`,
      );
    return new LocalCa(cert, key, files, await ClientCertRegistry.open(files.registryPath));
  }

  get certificate(): forge.pki.Certificate {
    return this.cert;
  }

  get notAfterMs(): number {
    return this.cert.validity.notAfter.getTime();
  }

  /**
   * `-extendCA`: a new CA certificate with the same key and subject, valid `daysValid` from now. Certificates it
   * signed before still verify (same issuer name, same key, same key identifier).
   */
  async extend(daysValid: number, nowMs = Date.now()): Promise<void> {
    const subject = this.cert.subject.attributes as forge.pki.CertificateField[];
    const cert = buildCaCertificate(
      { subject, publicKey: this.cert.publicKey as forge.pki.rsa.PublicKey, daysValid, nowMs },
      this.key,
    );
    await writeKeyFile(this.files.key.path, this.key, [cert], this.files.key.pass, this.files.key.name);
    await writeCertificateFile(this.files.certPath, cert);
    this.cert = cert;
  }

  exportCaPem(): string {
    return certificateToPem(this.cert);
  }

  /** A server certificate for an HTTPS port: `serverAuth`, SANs for every name the server is reached by. */
  async issueServerCertificate(
    def: ResolvedCertDef,
    altNames: SubjectAltNames,
    nowMs = Date.now(),
  ): Promise<IssuedLeaf> {
    const keys = await generateRsaKeyPair(def.bits);
    const cert = buildLeafCertificate(
      {
        subject: subjectAttributes(def.subject),
        publicKey: keys.publicKey,
        daysValid: def.daysValid,
        nowMs,
        usage: 'server',
        altNames,
      },
      { cert: this.cert, key: this.key },
    );
    return { cert, key: keys.privateKey, serial: normalizeSerial(cert.serialNumber), certPem: certificateToPem(cert) };
  }

  /**
   * A client certificate for a device or user (`clientAuth`, CN = `name`, the rest of the subject from the
   * template), as a `.p12` protected by `password`, recorded in the register.
   */
  async issueClientCertificate(
    name: string,
    password: string,
    template: ResolvedCertDef,
    nowMs = Date.now(),
  ): Promise<ClientCertificate> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 64)
      throw new ThinStreamError('BAD_REQUEST', 'a client certificate needs a name of 1 to 64 characters');
    if (password.length < 4)
      throw new ThinStreamError('BAD_REQUEST', 'a client certificate needs a password of at least 4 characters');
    const subject = [...template.subject.filter((a) => a.type !== 'CN'), { type: 'CN', value: trimmed }];
    const keys = await generateRsaKeyPair(template.bits);
    const cert = buildLeafCertificate(
      {
        subject: subjectAttributes(subject),
        publicKey: keys.publicKey,
        daysValid: template.daysValid,
        nowMs,
        usage: 'client',
      },
      { cert: this.cert, key: this.key },
    );
    const serial = normalizeSerial(cert.serialNumber);
    const certPem = certificateToPem(cert);
    await this.registry.add({
      serial,
      name: trimmed,
      subject: subjectText(cert),
      kind: 'client',
      issuedMs: nowMs,
      notBeforeMs: cert.validity.notBefore.getTime(),
      notAfterMs: cert.validity.notAfter.getTime(),
      revokedMs: null,
      certPem,
    });
    return {
      serial,
      name: trimmed,
      p12: buildPkcs12(keys.privateKey, [certificateToDer(cert), certificateToDer(this.cert)], password, trimmed),
      certPem,
      notAfterMs: cert.validity.notAfter.getTime(),
    };
  }

  /** Revokes an issued certificate; false when this CA never issued that serial. */
  async revoke(serial: string): Promise<boolean> {
    return this.registry.revoke(serial);
  }

  /**
   * The revocation list (PEM) of every certificate revoked so far, signed by the CA: pass it as node:tls's `crl`
   * so OpenSSL refuses revoked certificates in the handshake (and refresh the server's context after revoke()).
   */
  exportCrlPem(nowMs = Date.now()): string {
    const revoked = this.registry
      .list()
      .flatMap((c) => (c.revokedMs === null ? [] : [{ serial: c.serial, revokedMs: c.revokedMs }]));
    return buildRevocationList(this.cert, this.key, revoked, nowMs);
  }

  /** True for a certificate this CA issued and revoked. */
  isRevoked(serial: string): boolean {
    return this.registry.isRevoked(serial);
  }

  /**
   * Whether a client certificate (PEM or DER, as a TLS server sees it) signs a device in: issued by this CA,
   * inside its validity, not revoked. The reason names what failed.
   */
  checkClientCertificate(
    raw: string | Uint8Array,
    nowMs = Date.now(),
  ): { ok: true; name: string; serial: string } | { ok: false; reason: string } {
    let cert: forge.pki.Certificate;
    try {
      cert =
        typeof raw === 'string'
          ? forge.pki.certificateFromPem(raw)
          : forge.pki.certificateFromAsn1(forge.asn1.fromDer(Buffer.from(raw).toString('binary')));
    } catch {
      return { ok: false, reason: 'the client certificate cannot be read' };
    }
    const serial = normalizeSerial(cert.serialNumber);
    const signed = isSignedBy(cert, this.cert);
    if (!signed) return { ok: false, reason: `certificate ${serial} was not issued by this ThinStream's CA` };
    if (nowMs < cert.validity.notBefore.getTime() || nowMs > cert.validity.notAfter.getTime())
      return { ok: false, reason: `certificate ${serial} (${commonName(cert)}) has expired or is not valid yet` };
    if (this.isRevoked(serial)) return { ok: false, reason: `certificate ${serial} (${commonName(cert)}) was revoked` };
    return { ok: true, name: commonName(cert), serial };
  }

  /** The CA and every issued client certificate, in the API's shape. */
  summaries(): { ca: CertificateSummary; clients: CertificateSummary[] } {
    const ca: CertificateSummary = {
      serial: normalizeSerial(this.cert.serialNumber),
      subject: subjectText(this.cert),
      notBeforeMs: this.cert.validity.notBefore.getTime(),
      notAfterMs: this.cert.validity.notAfter.getTime(),
      revoked: false,
      kind: 'ca',
    };
    const clients = this.registry
      .list()
      .filter((c: IssuedCertificate) => c.kind === 'client')
      .map((c) => ({
        serial: c.serial,
        subject: c.subject,
        notBeforeMs: c.notBeforeMs,
        notAfterMs: c.notAfterMs,
        revoked: c.revokedMs !== null,
        kind: 'client' as const,
      }));
    return { ca, clients };
  }
}
