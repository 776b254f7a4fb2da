/**
 * The certificates we make, checked by OpenSSL's own tools and by a real TLS handshake (node:tls on loopback):
 * `openssl verify`, `openssl x509 -text`, `openssl pkcs12 -info` (no -legacy), `openssl s_client`, and client
 * certificates signing in over mutual TLS, revoked ones refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:tls';
import type { Server, TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { certConfig, tempDir } from '../certs/support.js';
import { ensureCertificates, loadServerTls } from '../../src-main/certs/ensure-certificates.js';
import type { ServerTlsMaterial } from '../../src-main/certs/ensure-certificates.js';
import type { LocalCa } from '../../src-main/certs/certificate-authority.js';

const LAN = { dns: ['localhost', 'nvr', 'nvr.local'], ips: ['127.0.0.1', '::1', '192.168.1.50'] };

function run(cmd: string, args: string[], input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolvePromise({ code, stdout, stderr });
    });
    // A command that reads no input may exit before this is written: EPIPE then is no failure of its own.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input);
  });
}

/** A TLS server that answers each connection with who it is and closes: what our HTTPS server will do. */
async function startTlsServer(material: ServerTlsMaterial, ca: LocalCa): Promise<{ server: Server; port: number }> {
  const server = createServer({ ...material }, (socket: TLSSocket) => {
    const peer = socket.getPeerCertificate();
    if (!peer.raw) {
      socket.end('anonymous\n');
      return;
    }
    const check = ca.checkClientCertificate(peer.raw);
    socket.end(check.ok ? `hello ${check.name}\n` : `refused: ${check.reason}\n`);
  });
  await new Promise<void>((resolvePromise) => server.listen(0, '127.0.0.1', resolvePromise));
  return { server, port: (server.address() as AddressInfo).port };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => server.close(() => resolvePromise()));
}

/** Connects as a client (optionally with a .p12) and returns what the server said, or the handshake error. */
function talk(port: number, caPem: string, pfx?: { p12: Buffer; pass: string }): Promise<string> {
  return new Promise((resolvePromise) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: caPem,
      ...(pfx ? { pfx: pfx.p12, passphrase: pfx.pass } : {}),
    });
    let text = '';
    const timer = setTimeout(() => socket.destroy(new Error('timeout')), 10_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', () => {
      clearTimeout(timer);
      resolvePromise(text.trim());
    });
    socket.on('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      resolvePromise(`error: ${err.code ?? err.message}`);
    });
  });
}

