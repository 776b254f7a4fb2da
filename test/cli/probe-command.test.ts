import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exitCodeFor,
  formatProbe,
  parseProbeArgs,
  probeJson,
  type ProbeReport,
} from '../../src-main/cli/probe-command.js';

test('options: defaults, every flag, and one clear reason for each mistake', () => {
  assert.deepEqual(parseProbeArgs(['rtsp://cam/s']), {
    url: 'rtsp://cam/s',
    transport: 'auto',
    seconds: 5,
    json: false,
    timeoutMs: 5000,
  });
  assert.deepEqual(
    parseProbeArgs([
      '--json',
      '--transport',
      'tcp',
      'rtsp://cam/s',
      '--seconds',
      '2.5',
      '--user',
      'u',
      '--password',
      'p',
      '--timeout-ms',
      '800',
    ]),
    { url: 'rtsp://cam/s', transport: 'tcp', seconds: 2.5, json: true, timeoutMs: 800, user: 'u', password: 'p' },
  );
  for (const [args, reason] of [
    [[], /no camera URL/],
    [['a', 'b'], /one URL only/],
    [['rtsp://x', '--seconds'], /--seconds needs a value/],
    [['rtsp://x', '--seconds', '0'], /--seconds 0: expected a number above 0/],
    [['rtsp://x', '--transport', 'http'], /expected udp, tcp or auto/],
    [['rtsp://x', '--verbose'], /unknown option --verbose/],
  ] as const) {
    assert.throws(() => parseProbeArgs([...args]), reason);
  }
});

test('exit codes by kind of failure', () => {
  assert.equal(exitCodeFor('URL_INVALID'), 2);
  assert.equal(exitCodeFor('RTSP_AUTH_REFUSED'), 3);
  assert.equal(exitCodeFor('RTSP_TIMEOUT'), 4);
  assert.equal(exitCodeFor('RTP_NO_DATA'), 4);
  assert.equal(exitCodeFor('CODEC_UNSUPPORTED'), 5);
  assert.equal(exitCodeFor('SDP_NO_VIDEO'), 5);
  assert.equal(exitCodeFor('RTSP_CONNECT_FAILED'), 1);
  assert.equal(exitCodeFor('TLS_FAILED'), 1);
});

test('--json has exactly the documented keys; the table has a line for each', () => {
  const report: ProbeReport = {
    codec: 'h264',
    profile: 'High',
    width: 1920,
    height: 1080,
    fps: 25,
    frames: 126,
    keyframes: 3,
    bitrateKbps: 4012,
    lostPackets: 0,
    transport: 'udp',
    firstFrameMs: 212,
    quirks: ['content-base-missing'],
    level: '4',
    codecString: 'avc1.640028',
    receiveMs: 5003,
  };
  assert.deepEqual(Object.keys(probeJson(report)), [
    'codec',
    'profile',
    'width',
    'height',
    'fps',
    'frames',
    'keyframes',
    'bitrateKbps',
    'lostPackets',
    'transport',
    'firstFrameMs',
    'quirks',
  ]);
  const text = formatProbe(report);
  assert.match(text, /^codec {8}h264 \(avc1\.640028\)$/m);
  assert.match(text, /^profile {6}High, level 4$/m);
  assert.match(text, /^resolution {3}1920x1080$/m);
  assert.match(text, /^bitrate {6}4012 kbit\/s over 5\.0 s$/m);
  assert.match(text, /^quirks {7}content-base-missing$/m);
});
