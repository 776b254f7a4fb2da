/**
 * Building X.509 v3 certificates (RFC 5280) with node-forge: the root CA, server certificates for the HTTPS
 * ports, and client certificates for devices. No I/O: keys in, certificate out (signed by Node's crypto).
 */
import forge from 'node-forge';
import type { SubjectAttribute } from '../../src-shared/config/config-types.js';
import type { KeyObject } from 'node:crypto';
import { randomSerial, signCertificate } from './cert-files.js';

/** Certificates start 5 minutes in the past, so a device whose clock is a little behind accepts them. */
const CLOCK_SKEW_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** The original's `{ type, value }` subject list as forge attributes. */
export function subjectAttributes(subject: readonly SubjectAttribute[]): forge.pki.CertificateField[] {
  return subject.map((a) => {
    switch (a.type) {
      case 'E':
      case 'emailAddress':
        return { name: 'emailAddress', value: a.value };
      case 'serialNumber':
        return { name: 'serialNumber', value: a.value };
      case 'DC':
        return { type: '0.9.2342.19200300.100.1.25', value: a.value, valueTagClass: forge.asn1.Type.IA5STRING };
      default:
        return { shortName: a.type, value: a.value };
    }
  }) as forge.pki.CertificateField[];
}

/** `CN=…, O=…`: a one-line subject for lists and messages. */
export function subjectText(cert: forge.pki.Certificate): string {
  return cert.subject.attributes.map((a) => `${a.shortName ?? a.name ?? a.type}=${String(a.value)}`).join(', ');
}

export function commonName(cert: forge.pki.Certificate): string {
  const cn = cert.subject.getField('CN') as { value?: unknown } | null;
  return typeof cn?.value === 'string' ? cn.value : subjectText(cert);
}

interface CertificateRequest {
  subject: forge.pki.CertificateField[];
  publicKey: forge.pki.rsa.PublicKey;
  daysValid: number;
  nowMs?: number;
  serial?: string;
}

function base(request: CertificateRequest): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  // X.509 times have whole seconds (RFC 5280 §4.1.2.5); keep the in-memory dates equal to what is encoded.
  const nowMs = Math.floor((request.nowMs ?? Date.now()) / 1000) * 1000;
  cert.serialNumber = request.serial ?? randomSerial();
  cert.publicKey = request.publicKey;
  cert.validity.notBefore = new Date(nowMs - CLOCK_SKEW_MS);
  cert.validity.notAfter = new Date(nowMs + request.daysValid * DAY_MS);
  cert.setSubject(request.subject);
  return cert;
}

/** A self-signed root CA: basicConstraints CA (path length 0), keyCertSign + cRLSign, subjectKeyIdentifier. */
export function buildCaCertificate(request: CertificateRequest, privateKey: KeyObject): forge.pki.Certificate {
  const cert = base(request);
  cert.setIssuer(request.subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  signCertificate(cert, privateKey);
  return cert;
}

export interface SubjectAltNames {
  dns: string[];
  ips: string[];
}

/** A certificate signed by the CA for a server (`serverAuth`, with SANs) or a client (`clientAuth`). */
export function buildLeafCertificate(
  request: CertificateRequest & { usage: 'server' | 'client'; altNames?: SubjectAltNames },
  ca: { cert: forge.pki.Certificate; key: KeyObject },
): forge.pki.Certificate {
  const cert = base(request);
  cert.setIssuer(ca.cert.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    request.usage === 'server' ? { name: 'extKeyUsage', serverAuth: true } : { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (request.altNames) {
    const altNames = [
      ...request.altNames.dns.map((value) => ({ type: 2, value })),
      ...request.altNames.ips.map((ip) => ({ type: 7, ip })),
    ];
    extensions.push({ name: 'subjectAltName', altNames });
  }
  cert.setExtensions(extensions);
  signCertificate(cert, ca.key);
  return cert;
}

/** The DNS names and IP addresses in a certificate's subjectAltName. */
export function altNamesOf(cert: forge.pki.Certificate): SubjectAltNames {
  const ext = cert.getExtension('subjectAltName') as {
    altNames?: Array<{ type: number; value?: string; ip?: string }>;
  };
  const dns: string[] = [];
  const ips: string[] = [];
  for (const name of ext?.altNames ?? []) {
    if (name.type === 2 && name.value !== undefined) dns.push(name.value.toLowerCase());
    if (name.type === 7 && name.ip !== undefined) ips.push(name.ip);
  }
  return { dns, ips };
}

/** True when `cert` was signed by `caCert`'s key (the signature checks out). */
export function isSignedBy(cert: forge.pki.Certificate, caCert: forge.pki.Certificate): boolean {
  try {
    return caCert.verify(cert);
  } catch {
    return false;
  }
}
