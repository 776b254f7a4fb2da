import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepaliveIntervalMs, parseSessionHeader } from '../../src-main/rtsp/session-header.js';
import { parseRtpInfoHeader } from '../../src-main/rtsp/rtp-info-header.js';
import { parseAuthChallenges } from '../../src-main/rtsp/auth-challenge-header.js';

test('Session: id with timeout in any spelling; default timeout when absent or zero', () => {
  assert.deepEqual(parseSessionHeader('12345678;timeout=60'), { id: '12345678', timeoutSec: 60 });
  assert.deepEqual(parseSessionHeader('  abc.DEF+1 ; Timeout = "30" ; other=1'), { id: 'abc.DEF+1', timeoutSec: 30 });
  assert.deepEqual(parseSessionHeader('abc;timeout=0'), { id: 'abc' });
  assert.equal(parseSessionHeader(''), null);
  assert.equal(parseSessionHeader('a b'), null);
  assert.equal(keepaliveIntervalMs(undefined), 15_000);
  assert.equal(keepaliveIntervalMs(1), 1000);
});

test('RTP-Info: several entries, a comma inside a URL query, a trailing semicolon, bad numbers skipped', () => {
  const entries = parseRtpInfoHeader(
    'url=rtsp://h/s?a=1,2/track1;seq=5;rtptime=4294967295, url=track2;seq=70000;rtptime=-1;',
  );
  assert.deepEqual(entries, [{ url: 'rtsp://h/s?a=1,2/track1', seq: 5, rtptime: 4294967295 }, { url: 'track2' }]);
  assert.deepEqual(parseRtpInfoHeader('garbage'), []);
});

test('WWW-Authenticate: several challenges in one header, quoted commas, escapes, unquoted values', () => {
  const c = parseAuthChallenges([
    'Digest realm="IP, Camera", nonce="a\\"b", qop="auth,auth-int", stale=TRUE, Basic realm="x"',
    'basic realm=y',
  ]);
  assert.deepEqual(c, [
    { scheme: 'digest', params: { realm: 'IP, Camera', nonce: 'a"b', qop: 'auth,auth-int', stale: 'TRUE' } },
    { scheme: 'basic', params: { realm: 'x' } },
    { scheme: 'basic', params: { realm: 'y' } },
  ]);
  assert.deepEqual(parseAuthChallenges(['', ',,', 'realm="orphan"']), []);
});
