import { test } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuthorization } from '../../src-main/rtsp/basic-auth.js';
import { digestAuthorization, digestResponse, type DigestChallenge } from '../../src-main/rtsp/digest-auth.js';
import { RtspAuthenticator } from '../../src-main/rtsp/rtsp-auth.js';

// RFC 2617 §3.5's worked example.
const rfcChallenge: DigestChallenge = {
  realm: 'testrealm@host.com',
  nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
  opaque: '5ccc069c403ebaf9f0171e9517f40e41',
  algorithm: 'MD5',
  qop: 'auth',
  stale: false,
};

test('Digest with qop=auth reproduces RFC 2617 §3.5', () => {
  const input = {
    challenge: rfcChallenge,
    user: 'Mufasa',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nc: 1,
    cnonce: '0a4f113b',
  };
  assert.equal(digestResponse(input), '6629fae49393a05397450978507c4ef1');
  assert.equal(
    digestAuthorization(input),
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", ' +
      'uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41", ' +
      'qop=auth, nc=00000001, cnonce="0a4f113b"',
  );
});

test('Digest without qop is MD5(HA1:nonce:HA2) (RFC 2069 style, as GStreamer and most cameras use)', () => {
  // HA1 = MD5("Mufasa:testrealm@host.com:Circle Of Life") = 939e7578ed9e3c518a452acee763bce9
  // HA2 = MD5("GET:/dir/index.html") = 39aff3a2bab6126f332b942af96d3366
  const response = digestResponse({
    challenge: { ...rfcChallenge, qop: null },
    user: 'Mufasa',
    password: 'Circle Of Life',
    method: 'GET',
    uri: '/dir/index.html',
    nc: 1,
    cnonce: '',
  });
  assert.equal(response, '670fd8c2df070c60b045671b8b24ff02');
});

test('Basic is base64 of user:password in UTF-8', () => {
  assert.equal(basicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
});

test('authenticator: challenge → retry, same nonce refused → refused, stale → retry with nc reset', () => {
  const auth = new RtspAuthenticator('admin', 'pw', () => 'cn');
  assert.equal(auth.authorization('OPTIONS', 'rtsp://c/'), undefined);
  assert.equal(auth.onUnauthorized(['Digest realm="r", nonce="n1", qop="auth"'], false), 'retry');
  assert.match(auth.authorization('DESCRIBE', 'rtsp://c/') ?? '', /nc=00000001/);
  assert.match(auth.authorization('SETUP', 'rtsp://c/t') ?? '', /nc=00000002/);
  assert.equal(auth.onUnauthorized(['Digest realm="r", nonce="n1", qop="auth"'], true), 'refused');
  assert.equal(auth.onUnauthorized(['Digest realm="r", nonce="n2", qop="auth", stale=true'], true), 'retry');
  assert.match(auth.authorization('PLAY', 'rtsp://c/') ?? '', /nonce="n2".*nc=00000001/);
});

test('authenticator prefers Digest to Basic, refuses Basic twice, and says when credentials are missing', () => {
  const both = new RtspAuthenticator('u', 'p');
  assert.equal(both.onUnauthorized(['Basic realm="r"', 'Digest realm="r", nonce="x"'], false), 'retry');
  assert.match(both.authorization('DESCRIBE', 'rtsp://c/') ?? '', /^Digest /);

  const basic = new RtspAuthenticator('u', 'p');
  assert.equal(basic.onUnauthorized(['Basic realm="r"'], false), 'retry');
  assert.equal(basic.authorization('DESCRIBE', 'rtsp://c/'), 'Basic dTpw');
  assert.equal(basic.onUnauthorized(['Basic realm="r"'], true), 'refused');

  assert.equal(
    new RtspAuthenticator(undefined, undefined).onUnauthorized(['Basic realm="r"'], false),
    'no-credentials',
  );
  assert.equal(new RtspAuthenticator('u', 'p').onUnauthorized(['Negotiate abc'], false), 'unsupported');
  assert.equal(
    new RtspAuthenticator('u', 'p').onUnauthorized(['Digest realm="r", nonce="n", algorithm=SHA-512'], false),
    'unsupported',
  );
});

test('a camera that changes the nonce on every 401 without stale is retried, and the quirk named', () => {
  const auth = new RtspAuthenticator('u', 'p');
  assert.equal(auth.onUnauthorized(['Digest realm="r", nonce="a"'], false), 'retry');
  auth.authorization('DESCRIBE', 'rtsp://c/');
  assert.equal(auth.onUnauthorized(['Digest realm="r", nonce="b"'], true), 'retry');
  assert.ok(auth.quirks.has('digest-nonce-changed'));
});
