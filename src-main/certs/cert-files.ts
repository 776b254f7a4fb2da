/**
 * Keys and certificate files, as the original keeps them: certificates in DER, private keys in PKCS#12 files
 * protected by a password (pkcs12.ts).
 *
 * node-forge builds and parses the certificates; the private-key work is Node's (OpenSSL): RSA keys come from
 * crypto.generateKeyPair (node-forge's pure-JS generation takes seconds for 2048 bits) and certificates are
 * signed with crypto.sign, so issuing a certificate takes milliseconds and does not stall the event loop.
 */
import { createPublicKey, generateKeyPair, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { ThinStreamError } from '../../src-shared/errors.js';
import { writeFileAtomic } from '../config/save-config.js';
import { buildPkcs12, openPkcs12 } from './pkcs12.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface RsaKeyPair {
  privateKey: KeyObject;
  /** The public half as node-forge takes it into a certificate. */
  publicKey: forge.pki.rsa.PublicKey;
}

/** An RSA key pair of `bits` made by OpenSSL on libuv's thread pool (the event loop keeps running). */
export async function generateRsaKeyPair(bits: number): Promise<RsaKeyPair> {
  const pair = await generateKeyPairAsync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
  const spki = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey: pair.privateKey, publicKey: forge.pki.publicKeyFromPem(spki) as forge.pki.rsa.PublicKey };
}

/** node-forge has getTBSCertificate but its types leave it out. */
interface ForgeTbs {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
}

/** Signs `cert` (sha256WithRSAEncryption) with Node's crypto, as node-forge's cert.sign() would in JavaScript. */
export function signCertificate(cert: forge.pki.Certificate, privateKey: KeyObject): void {
  const algorithmOid = forge.pki.oids['sha256WithRSAEncryption'] ?? '1.2.840.113549.1.1.11';
  cert.signatureOid = algorithmOid;
  cert.siginfo.algorithmOid = algorithmOid;
  cert.tbsCertificate = (forge.pki as unknown as ForgeTbs).getTBSCertificate(cert);
  const tbs = forge.asn1.toDer(cert.tbsCertificate).getBytes();
  cert.md = forge.md.sha256.create();
  cert.md.update(tbs);
  cert.signature = sign('sha256', Buffer.from(tbs, 'binary'), privateKey).toString('binary');
}

/**
 * A positive serial number of 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets, positive), hex. The first
 * byte is 0x10–0x7f so the number has no leading zero and its hex reads the same everywhere.
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = 0x10 + ((bytes[0] ?? 0) % 0x70);
  return bytes.toString('hex');
}

/** Serials compare as numbers: case and leading zeros do not matter (`0A1B` = `a1b`). */
export function normalizeSerial(serial: string): string {
  return serial
    .trim()
    .toLowerCase()
    .replace(/^0+(?=.)/, '');
}

export function certificateToDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}

export function certificateToPem(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

/** Parses a certificate file in DER (the original's format) or PEM. */
export function parseCertificate(bytes: Uint8Array, what: string): forge.pki.Certificate {
  try {
    const text = Buffer.from(bytes).toString('latin1');
    if (text.startsWith('-----BEGIN')) return forge.pki.certificateFromPem(text);
    return forge.pki.certificateFromAsn1(forge.asn1.fromDer(text));
  } catch (err) {
    throw new ThinStreamError('CERT_INVALID', `${what} is not a readable X.509 certificate (DER or PEM)`, {
      cause: err,
    });
  }
}

export async function readCertificateFile(path: string, what: string): Promise<forge.pki.Certificate> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ThinStreamError('CERT_INVALID', `${what} ${path} cannot be read: ${errnoText(err)}`, { cause: err });
  }
  return parseCertificate(bytes, `${what} ${path}`);
}

export async function writeCertificateFile(path: string, cert: forge.pki.Certificate): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, certificateToDer(cert), 0o644);
}

export async function writeKeyFile(
  path: string,
  key: KeyObject,
  chain: forge.pki.Certificate[],
  password: string,
  friendlyName: string,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, buildPkcs12(key, chain.map(certificateToDer), password, friendlyName), 0o600);
}

/** The private key (and the certificates) of a PKCS#12 file; a wrong password is a CERT_INVALID that says so. */
export async function readKeyFile(
  path: string,
  password: string,
  what: string,
): Promise<{ key: KeyObject; certs: forge.pki.Certificate[] }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ThinStreamError('CERT_INVALID', `${what} ${path} cannot be read: ${errnoText(err)}`, { cause: err });
  }
  const opened = openPkcs12(bytes, password, `${what} ${path}`);
  return { key: opened.key, certs: opened.certsDer.map((d) => parseCertificate(d, `a certificate in ${path}`)) };
}

/** True when `publicKey` (from a certificate) is the public half of `privateKey`. */
export function keysMatch(privateKey: KeyObject, publicKey: forge.pki.PublicKey): boolean {
  const ours = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const theirs = Buffer.from(
    forge.asn1.toDer(forge.pki.publicKeyToAsn1(publicKey as forge.pki.rsa.PublicKey)).getBytes(),
    'binary',
  );
  return ours.equals(theirs);
}

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied' : String(err);
}
