import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { certConfig, tempDir } from './support.js';
import { LocalCa } from '../../src-main/certs/certificate-authority.js';
import {
  caFiles,
  ensureCertificates,
  extendCa,
  genCa,
  genSsl,
  loadServerTls,
} from '../../src-main/certs/ensure-certificates.js';
import { readKeyFile } from '../../src-main/certs/cert-files.js';
import { normalizeSerial } from '../../src-main/certs/cert-files.js';
import { ThinStreamError } from '../../src-shared/errors.js';

const LAN = { dns: ['localhost', 'nvr', 'nvr.local'], ips: ['127.0.0.1', '::1', '192.168.1.50'] };
const DAY_MS = 86_400_000;

function x509(path: string): X509Certificate {
  return new X509Certificate(readFileSync(path));
}

test('-genCA makes a root CA from caCert.def: DER certificate, CA constraints, key encrypted in a PKCS#12', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const started = Date.now();
  await genCa(resolved);
  const ca = x509(join(dir, 'pki/ca.cert.der'));
  assert.ok(ca.ca, 'basicConstraints CA');
  assert.equal(ca.subject, 'C=NI\nO=ThinStream Test\nCN=Test CA');
  assert.equal(ca.issuer, ca.subject, 'self-signed');
  assert.ok(ca.verify(ca.publicKey));
  assert.equal(ca.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  const days = (Date.parse(ca.validTo) - started) / DAY_MS;
  assert.ok(days > 364 && days < 366, `valid 365 days, got ${days}`);
  const text = ca.toLegacyObject();
  assert.ok(text.ext_key_usage === undefined);
  assert.equal(statSync(join(dir, 'pki/ca.key.p12')).mode & 0o777, 0o600);

  const { key } = await readKeyFile(join(dir, 'pki/ca.key.p12'), 'ca-pass', 'CA key');
  assert.ok(createPublicKey(key).equals(ca.publicKey), 'the key file holds the CA’s key');
  await assert.rejects(readKeyFile(join(dir, 'pki/ca.key.p12'), 'nope', 'CA key'), (err: unknown) => {
    assert.ok(err instanceof ThinStreamError);
    assert.equal(err.code, 'CERT_INVALID');
    assert.match(err.message, /CA key .*ca\.key\.p12 does not open with the configured pass \(wrong password\?\)/);
    return true;
  });
});

test('-genCA refuses to replace an existing CA unless forced; a half-present CA is a clear error', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  await genCa(resolved);
  const before = readFileSync(join(dir, 'pki/ca.cert.der'));
  await assert.rejects(genCa(resolved), /a CA already exists at .*; use -extendCA to renew it/);
  assert.deepEqual(readFileSync(join(dir, 'pki/ca.cert.der')), before);
  await genCa(resolved, { force: true });
  assert.notDeepEqual(readFileSync(join(dir, 'pki/ca.cert.der')), before);

  rmSync(join(dir, 'pki/ca.key.p12'));
  await assert.rejects(
    ensureCertificates(resolved, { altNames: LAN }),
    /the CA is half there: .*ca\.cert\.der exists but .*ca\.key\.p12 does not/,
  );
});

test('-extendCA renews the validity with the same key; certificates signed before still verify', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const nowMs = Date.now();
  await genCa(resolved, { nowMs: nowMs - 300 * DAY_MS });
  await genSsl(resolved, { altNames: LAN, nowMs: nowMs - 300 * DAY_MS });
  const oldCa = x509(join(dir, 'pki/ca.cert.der'));
  const server = x509(join(dir, 'pki/https.cert.der'));

  const ca = await extendCa(resolved, 3650, nowMs);
  const newCa = x509(join(dir, 'pki/ca.cert.der'));
  assert.ok(newCa.publicKey.equals(oldCa.publicKey), 'same key');
  assert.equal(newCa.subject, oldCa.subject);
  assert.notEqual(newCa.serialNumber, oldCa.serialNumber);
  assert.ok(Date.parse(newCa.validTo) > nowMs + 3649 * DAY_MS);
  assert.ok(server.verify(newCa.publicKey) && server.checkIssued(newCa), 'the old server certificate chains to it');
  assert.equal(ca.notAfterMs, Date.parse(newCa.validTo));
  const reopened = await LocalCa.open(caFiles(resolved));
  assert.equal(reopened.notAfterMs, ca.notAfterMs, 'the key file holds the renewed certificate too');
});

