/**
 * The window trusts our server certificate on the app's loopback host and nothing else (certificate-trust.ts).
 * Certificates are real: made by openssl, fingerprints cross-checked with `openssl x509 -fingerprint -sha256`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  VERIFY_REJECT,
  VERIFY_TRUST,
  VERIFY_USE_CHROMIUM,
  acceptCertificateError,
  certificateFingerprint,
  derFromPem,
  verifyCertificate,
} from '../../src-main/electron/certificate-trust.js';

let dir = '';
const certs: Record<'ours' | 'other', { pem: string; der: Buffer }> = {
  ours: { pem: '', der: Buffer.alloc(0) },
  other: { pem: '', der: Buffer.alloc(0) },
};

function makeCertificate(name: string): { pem: string; der: Buffer } {
  const base = join(dir, name);
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', `${base}.key`, '-out', `${base}.pem`, '-days', '2', '-subj', '/CN=localhost'],
      ...['-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ],
    { stdio: 'ignore' },
  );
  execFileSync('openssl', ['x509', '-in', `${base}.pem`, '-outform', 'DER', '-out', `${base}.der`]);
  return { pem: readFileSync(`${base}.pem`, 'utf8'), der: readFileSync(`${base}.der`) };
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'thinstream-cert-trust-'));
  certs.ours = makeCertificate('ours');
  certs.other = makeCertificate('other');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the fingerprint is Electron’s form (sha256/ + base64) of the same SHA-256 openssl computes', () => {
  const fingerprint = certificateFingerprint(certs.ours.der);
  assert.match(fingerprint, /^sha256\/[A-Za-z0-9+/]{43}=$/);
  const out = execFileSync('openssl', ['x509', '-in', join(dir, 'ours.pem'), '-noout', '-fingerprint', '-sha256'], {
    encoding: 'utf8',
  });
  const hex = out.trim().split('=')[1]?.replaceAll(':', '') ?? '';
  assert.equal(Buffer.from(hex, 'hex').toString('base64'), fingerprint.slice('sha256/'.length));
  assert.deepEqual(derFromPem(certs.ours.pem), certs.ours.der);
  assert.equal(derFromPem('no certificate here'), null);
});

test('our certificate on the app’s host is trusted, by fingerprint or by its PEM', () => {
  const trusted = { fingerprint: certificateFingerprint(certs.ours.der), hostname: 'localhost' };
  assert.equal(
    verifyCertificate({ hostname: 'localhost', certificate: { fingerprint: trusted.fingerprint } }, trusted),
    VERIFY_TRUST,
  );
  assert.equal(
    verifyCertificate({ hostname: 'LOCALHOST', certificate: { data: certs.ours.pem } }, trusted),
    VERIFY_TRUST,
  );
});

test('another certificate on the app’s host is refused; any certificate elsewhere gets Chromium’s own verdict', () => {
  const trusted = { fingerprint: certificateFingerprint(certs.ours.der), hostname: 'localhost' };
  const other = { fingerprint: certificateFingerprint(certs.other.der), data: certs.other.pem };
  assert.equal(verifyCertificate({ hostname: 'localhost', certificate: other }, trusted), VERIFY_REJECT);
  assert.equal(verifyCertificate({ hostname: 'localhost', certificate: {} }, trusted), VERIFY_REJECT);
  const ours = { fingerprint: trusted.fingerprint };
  for (const hostname of ['example.com', '127.0.0.1', 'localhost.example.com', '192.168.1.10'])
    assert.equal(verifyCertificate({ hostname, certificate: ours }, trusted), VERIFY_USE_CHROMIUM, hostname);
  assert.equal(verifyCertificate({ hostname: 'localhost', certificate: ours }, null), VERIFY_USE_CHROMIUM);
});

test('a trusted name that is not loopback is never trusted by fingerprint alone', () => {
  const trusted = { fingerprint: certificateFingerprint(certs.ours.der), hostname: 'nvr.example.com' };
  assert.equal(
    verifyCertificate({ hostname: 'nvr.example.com', certificate: { fingerprint: trusted.fingerprint } }, trusted),
    VERIFY_USE_CHROMIUM,
  );
});

test('certificate-error is overridden only for our certificate on the app’s exact origin', () => {
  const app = 'https://localhost:30443';
  const trusted = { fingerprint: certificateFingerprint(certs.ours.der), hostname: 'localhost' };
  const ours = { data: certs.ours.pem };
  assert.equal(acceptCertificateError(`${app}/index.html`, ours, trusted, app), true);
  assert.equal(acceptCertificateError('https://localhost:30444/', ours, trusted, app), false);
  assert.equal(acceptCertificateError('https://evil.example/', ours, trusted, app), false);
  assert.equal(acceptCertificateError(`${app}/`, { data: certs.other.pem }, trusted, app), false);
  assert.equal(acceptCertificateError('::not a url', ours, trusted, app), false);
  assert.equal(acceptCertificateError(`${app}/`, ours, null, app), false);
});
