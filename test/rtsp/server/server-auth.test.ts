/**
 * The camera's side of Basic and Digest auth (RFC 2617): responses computed here the way a client does
 * (§3.2.2), accepted with qop=auth and in the RFC 2069 form, refused with a fresh challenge otherwise;
 * expired nonces come back with stale=true; nonces we did not issue are refused.
 */
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CameraAuthenticator, parseAuthParams } from '../../../src-main/rtsp/server/server-auth.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

function digestHeader(
  challenge: string,
  o: { user: string; password: string; method: string; uri: string; qop: boolean; nonce?: string },
): string {
  const c = parseAuthParams(challenge.replace(/^Digest\s+/, ''));
  const nonce = o.nonce ?? c.nonce!;
  const ha1 = md5(`${o.user}:${c.realm}:${o.password}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  if (!o.qop) {
    const response = md5(`${ha1}:${nonce}:${ha2}`);
    return `Digest username="${o.user}", realm="${c.realm}", nonce="${nonce}", uri="${o.uri}", response="${response}"`;
  }
  const nc = '00000001';
  const cnonce = 'f00dcafe';
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return (
    `Digest username="${o.user}", realm="${c.realm}", nonce="${nonce}", uri="${o.uri}", ` +
    `response="${response}", algorithm=MD5, qop=auth, nc=${nc}, cnonce="${cnonce}"`
  );
}

describe('camera authentication', () => {
  const uri = 'rtsp://127.0.0.1:554/stream';

  it('Basic: accepts the right user and password, refuses others with a Basic challenge', () => {
    const auth = new CameraAuthenticator({ scheme: 'basic', user: 'admin', password: 'pa:ss' });
    const header = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    assert.deepEqual(auth.check('DESCRIBE', header('admin', 'pa:ss')), { ok: true });
    const refused = auth.check('DESCRIBE', header('admin', 'wrong'));
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.challenge === 'Basic realm="ThinStream"');
    assert.equal(auth.check('DESCRIBE', undefined).ok, false);
  });

  it('Digest: offers MD5 with qop="auth" and accepts a qop=auth response', () => {
    const auth = new CameraAuthenticator({ scheme: 'digest', user: 'admin', password: 'secret' });
    const challenge = auth.challenge();
    assert.match(challenge, /^Digest realm="ThinStream", nonce="[0-9a-f]+", algorithm=MD5, qop="auth"$/);
    const header = digestHeader(challenge, { user: 'admin', password: 'secret', method: 'DESCRIBE', uri, qop: true });
    assert.deepEqual(auth.check('DESCRIBE', header), { ok: true });
  });

  it('Digest: accepts the RFC 2069 response without qop (live555 and VLC answer so)', () => {
    const auth = new CameraAuthenticator({ scheme: 'digest', user: 'admin', password: 'secret' });
    const header = digestHeader(auth.challenge(), {
      user: 'admin',
      password: 'secret',
      method: 'SETUP',
      uri,
      qop: false,
    });
    assert.deepEqual(auth.check('SETUP', header), { ok: true });
  });

  it('Digest: refuses a wrong password, another method than the one signed, and a Basic header', () => {
    const auth = new CameraAuthenticator({ scheme: 'digest', user: 'admin', password: 'secret' });
    const wrong = digestHeader(auth.challenge(), { user: 'admin', password: 'nope', method: 'PLAY', uri, qop: true });
    assert.equal(auth.check('PLAY', wrong).ok, false);
    const signed = digestHeader(auth.challenge(), {
      user: 'admin',
      password: 'secret',
      method: 'PLAY',
      uri,
      qop: true,
    });
    assert.equal(auth.check('TEARDOWN', signed).ok, false);
    const basic = `Basic ${Buffer.from('admin:secret').toString('base64')}`;
    const refused = auth.check('PLAY', basic);
    assert.ok(!refused.ok && refused.challenge.startsWith('Digest '));
  });

  it('Digest: refuses a nonce it did not issue, and answers an expired one with stale=true', () => {
    let now = 1_000_000;
    const auth = new CameraAuthenticator(
      { scheme: 'digest', user: 'admin', password: 'secret' },
      { nonceLifetimeMs: 60_000, now: () => now },
    );
    const forged = digestHeader(auth.challenge(), {
      user: 'admin',
      password: 'secret',
      method: 'DESCRIBE',
      uri,
      qop: true,
      nonce: 'f4240' + '0'.repeat(32),
    });
    const forgedResult = auth.check('DESCRIBE', forged);
    assert.ok(!forgedResult.ok && !forgedResult.challenge.includes('stale'));
    const header = digestHeader(auth.challenge(), {
      user: 'admin',
      password: 'secret',
      method: 'DESCRIBE',
      uri,
      qop: true,
    });
    now += 61_000;
    const stale = auth.check('DESCRIBE', header);
    assert.ok(!stale.ok && stale.challenge.endsWith('stale=true'), 'stale nonce');
  });

  it('parses auth-params with quoted commas, escapes and unquoted tokens', () => {
    assert.deepEqual(parseAuthParams('username="a, b", realm="R\\"x", nc=00000001 , qop=auth'), {
      username: 'a, b',
      realm: 'R"x',
      nc: '00000001',
      qop: 'auth',
    });
  });
});
