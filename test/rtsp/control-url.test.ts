import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinControl, resolveControlUrls, sameControlUrl } from '../../src-main/rtsp/control-url.js';

const req = 'rtsp://10.0.0.5:554/live/main';

test('relative control appends to Content-Base with one slash', () => {
  const u = resolveControlUrls({
    requestUrl: req,
    contentBase: 'rtsp://10.0.0.5:554/live/main/',
    mediaControl: 'trackID=1',
  });
  assert.equal(u.track, 'rtsp://10.0.0.5:554/live/main/trackID=1');
  assert.equal(u.aggregate, 'rtsp://10.0.0.5:554/live/main/');
  assert.deepEqual(u.quirks, []);
});

test('absolute control is used as it is, credentials removed', () => {
  const u = resolveControlUrls({ requestUrl: req, mediaControl: 'rtsp://admin:pw@10.0.0.5/track1' });
  assert.equal(u.track, 'rtsp://10.0.0.5/track1');
  assert.deepEqual(u.quirks, []);
});

test('`*` and absent control mean the aggregate URL', () => {
  for (const mediaControl of ['*', undefined, '']) {
    const u = resolveControlUrls({ requestUrl: req, contentBase: req + '/', mediaControl });
    assert.equal(u.track, req + '/');
  }
});

test('Content-Location stands in for Content-Base; then the request URL (quirk content-base-missing)', () => {
  assert.equal(
    resolveControlUrls({ requestUrl: req, contentLocation: 'rtsp://10.0.0.5/other/', mediaControl: 'a' }).track,
    'rtsp://10.0.0.5/other/a',
  );
  const u = resolveControlUrls({ requestUrl: req, mediaControl: 'trackID=0' });
  assert.equal(u.track, req + '/trackID=0');
  assert.deepEqual(u.quirks, ['content-base-missing', 'content-base-no-trailing-slash']);
});

test('a Content-Base without scheme is repaired from the request URL', () => {
  assert.equal(
    resolveControlUrls({ requestUrl: req, contentBase: '10.0.0.5:554/stream0/', mediaControl: 't1' }).track,
    'rtsp://10.0.0.5:554/stream0/t1',
  );
  assert.equal(
    resolveControlUrls({ requestUrl: 'rtsps://cam:322/x', contentBase: '/stream0/', mediaControl: 't1' }).track,
    'rtsps://cam:322/stream0/t1',
  );
});

test('control with an absolute path replaces the base path; query strings are kept', () => {
  assert.equal(
    resolveControlUrls({ requestUrl: req, mediaControl: '/media/v1' }).track,
    'rtsp://10.0.0.5:554/media/v1',
  );
  assert.equal(
    joinControl('rtsp://h/cam?channel=1&subtype=0', 'trackID=0'),
    'rtsp://h/cam?channel=1&subtype=0/trackID=0',
  );
});

test('an absolute session control is the aggregate URL and the base for relative tracks', () => {
  const u = resolveControlUrls({
    requestUrl: req,
    contentBase: req + '/',
    sessionControl: 'rtsp://10.0.0.5/agg/',
    mediaControl: 'v',
  });
  assert.equal(u.aggregate, 'rtsp://10.0.0.5/agg/');
  assert.equal(u.track, 'rtsp://10.0.0.5/agg/v');
});

test('RTP-Info URLs match absolute, relative, trailing-slash and other-host forms', () => {
  assert.ok(sameControlUrl('rtsp://h/s/stream=0', 'rtsp://h/s/stream=0/'));
  assert.ok(sameControlUrl('trackID=1', 'rtsp://h/s/trackID=1'));
  assert.ok(sameControlUrl('rtsp://192.168.1.5/s/v', 'rtsp://camera.local/s/v'));
  assert.ok(!sameControlUrl('trackID=1', 'rtsp://h/s/trackID=2'));
});