test('-genSSL makes one server certificate per enabled HTTPS port, with SANs and serverAuth, signed by the CA', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const ca = await genCa(resolved);
  const written = await genSsl(resolved, { ca, altNames: LAN });
  assert.deepEqual(written, [join(dir, 'pki/https.cert.der'), join(dir, 'thinstream_port_30444.cert.der')]);
  assert.ok(!existsSync(join(dir, 'thinstream_port_30080.cert.der')), 'no certificate for the plain HTTP port');
  const caCert = x509(join(dir, 'pki/ca.cert.der'));
  const server = x509(join(dir, 'pki/https.cert.der'));
  assert.ok(!server.ca);
  assert.ok(server.checkIssued(caCert) && server.verify(caCert.publicKey));
  assert.deepEqual(server.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extKeyUsage serverAuth');
  assert.equal(
    server.subjectAltName,
    'DNS:localhost, DNS:nvr, DNS:nvr.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192.168.1.50',
  );
  assert.ok(server.checkHost('localhost') && server.checkIP('127.0.0.1') && server.checkIP('::1'));
  assert.ok(server.checkIP('192.168.1.50'));

  const material = await loadServerTls(ca, resolved.http.ports[0]!.tls!);
  assert.match(material.key, /^-----BEGIN PRIVATE KEY-----/);
  assert.equal(new X509Certificate(material.cert).serialNumber, server.serialNumber);
  assert.deepEqual([material.requestCert, material.rejectUnauthorized], [true, false]);
  const required = await loadServerTls(ca, resolved.http.ports[1]!.tls!);
  assert.deepEqual([required.requestCert, required.rejectUnauthorized], [true, true]);
});

test('first run makes what is missing; later runs change nothing, renew what expires or no longer names the host', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const first = await ensureCertificates(resolved, { altNames: LAN });
  assert.equal(first.actions.length, 3);
  assert.match(first.actions[0]!, /^created the CA at /);
  assert.match(first.actions[1]!, /^created the server certificate .*https\.cert\.der \(missing\)$/);
  const serial = x509(join(dir, 'pki/https.cert.der')).serialNumber;

  assert.deepEqual((await ensureCertificates(resolved, { altNames: LAN })).actions, []);
  assert.equal(x509(join(dir, 'pki/https.cert.der')).serialNumber, serial);

  const moved = { dns: LAN.dns, ips: ['127.0.0.1', '::1', '10.0.0.7'] };
  const second = await ensureCertificates(resolved, { altNames: moved });
  assert.equal(second.actions.length, 2);
  assert.match(second.actions[0]!, /renewed the server certificate .*https\.cert\.der \(it did not name 10\.0\.0\.7\)/);
  assert.ok(x509(join(dir, 'pki/https.cert.der')).checkIP('10.0.0.7'));

  const later = Date.now() + 80 * DAY_MS;
  const third = await ensureCertificates(resolved, { altNames: moved, nowMs: later });
  assert.deepEqual(
    third.actions.map((a) => /https\.cert\.der \(about to expire\)$/.test(a) || /port_30444.*about to expire/.test(a)),
    [true],
    'the 90-day certificate is renewed, the 825-day one is not',
  );
  const muchLater = Date.now() + 340 * DAY_MS;
  const fourth = await ensureCertificates(resolved, { altNames: moved, nowMs: muchLater });
  assert.match(fourth.actions[0]!, /^renewed the CA at .* \(it was about to expire\)$/);
});