test('openssl accepts the chain, shows the SANs, and opens our PKCS#12 files without -legacy', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const { ca } = await ensureCertificates(resolved, { altNames: LAN });
  const material = await loadServerTls(ca, resolved.http.ports[0]!.tls!);
  const client = await ca.issueClientCertificate('ana-phone', 'phone-pass', resolved.certs.clientDef);
  writeFileSync(join(dir, 'ca.pem'), ca.exportCaPem());
  writeFileSync(join(dir, 'server.pem'), material.cert);
  writeFileSync(join(dir, 'client.pem'), client.certPem);
  writeFileSync(join(dir, 'client.p12'), client.p12);

  const verify = await run('openssl', [
    'verify',
    '-CAfile',
    join(dir, 'ca.pem'),
    join(dir, 'server.pem'),
    join(dir, 'client.pem'),
  ]);
  assert.equal(verify.code, 0, verify.stderr);
  assert.match(verify.stdout, /server\.pem: OK/);
  assert.match(verify.stdout, /client\.pem: OK/);
  const purpose = await run('openssl', [
    'verify',
    '-CAfile',
    join(dir, 'ca.pem'),
    '-purpose',
    'sslserver',
    join(dir, 'server.pem'),
  ]);
  assert.equal(purpose.code, 0, purpose.stdout + purpose.stderr);
  const clientPurpose = await run('openssl', [
    'verify',
    '-CAfile',
    join(dir, 'ca.pem'),
    '-purpose',
    'sslclient',
    join(dir, 'client.pem'),
  ]);
  assert.equal(clientPurpose.code, 0, clientPurpose.stdout + clientPurpose.stderr);

  const text = await run('openssl', ['x509', '-in', join(dir, 'server.pem'), '-noout', '-text']);
  assert.match(
    text.stdout,
    /X509v3 Subject Alternative Name: \n\s+DNS:localhost, DNS:nvr, DNS:nvr\.local, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1, IP Address:192\.168\.1\.50/,
  );
  assert.match(text.stdout, /X509v3 Extended Key Usage: \n\s+TLS Web Server Authentication/);
  assert.match(text.stdout, /Signature Algorithm: sha256WithRSAEncryption/);
  const caText = await run('openssl', [
    'x509',
    '-inform',
    'DER',
    '-in',
    join(dir, 'pki/ca.cert.der'),
    '-noout',
    '-text',
  ]);
  assert.match(caText.stdout, /CA:TRUE, pathlen:0/);
  assert.match(caText.stdout, /Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign/);
  assert.match(caText.stdout, /X509v3 Subject Key Identifier/);

  for (const [file, pass] of [
    [join(dir, 'client.p12'), 'phone-pass'],
    [join(dir, 'pki/ca.key.p12'), 'ca-pass'],
    [join(dir, 'pki/https.key.p12'), 'ssl-pass'],
  ] as const) {
    const info = await run('openssl', ['pkcs12', '-info', '-in', file, '-passin', `pass:${pass}`, '-nodes']);
    assert.equal(info.code, 0, `${file}: ${info.stderr}`);
    assert.match(info.stderr, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC/);
    assert.match(info.stdout, /-----BEGIN PRIVATE KEY-----/);
    const wrong = await run('openssl', ['pkcs12', '-info', '-in', file, '-passin', 'pass:wrong', '-noout']);
    assert.notEqual(wrong.code, 0, 'a wrong password does not open it');
  }
});

test('openssl s_client verifies the server chain against the CA, for the host name and the address', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const { ca } = await ensureCertificates(resolved, { altNames: LAN });
  writeFileSync(join(dir, 'ca.pem'), ca.exportCaPem());
  const { server, port } = await startTlsServer(await loadServerTls(ca, resolved.http.ports[0]!.tls!), ca);
  t.after(() => closeServer(server));
  for (const check of [
    ['-verify_hostname', 'localhost'],
    ['-verify_ip', '127.0.0.1'],
  ]) {
    const result = await run('openssl', [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-servername',
      'localhost',
      '-CAfile',
      join(dir, 'ca.pem'),
      '-verify_return_error',
      '-ign_eof',
      ...check,
    ]);
    // -verify_return_error aborts the handshake on any verification error, so reading the server's line proves it
    // passed. (The exit code is not used: OpenSSL 3 reports an EOF without close_notify as an error.)
    assert.match(result.stdout, /Verify return code: 0 \(ok\)/, result.stderr);
    assert.match(
      result.stdout,
      /anonymous/,
      'a client without a certificate is let in on a port that only requests one',
    );
  }
  const wrongName = await run('openssl', [
    's_client',
    '-connect',
    `127.0.0.1:${port}`,
    '-CAfile',
    join(dir, 'ca.pem'),
    '-verify_return_error',
    '-verify_hostname',
    'example.com',
  ]);
  assert.notEqual(wrongName.code, 0, 'a name the certificate does not carry fails verification');
  assert.match(wrongName.stderr, /verify error:num=62:hostname mismatch/);
  assert.doesNotMatch(wrongName.stdout, /anonymous/);
});

