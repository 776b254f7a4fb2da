import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support.js';
import { buildPkcs12, openPkcs12 } from '../../src-main/certs/pkcs12.js';
import { ThinStreamError } from '../../src-shared/errors.js';

const ITERATIONS = Number(process.env['THINSTREAM_FUZZ_ITERATIONS'] ?? 300);

/** A key and a self-signed certificate made by the openssl command, the way a user brings their own. */
function opensslPair(dir: string): { keyPem: string; certPath: string; keyPath: string } {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath].concat([
      '-subj',
      '/CN=brought.example',
      '-days',
      '2',
    ]),
    { stdio: 'ignore', timeout: 20_000 },
  );
  return { keyPem: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}

test('our PKCS#12 round-trips: the key, the chain in order, and a clear error for a wrong password', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const fakeChain = [Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01]), Buffer.from([0x30, 0x03, 0x02, 0x01, 0x02])];
  const p12 = buildPkcs12(privateKey, fakeChain, 'pässwörd', 'friendly');
  const opened = openPkcs12(p12, 'pässwörd', 'test.p12');
  assert.ok(createPublicKey(opened.key).equals(createPublicKey(privateKey)));
  assert.deepEqual(opened.certsDer, fakeChain);
  assert.throws(
    () => openPkcs12(p12, 'passwörd', 'test.p12'),
    (err: unknown) =>
      err instanceof ThinStreamError &&
      err.code === 'CERT_INVALID' &&
      err.message === 'test.p12 does not open with the configured pass (wrong password?)',
  );
  const empty = buildPkcs12(privateKey, fakeChain, '', 'no pass');
  assert.ok(createPublicKey(openPkcs12(empty, '', 'empty.p12').key).equals(createPublicKey(privateKey)));
});

test('PKCS#12 files made by openssl open too: default (encrypted certificates) and unencrypted', (t) => {
  const dir = tempDir(t);
  const pair = opensslPair(dir);
  const cert = new X509Certificate(readFileSync(pair.certPath));
  for (const extra of [[], ['-keypbe', 'NONE', '-certpbe', 'NONE']]) {
    const out = join(dir, `brought${extra.length}.p12`);
    execFileSync(
      'openssl',
      ['pkcs12', '-export', '-inkey', pair.keyPath, '-in', pair.certPath, '-out', out].concat([
        '-passout',
        'pass:their-pass',
        ...extra,
      ]),
      { stdio: 'ignore', timeout: 20_000 },
    );
    const opened = openPkcs12(readFileSync(out), 'their-pass', out);
    assert.ok(createPublicKey(opened.key).equals(cert.publicKey), `key of ${extra.join(' ') || 'default'}`);
    assert.equal(opened.certsDer.length, 1);
    assert.ok(new X509Certificate(opened.certsDer[0]!).raw.equals(cert.raw));
    assert.throws(() => openPkcs12(readFileSync(out), 'nope', out), /wrong password|cannot be opened|does not open/);
  }
});

test('fuzz: damaged PKCS#12 bytes only ever give CERT_INVALID', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const good = buildPkcs12(privateKey, [Buffer.from([0x30, 0x03, 0x02, 0x01, 0x01])], 'pw', 'f');
  let seed = 0x5eed;
  const random = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  for (let i = 0; i < ITERATIONS; i++) {
    const bytes = Buffer.from(good);
    const edits = 1 + Math.floor(random() * 3);
    for (let e = 0; e < edits; e++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    const cut = random() < 0.2 ? Math.floor(random() * bytes.length) : bytes.length;
    try {
      openPkcs12(bytes.subarray(0, cut), 'pw', 'fuzz.p12');
    } catch (err) {
      assert.ok(err instanceof ThinStreamError && err.code === 'CERT_INVALID', `escaped: ${String(err)}`);
    }
  }
  for (const junk of [Buffer.alloc(0), Buffer.from('not a p12'), Buffer.from([0x30, 0x80])])
    assert.throws(() => openPkcs12(junk, 'pw', 'junk.p12'), /junk\.p12 is not a readable PKCS#12 file/);
});
