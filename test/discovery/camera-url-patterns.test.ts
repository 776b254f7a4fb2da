import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAMERA_URL_PATTERNS, brandHint, findUrlPattern, patternUrls } from '../../src-shared/camera-url-patterns.js';
import { parseRtspUrl } from '../../src-main/rtsp/rtsp-url.js';

test('every brand the brief names has a pattern with main and sub addresses that the RTSP client parses', () => {
  for (const id of [
    'hikvision',
    'dahua',
    'reolink',
    'foscam',
    'tapo',
    'uniview',
    'axis',
    'ubiquiti',
    'generic-hisilicon',
  ]) {
    assert.ok(findUrlPattern(id), id);
  }
  const ids = new Set<string>();
  for (const pattern of CAMERA_URL_PATTERNS) {
    assert.ok(!ids.has(pattern.id), `unique id ${pattern.id}`);
    ids.add(pattern.id);
    for (const channel of [1, 2, 16]) {
      const urls = patternUrls(pattern, '192.0.2.10', channel);
      for (const url of [urls.main, urls.sub]) {
        if (url === null) continue;
        assert.doesNotMatch(url, /[{}]/, `${pattern.id}: every placeholder filled in ${url}`);
        const parsed = parseRtspUrl(url);
        assert.equal(parsed.host, '192.0.2.10');
        assert.equal(parsed.port, pattern.port);
      }
      assert.notEqual(urls.main, urls.sub, pattern.id);
    }
    assert.ok(pattern.note.length > 10, `${pattern.id} says something useful`);
  }
});

test('channel placeholders: Hikvision 101/1602, Reolink 01, zero-based DVR 00; a port override; IPv6 in brackets', () => {
  const hik = findUrlPattern('hikvision')!;
  assert.deepEqual(patternUrls(hik, 'cam.local'), {
    patternId: 'hikvision',
    main: 'rtsp://cam.local:554/Streaming/Channels/101',
    sub: 'rtsp://cam.local:554/Streaming/Channels/102',
  });
  assert.equal(patternUrls(hik, 'h', 16).sub, 'rtsp://h:554/Streaming/Channels/1602');
  assert.equal(patternUrls(findUrlPattern('reolink')!, 'h').main, 'rtsp://h:554/h264Preview_01_main');
  assert.equal(patternUrls(findUrlPattern('generic-live-ch')!, 'h', 3).main, 'rtsp://h:554/live/ch02_0');
  assert.equal(
    patternUrls(findUrlPattern('dahua')!, '2001:db8::1', 2, 8554).main,
    'rtsp://[2001:db8::1]:8554/cam/realmonitor?channel=2&subtype=0',
  );
  assert.equal(patternUrls(findUrlPattern('foscam')!, 'h').main, 'rtsp://h:88/videoMain');
});

test("a camera's ONVIF name or model points at its brand's pattern", () => {
  assert.equal(brandHint('HIKVISION DS-2CD2143G2-I'), 'hikvision');
  assert.equal(brandHint(null, 'IPC-HDW3849H-AS-PV'), 'dahua');
  assert.equal(brandHint('Amcrest'), 'dahua');
  assert.equal(brandHint(undefined, 'AXIS M3045-V'), 'axis');
  assert.equal(brandHint('Tapo C200'), 'tapo');
  assert.equal(brandHint('RLC-810A'), 'reolink');
  assert.equal(brandHint('IPC', 'SIM-1'), null);
  assert.equal(brandHint(), null);
});
