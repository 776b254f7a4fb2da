import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiErrorBody, SessionInfo } from '../../src-shared/api.js';
import type { CertificatesService } from '../../src-main/server/server-context.js';
import { normalizeSerial } from '../../src-main/server/request-auth.js';
import { TestClient } from './support/http-client.js';
import { sClient } from './support/openssl.js';
import { startTestServer, type TestServer } from './support/test-server.js';

/** A CA, a server certificate and two client certificates made by openssl (real X.509, nothing of ours). */
let dir: string;
const pem: Record<string, string> = {};
const revoked = new Set<string>();

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makePki(): void {
  openssl(
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2'],
    ...[
      '-subj',
      '/CN=Test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=keyCertSign,cRLSign',
    ],
  );
  openssl(
    'req',
    '-new',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    ...['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
    ...['-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'],
  );
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const name of ['phone', 'stolen-laptop']) {
    openssl(
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    openssl(
      ...['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'],
      ...['-out', `${name}.pem`, '-days', '2', '-extfile', 'client.ext'],
    );
  }
  for (const f of [
    'ca.pem',
    'server.key',
    'server.pem',
    'phone.key',
    'phone.pem',
    'stolen-laptop.key',
    'stolen-laptop.pem',
  ]) {
    pem[f] = readFileSync(join(dir, f), 'utf8');
  }
  const serial = execFileSync('openssl', ['x509', '-in', 'stolen-laptop.pem', '-noout', '-serial'], { cwd: dir })
    .toString()
    .trim()
    .replace(/^serial=/, '');
  revoked.add(normalizeSerial(serial));
}

const certificates: CertificatesService = {
  list: () => Promise.reject(new Error('not used')),
  caPem: async () => pem['ca.pem']!,
  issueClient: () => Promise.reject(new Error('not used')),
  revoke: async (serial) => void revoked.add(normalizeSerial(serial)),
  isRevoked: (serial) => revoked.has(normalizeSerial(serial)),
};

let requested: TestServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'thinstream-pki-'));
  makePki();
  requested = await startTestServer({
    tls: true,
    port: {
      tls: {
        key: pem['server.key']!,
        cert: pem['server.pem']!,
        ca: pem['ca.pem']!,
        requestCert: true,
        requireCert: false,
      },
    },
    context: { certificates },
  });
});

after(async () => {
  await requested.close();
  rmSync(dir, { recursive: true, force: true });
});

function clientFor(server: TestServer, name?: string): TestClient {
  return new TestClient(server.url, {
    ca: pem['ca.pem']!,
    ...(name ? { key: pem[`${name}.key`]!, cert: pem[`${name}.pem`]! } : {}),
  });
}

test('openssl s_client verifies the server chain against the CA', async () => {
  const port = requested.server.port;
  const ok = await sClient([
    ...['-connect', `127.0.0.1:${port}`, '-servername', 'localhost'],
    ...['-verify_return_error', '-CAfile', join(dir, 'ca.pem')],
  ]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /Verify return code: 0 \(ok\)/);
  const wrongCa = await sClient(['-connect', `127.0.0.1:${port}`, '-verify_return_error', '-CAfile', '/dev/null']);
  assert.notEqual(wrongCa.status, 0, 'a client that does not trust the CA refuses the server');
});

test('a client certificate from the CA signs a device in without a password', async () => {
  const phone = clientFor(requested, 'phone');
  const session = await phone.fetch('GET', '/api/v1/session');
  assert.equal(session.status, 200);
  assert.deepEqual(session.json() as SessionInfo, { username: 'phone', role: 'viewer', via: 'client-certificate' });
  assert.equal((await phone.fetch('GET', '/api/v1/streams')).status, 200);
  assert.equal((await phone.fetch('GET', '/api/v1/users')).status, 403, 'a device is a viewer, not an admin');
});

test('a revoked client certificate is refused with CERT_REVOKED', async () => {
  const laptop = clientFor(requested, 'stolen-laptop');
  const r = await laptop.fetch('GET', '/api/v1/streams');
  assert.equal(r.status, 403);
  assert.equal((r.json() as ApiErrorBody).error.code, 'CERT_REVOKED');
  // Revoking the phone takes effect at its next request.
  const phone = clientFor(requested, 'phone');
  assert.equal((await phone.fetch('GET', '/api/v1/streams')).status, 200);
  const serial = execFileSync('openssl', ['x509', '-in', 'phone.pem', '-noout', '-serial'], { cwd: dir })
    .toString()
    .trim()
    .replace(/^serial=/, '');
  await certificates.revoke(serial);
  assert.equal((await phone.fetch('GET', '/api/v1/streams')).status, 403);
  revoked.delete(normalizeSerial(serial));
});

test('without a certificate, a port that only requests one still offers password sign-in', async () => {
  const anonymous = clientFor(requested);
  assert.equal((await anonymous.fetch('GET', '/api/v1/streams')).status, 401);
  assert.equal((await anonymous.signIn('admin', 'admin-password')).status, 200);
  assert.equal((await anonymous.fetch('GET', '/api/v1/streams')).status, 200);
});

test('a port that requires a certificate refuses the TLS handshake without one', async () => {
  const required = await startTestServer({
    tls: true,
    port: {
      tls: {
        key: pem['server.key']!,
        cert: pem['server.pem']!,
        ca: pem['ca.pem']!,
        requestCert: true,
        requireCert: true,
      },
    },
    context: { certificates },
  });
  try {
    await assert.rejects(clientFor(required).fetch('GET', '/api/v1/setup'));
    assert.equal((await clientFor(required, 'phone').fetch('GET', '/api/v1/streams')).status, 200);
  } finally {
    await required.close();
  }
});