test('a server certificate from another CA is the user’s own and is kept', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const other = certConfig(join(dir, 'other'));
  await ensureCertificates(other, { altNames: LAN });
  await ensureCertificates(resolved, { altNames: LAN });
  // The user puts a certificate (and its key, with the configured pass) from their own CA in place.
  writeFileSync(join(dir, 'pki/https.cert.der'), readFileSync(join(dir, 'other/pki/https.cert.der')));
  writeFileSync(join(dir, 'pki/https.key.p12'), readFileSync(join(dir, 'other/pki/https.key.p12')));
  const result = await ensureCertificates(resolved, { altNames: { dns: ['elsewhere'], ips: [] } });
  assert.ok(!result.actions.some((a) => a.includes('https.cert.der')), result.actions.join('; '));
  assert.equal(result.actions.length, 1, 'the other port’s own certificate is renewed for the new name');
  assert.deepEqual(readFileSync(join(dir, 'pki/https.cert.der')), readFileSync(join(dir, 'other/pki/https.cert.der')));
});

test('client certificates: a .p12 with clientAuth, recorded; revoked ones are refused, also after a restart', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const { ca } = await ensureCertificates(resolved, { altNames: LAN });
  const phone = await ca.issueClientCertificate('ana-phone', 'phone-pass', resolved.certs.clientDef);
  const laptop = await ca.issueClientCertificate('leo-laptop', 'laptop-pass', resolved.certs.clientDef);
  const cert = new X509Certificate(phone.certPem);
  assert.equal(cert.subject, 'C=NI\nO=ThinStream Test\nCN=ana-phone', 'the template’s subject with the CN given');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'extKeyUsage clientAuth');
  assert.equal(normalizeSerial(cert.serialNumber), phone.serial);
  assert.ok(cert.checkIssued(x509(join(dir, 'pki/ca.cert.der'))));
  assert.ok((phone.notAfterMs - Date.now()) / DAY_MS <= 30, 'usrCert.daysValid');

  assert.deepEqual(ca.checkClientCertificate(phone.certPem), { ok: true, name: 'ana-phone', serial: phone.serial });
  assert.equal(await ca.revoke(phone.serial.toUpperCase()), true, 'serials match whatever their case');
  assert.equal(await ca.revoke('deadbeef'), false, 'an unknown serial is not revoked');
  assert.equal(ca.isRevoked(phone.serial), true);
  assert.equal(ca.isRevoked(laptop.serial), false);
  const refused = ca.checkClientCertificate(cert.raw);
  assert.equal(refused.ok, false);
  assert.match(!refused.ok ? refused.reason : '', /\(ana-phone\) was revoked/);

  const reopened = await LocalCa.open(caFiles(resolved));
  assert.equal(reopened.isRevoked(cert.serialNumber), true, 'the revocation survived a restart');
  assert.equal(reopened.isRevoked(laptop.serial), false);
  const list = reopened.summaries();
  assert.deepEqual(
    list.clients.map((c) => [c.serial, c.revoked]),
    [
      [phone.serial, true],
      [laptop.serial, false],
    ],
  );
  assert.equal(list.ca.kind, 'ca');
  assert.match(reopened.exportCaPem(), /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
});

test('a client certificate from another CA, or expired, does not sign in', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const other = certConfig(join(dir, 'other'));
  const { ca } = await ensureCertificates(resolved, { altNames: LAN });
  const { ca: otherCa } = await ensureCertificates(other, { altNames: LAN });
  const foreign = await otherCa.issueClientCertificate('mallory', 'pass1234', other.certs.clientDef);
  const foreignCheck = ca.checkClientCertificate(foreign.certPem);
  assert.equal(foreignCheck.ok, false);
  assert.match(!foreignCheck.ok ? foreignCheck.reason : '', /was not issued by this ThinStream's CA/);
  const mine = await ca.issueClientCertificate('old-tablet', 'pass1234', resolved.certs.clientDef);
  const expired = ca.checkClientCertificate(mine.certPem, Date.now() + 31 * DAY_MS);
  assert.match(!expired.ok ? expired.reason : '', /has expired or is not valid yet/);
  await assert.rejects(ca.issueClientCertificate('  ', 'pass1234', resolved.certs.clientDef), /needs a name/);
  await assert.rejects(ca.issueClientCertificate('x', 'pw', resolved.certs.clientDef), /password of at least 4/);
});