test('mutual TLS: our client certificate signs in, a revoked one is refused, a foreign one never gets through', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const other = certConfig(join(dir, 'other'));
  const { ca } = await ensureCertificates(resolved, { altNames: LAN });
  const { ca: otherCa } = await ensureCertificates(other, { altNames: LAN });
  const caPem = ca.exportCaPem();
  const phone = await ca.issueClientCertificate('ana-phone', 'phone-pass', resolved.certs.clientDef);
  const foreign = await otherCa.issueClientCertificate('mallory', 'mallory-pass', other.certs.clientDef);

  // Port 30443 requests a certificate; port 30444 requires one (isRequired).
  const requesting = await startTlsServer(await loadServerTls(ca, resolved.http.ports[0]!.tls!), ca);
  const requiring = await startTlsServer(await loadServerTls(ca, resolved.http.ports[1]!.tls!), ca);
  t.after(() => Promise.all([closeServer(requesting.server), closeServer(requiring.server)]));

  assert.equal(await talk(requesting.port, caPem, { p12: phone.p12, pass: 'phone-pass' }), 'hello ana-phone');
  assert.equal(await talk(requiring.port, caPem, { p12: phone.p12, pass: 'phone-pass' }), 'hello ana-phone');
  assert.equal(await talk(requesting.port, caPem), 'anonymous');
  const bare = await talk(requiring.port, caPem);
  assert.equal(
    bare,
    'error: ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    'no certificate: no session on a requiring port',
  );
  assert.match(
    await talk(requesting.port, caPem, { p12: foreign.p12, pass: 'mallory-pass' }),
    /^(error: |refused: .*not issued by this ThinStream's CA)/,
  );
  const foreignRequired = await talk(requiring.port, caPem, { p12: foreign.p12, pass: 'mallory-pass' });
  // OpenSSL refuses the foreign certificate in the handshake: the client gets an alert or a bare close, never a line.
  assert.match(foreignRequired, /^(error: .*)?$/);

  await ca.revoke(phone.serial);
  // Before the server reloads its context, the per-connection check refuses the revoked certificate…
  const revoked = await talk(requiring.port, caPem, { p12: phone.p12, pass: 'phone-pass' });
  assert.match(revoked, /^refused: certificate [0-9a-f]+ \(ana-phone\) was revoked$/);
  // …and once it has the new revocation list, OpenSSL refuses it in the handshake.
  requiring.server.setSecureContext(await loadServerTls(ca, resolved.http.ports[1]!.tls!));
  const laptop = await ca.issueClientCertificate('leo-laptop', 'laptop-pass', resolved.certs.clientDef);
  requiring.server.setSecureContext(await loadServerTls(ca, resolved.http.ports[1]!.tls!));
  assert.match(await talk(requiring.port, caPem, { p12: phone.p12, pass: 'phone-pass' }), /^(error: .*)?$/);
  assert.equal(await talk(requiring.port, caPem, { p12: laptop.p12, pass: 'laptop-pass' }), 'hello leo-laptop');
});

test('the revocation list is signed by the CA and makes openssl verify -crl_check refuse a revoked certificate', async (t) => {
  const dir = tempDir(t);
  const resolved = certConfig(dir);
  const { ca } = await ensureCertificates(resolved, { altNames: LAN });
  const kept = await ca.issueClientCertificate('kept', 'pass1234', resolved.certs.clientDef);
  const gone = await ca.issueClientCertificate('gone', 'pass1234', resolved.certs.clientDef);
  await ca.revoke(gone.serial);
  writeFileSync(join(dir, 'ca-and-crl.pem'), ca.exportCaPem() + ca.exportCrlPem());
  writeFileSync(join(dir, 'ca.pem'), ca.exportCaPem());
  writeFileSync(join(dir, 'crl.pem'), ca.exportCrlPem());
  writeFileSync(join(dir, 'kept.pem'), kept.certPem);
  writeFileSync(join(dir, 'gone.pem'), gone.certPem);

  const crl = await run('openssl', [
    'crl',
    '-in',
    join(dir, 'crl.pem'),
    '-CAfile',
    join(dir, 'ca.pem'),
    '-noout',
    '-text',
  ]);
  assert.equal(crl.code, 0, crl.stderr);
  assert.match(crl.stderr + crl.stdout, /verify OK/);
  assert.match(crl.stdout, new RegExp(`Serial Number: ${gone.serial}`, 'i'));
  assert.doesNotMatch(crl.stdout, new RegExp(kept.serial, 'i'));
  const check = (file: string) =>
    run('openssl', ['verify', '-crl_check', '-CAfile', join(dir, 'ca-and-crl.pem'), join(dir, file)]);
  assert.equal((await check('kept.pem')).code, 0);
  const refused = await check('gone.pem');
  assert.notEqual(refused.code, 0);
  assert.match(refused.stdout + refused.stderr, /certificate revoked/);
});
