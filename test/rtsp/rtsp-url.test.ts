import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { parseRtspUrl, redactUrl } from '../../src-main/rtsp/rtsp-url.js';

test('takes credentials out of the URL, decoding them', () => {
  const u = parseRtspUrl('rtsp://ad%40min:p%3Ass@192.168.1.2/Streaming/Channels/101?transportmode=unicast');
  assert.equal(u.user, 'ad@min');
  assert.equal(u.password, 'p:ss');
  assert.equal(u.host, '192.168.1.2');
  assert.equal(u.port, 554);
  assert.equal(u.href, 'rtsp://192.168.1.2/Streaming/Channels/101?transportmode=unicast');
});

test('an unencoded @ in the password still parses; rtsps and IPv6 get their ports', () => {
  const u = parseRtspUrl('rtsp://admin:p@ss@cam.local:8554/live');
  assert.equal(u.password, 'p@ss');
  assert.equal(u.port, 8554);
  const v = parseRtspUrl('rtsps://[::1]/x');
  assert.equal(v.host, '::1');
  assert.equal(v.port, 322);
  assert.equal(v.scheme, 'rtsps');
});

test('bad URLs are URL_INVALID and never echo the password', () => {
  for (const bad of ['http://cam/x', 'not a url', 'rtsp://', 'rtsp://admin:hunter2@cam:99999/x']) {
    assert.throws(
      () => parseRtspUrl(bad),
      (e) => e instanceof ThinStreamError && e.code === 'URL_INVALID' && !e.message.includes('hunter2'),
      bad,
    );
  }
  assert.equal(redactUrl('rtsp://admin:hunter2@cam/x'), 'rtsp://admin:***@cam/x');
  assert.equal(redactUrl('rtsp://cam/x'), 'rtsp://cam/x');
});
