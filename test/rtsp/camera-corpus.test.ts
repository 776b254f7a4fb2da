/**
 * Every real camera answer in test/fixtures/rtsp/ goes through the parsers the client uses: DESCRIBE
 * yields the H.264 track with the right control URL, payload type, clock rate and parameter sets (or
 * the right refusal); SETUP yields transport, channels or ports, SSRC and session; PLAY yields RTP-Info.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { resolveControlUrls } from '../../src-main/rtsp/control-url.js';
import { findRtpInfoFor, parseRtpInfoHeader } from '../../src-main/rtsp/rtp-info-header.js';
import { parseSdp, selectH264Track } from '../../src-main/rtsp/sdp.js';
import { parseSessionHeader } from '../../src-main/rtsp/session-header.js';
import { parseTransportHeader } from '../../src-main/rtsp/transport-header.js';
import { RtspAuthenticator } from '../../src-main/rtsp/rtsp-auth.js';
import { bodyText, fixtureNames, fixtureText, loadResponse } from './fixtures.js';

interface DescribeExpectation {
  requestUrl: string;
  track?: string;
  aggregate?: string;
  payloadType?: number;
  clockRate?: number;
  sprop?: string | null;
  packetizationMode?: number;
  quirks?: string[];
  error?: 'CODEC_UNSUPPORTED' | 'SDP_NO_VIDEO';
}

const DESCRIBE: Record<string, DescribeExpectation> = {
  'anjvision-ipc-h265-describe.txt': {
    requestUrl: 'rtsp://192.168.1.10:554/stream0',
    track: 'rtsp://192.168.1.10:554/stream0/trackID=1',
    quirks: ['content-base-no-scheme'],
    error: 'CODEC_UNSUPPORTED',
  },
  'dahua-ipc-describe.txt': {
    requestUrl: 'rtsp://192.168.5.111:554/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif',
    track: 'rtsp://192.168.5.111:554/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif/trackID=0',
    aggregate: 'rtsp://192.168.5.111:554/cam/realmonitor?channel=1&subtype=1&unicast=true&proto=Onvif/',
    payloadType: 96,
    sprop: 'Z2QAHqwsaoLA9puCgIKgAAADACAAAAMD0IAA,aO4xshsA',
  },
  'foscam-fi9821-describe.txt': {
    requestUrl: 'rtsp://192.168.5.107:65534/videoMain',
    track: 'rtsp://192.168.5.107:65534/videoMain/track1',
    payloadType: 96,
    sprop: 'Z00AH5WoFAFuQA==,aO48gA==',
  },
  'gstreamer-rtsp-server-describe.txt': {
    requestUrl: 'rtsp://127.0.0.1:43833/stream',
    track: 'rtsp://127.0.0.1:43833/stream/stream=0',
    aggregate: 'rtsp://127.0.0.1:43833/stream/',
    payloadType: 96,
    sprop: 'Z0LAH9oBQBbsBagICAoAAAMAAgAAAwBlHjBlQA==,aM48gA==',
  },
  'gwsecurity-gw4089ip-describe.txt': {
    requestUrl: 'rtsp://192.168.1.110:5050/H264?channel=1&subtype=0&unicast=true&proto=Onvif',
    track: 'rtsp://192.168.1.110:5050/H264?channel=1&subtype=0&unicast=true&proto=Onvif/video',
    payloadType: 96,
    quirks: ['content-base-no-trailing-slash'],
  },
  'h264dvr-xmeye-describe.txt': {
    requestUrl: 'rtsp://192.168.168.100:554/camera',
    track: 'rtsp://127.0.0.1:554/camera/trackID=3',
    payloadType: 96,
    sprop: 'Z0IAKZY1QPAET8s3AQEBQAAAAwBAAAAHoQ==,aM4xsg==',
    quirks: ['content-base-no-trailing-slash'],
  },
  'hikvision-ds2cd-describe.txt': {
    requestUrl: 'rtsp://192.168.5.106:554/Streaming/Channels/101',
    track: 'rtsp://192.168.5.106:554/Streaming/Channels/101/trackID=1?transportmode=unicast&profile=Profile_1',
    aggregate: 'rtsp://192.168.5.106:554/Streaming/Channels/101/?transportmode=unicast&profile=Profile_1',
    payloadType: 96,
    sprop: 'Z00AKZpkA8ARPyzUBAQFAAADA+gAAOpgBA==,aO48gA==',
  },
  'ipcam-c9f0sez3n0pbl0-describe.txt': {
    requestUrl: 'rtsp://192.168.1.67:554/user=admin_password=_channel=1_stream=0.sdp',
    track: 'rtsp://192.168.1.67:554/user=admin_password=_channel=1_stream=0.sdp/trackID=1',
    payloadType: 96,
    quirks: ['content-base-missing', 'content-base-no-trailing-slash'],
  },
  'libavformat-server-describe.txt': {
    requestUrl: 'rtsp://192.168.1.101:8554/live',
    track: 'rtsp://192.168.1.101:8554/live/streamid=0',
    payloadType: 96,
    sprop: 'Z2QADazZQUGfnwEQAAADABAAAAMDwPFCmWA=,aOvjyyLA',
    quirks: ['content-base-missing', 'content-base-no-trailing-slash'],
  },
  'macrovideo-ipc-describe.txt': {
    requestUrl: 'rtsp://192.168.1.100/stream1',
    track: 'rtsp://192.168.1.100/stream1/track1',
    payloadType: 96,
    sprop: 'J03gKI1oBQBboQAAAwABAAADACgPFCKg,KO4BNJI=',
    quirks: ['content-base-missing', 'content-base-no-trailing-slash'],
  },
  'reolink-rlc-control-first-describe.txt': {
    requestUrl: 'rtsp://192.168.5.206/h264Preview_01_main',
    track: 'rtsp://192.168.5.206/h264Preview_01_main/trackID=1',
    payloadType: 96,
    sprop: 'Z2QAM6zoAoALWQ==,aO48MA==',
  },
  'reolink-rlc-describe.txt': {
    requestUrl: 'rtsp://192.168.5.206/h264Preview_01_main',
    track: 'rtsp://192.168.5.206/h264Preview_01_main/trackID=1',
    payloadType: 96,
    sprop: 'Z2QAM6zoAoALWQ==,aO48MA==',
  },
  'vitek-vtc-h265-describe.txt': {
    requestUrl: 'rtsp://192.168.1.123:554/chID=2&streamType=sub',
    error: 'CODEC_UNSUPPORTED',
  },
  'vstarcam-c7824-describe.txt': {
    requestUrl: 'rtsp://192.168.1.198:10554/tcp/av0_0',
    track: 'rtsp://192.168.1.198:10554/tcp/av0_0/track0',
    payloadType: 96,
    quirks: ['content-base-missing', 'content-base-no-trailing-slash'],
  },
};

test('the corpus covers every DESCRIBE fixture, from at least 20 camera makes and servers', () => {
  assert.deepEqual(fixtureNames('-describe.txt'), Object.keys(DESCRIBE).sort());
  assert.ok(new Set(fixtureNames('.txt').map((n) => n.split('-').slice(0, 2).join('-'))).size >= 20);
});

for (const [name, want] of Object.entries(DESCRIBE)) {
  test(`DESCRIBE ${name}: ${want.error ?? `H.264 track at ${want.track}`}`, () => {
    const response = loadResponse(name);
    assert.equal(response.status, 200);
    const sdp = parseSdp(bodyText(response));
    if (want.track !== undefined) {
      const mediaControl = sdp.media.find((m) => m.type === 'video')?.control;
      const urls = resolveControlUrls({
        requestUrl: want.requestUrl,
        contentBase: response.headers.get('content-base'),
        contentLocation: response.headers.get('content-location'),
        sessionControl: sdp.control,
        mediaControl,
      });
      assert.equal(urls.track, want.track);
      if (want.aggregate !== undefined) assert.equal(urls.aggregate, want.aggregate);
      assert.deepEqual(urls.quirks, want.quirks ?? []);
    }
    if (want.error !== undefined) {
      assert.throws(
        () => selectH264Track(sdp, 'cam/1'),
        (e) => e instanceof ThinStreamError && e.code === want.error,
      );
      return;
    }
    const track = selectH264Track(sdp, 'cam/1');
    assert.equal(track.payloadType, want.payloadType);
    assert.equal(track.clockRate, want.clockRate ?? 90000);
    assert.equal(track.packetizationMode, want.packetizationMode ?? 1);
    if (want.sprop !== undefined) assert.equal(track.spropParameterSets ?? null, want.sprop);
  });
}

test('SDP bodies: H.264 behind two audio sections, absolute control, packetization-mode 0, H.265 refused', () => {
  const ubiquiti = selectH264Track(parseSdp(fixtureText('ubiquiti-unifi-sdp.txt')), 'cam/1');
  assert.equal(ubiquiti.payloadType, 97);
  assert.equal(ubiquiti.control, 'trackID=2');
  assert.equal(ubiquiti.ignoredMedia.length, 2);

  const geovision = selectH264Track(parseSdp(fixtureText('geovision-gvbx-sdp.txt')), 'cam/1');
  assert.equal(geovision.payloadType, 105);
  assert.equal(
    resolveControlUrls({ requestUrl: 'rtsp://192.168.5.237/media/video1', mediaControl: geovision.control }).track,
    'rtsp://192.168.5.237/media/video1/video',
  );

  const anpviz = selectH264Track(parseSdp(fixtureText('anpviz-ipc-sdp.txt')), 'cam/1');
  assert.equal(anpviz.packetizationMode, 0);
  assert.equal(anpviz.spropParameterSets, 'Z01AH5WgLASabAQ=,aO48gA==');

  assert.throws(
    () => selectH264Track(parseSdp(fixtureText('tplink-tapo-h265-sdp.txt')), 'cam/1'),
    (e) => e instanceof ThinStreamError && e.code === 'CODEC_UNSUPPORTED' && /H265/.test(e.message),
  );
});

interface SetupExpectation {
  transport: 'tcp' | 'udp';
  interleaved?: [number, number];
  serverPort?: [number, number];
  ssrc?: number;
  sessionId: string;
  timeoutSec?: number;
  source?: string;
}

const SETUP: Record<string, SetupExpectation> = {
  'dahua-ipc-setup.txt': {
    transport: 'tcp',
    interleaved: [0, 1],
    ssrc: 0x30a98ee7,
    sessionId: '634214675641',
    timeoutSec: 60,
  },
  'gstreamer-rtsp-server-tcp-setup.txt': {
    transport: 'tcp',
    interleaved: [0, 1],
    ssrc: 0x104ca512,
    sessionId: 'wRFM33HW4ISDPCb9',
  },
  'gstreamer-rtsp-server-udp-setup.txt': {
    transport: 'udp',
    serverPort: [48064, 48065],
    ssrc: 0xc2dfb910,
    sessionId: 'uZBXODX9L_g.YdvR',
  },
  'h264dvr-xmeye-udp-setup.txt': {
    transport: 'udp',
    serverPort: [40004, 40005],
    ssrc: 0,
    sessionId: '231970',
    timeoutSec: 60,
    source: '127.0.0.1',
  },
  'hikvision-ds2cd-setup.txt': {
    transport: 'tcp',
    interleaved: [0, 1],
    ssrc: 0x4cacc3d1,
    sessionId: '708345999',
    timeoutSec: 60,
  },
  'hikvision-ds2cd-ssrc-space-setup.txt': {
    transport: 'tcp',
    interleaved: [0, 1],
    ssrc: 0x0d6d6627,
    sessionId: '708886412',
    timeoutSec: 60,
  },
  'luckfox-rkipc-udp-setup.txt': {
    transport: 'udp',
    serverPort: [49152, 49153],
    ssrc: 0x22345685,
    sessionId: '12345678',
  },
  'reolink-rlc-setup.txt': { transport: 'tcp', interleaved: [0, 1], sessionId: 'F8F8E425', source: '192.168.5.206' },
  'rubetek-ipc-setup.txt': { transport: 'tcp', interleaved: [0, 1], ssrc: 0x6f7c, sessionId: '5657612475258969210' },
  'unknown-ipc-ssrc-4-hex-setup.txt': {
    transport: 'tcp',
    interleaved: [0, 1],
    ssrc: 0xa046,
    sessionId: '1066441024',
    timeoutSec: 60,
  },
};

test('the corpus covers every SETUP fixture', () => {
  assert.deepEqual(fixtureNames('-setup.txt'), Object.keys(SETUP).sort());
});

for (const [name, want] of Object.entries(SETUP)) {
  test(`SETUP ${name}: ${want.transport}, session ${want.sessionId}`, () => {
    const response = loadResponse(name);
    const spec = parseTransportHeader(response.headers.get('transport') ?? '')[0];
    assert.ok(spec);
    assert.equal(spec.lowerTransport === 'TCP' ? 'tcp' : 'udp', want.transport);
    assert.deepEqual(spec.interleaved, want.interleaved);
    assert.deepEqual(spec.serverPort, want.serverPort);
    assert.equal(spec.ssrc, want.ssrc);
    assert.equal(spec.source, want.source);
    const session = parseSessionHeader(response.headers.get('session') ?? '');
    assert.ok(session);
    assert.equal(session.id, want.sessionId);
    assert.equal(session.timeoutSec, want.timeoutSec);
  });
}

interface PlayExpectation {
  trackUrl: string;
  seq?: number;
  rtptime?: number;
  ssrc?: number;
  sessionId: string;
  timeoutSec?: number;
}

const PLAY: Record<string, PlayExpectation> = {
  'dahua-ipc-decimal-ssrc-play.txt': {
    trackUrl: 'rtsp://192.168.5.111:554/cam/realmonitor?channel=1&subtype=1/trackID=0',
    seq: 13210,
    rtptime: 1067824145,
    ssrc: 4294962989,
    sessionId: '555290206560',
  },
  'dahua-ipc-play.txt': {
    trackUrl: 'rtsp://192.168.5.111:554/cam/realmonitor?channel=1&subtype=1/trackID=0',
    seq: 47121,
    rtptime: 3475222385,
    sessionId: '634214684047',
  },
  'gstreamer-rtsp-server-play.txt': {
    trackUrl: 'rtsp://127.0.0.1:43833/stream/stream=0',
    seq: 16709,
    rtptime: 2857708989,
    sessionId: 'uZBXODX9L_g.YdvR',
  },
  'gwsecurity-gw4089ip-play.txt': {
    trackUrl: 'rtsp://192.168.1.110:5050/H264?channel=1&subtype=0&unicast=true&proto=Onvif/video',
    seq: 271,
    rtptime: 1621990950,
    sessionId: '9a90de54',
    timeoutSec: 120,
  },
  'h264dvr-xmeye-play.txt': { trackUrl: 'rtsp://127.0.0.1:554/camera/trackID=3', sessionId: '231970' },
  'hikvision-ds2cd-play.txt': {
    trackUrl: 'rtsp://192.168.5.106:554/Streaming/Channels/101/trackID=1?transportmode=unicast&profile=Profile_1',
    seq: 24104,
    rtptime: 1270711678,
    sessionId: '708345999',
  },
  'laureii-ipc-play.txt': {
    trackUrl: 'rtsp://192.168.1.19:554/0/main/trackID=0',
    seq: 0,
    rtptime: 0,
    sessionId: '1234567890',
  },
  'reolink-rlc-play.txt': {
    trackUrl: 'rtsp://192.168.5.206/h264Preview_01_main/trackID=1',
    seq: 16852,
    rtptime: 1070938629,
    ssrc: 0xdcc4a0d8,
    sessionId: 'F8F8E425',
  },
  'wowza-bad-rtptime-play.txt': {
    trackUrl: 'rtsp://wowzaec2demo.streamlock.net/vod/mp4:BigBuckBunny_115k.mov/trackID=1',
    seq: 1,
    sessionId: '551045787',
    timeoutSec: 60,
  },
};

test('the corpus covers every PLAY fixture', () => {
  assert.deepEqual(fixtureNames('-play.txt'), Object.keys(PLAY).sort());
});

for (const [name, want] of Object.entries(PLAY)) {
  test(`PLAY ${name}: ${want.seq === undefined ? 'no RTP-Info' : `seq ${want.seq}`}`, () => {
    const response = loadResponse(name);
    const header = response.headers.get('rtp-info');
    const entry = header === undefined ? undefined : findRtpInfoFor(parseRtpInfoHeader(header), want.trackUrl);
    assert.equal(entry?.seq, want.seq);
    assert.equal(entry?.rtptime, want.rtptime);
    assert.equal(entry?.ssrc, want.ssrc);
    const session = parseSessionHeader(response.headers.get('session') ?? '');
    assert.equal(session?.id, want.sessionId);
    assert.equal(session?.timeoutSec, want.timeoutSec);
  });
}

test('OPTIONS answers list GET_PARAMETER for keepalives', () => {
  for (const name of ['dahua-ipc-options.txt', 'gstreamer-rtsp-server-options.txt']) {
    assert.match(loadResponse(name).headers.get('public') ?? '', /\bGET_PARAMETER\b/, name);
  }
});

test('401 answers from real servers are answered with Digest credentials', () => {
  for (const name of ['gstreamer-rtsp-server-unauthorized.txt', 'longse-nvr-unauthorized.txt']) {
    const response = loadResponse(name);
    assert.equal(response.status, 401);
    const auth = new RtspAuthenticator('admin', 'secret', () => 'c0ffee');
    assert.equal(auth.onUnauthorized(response.headers.getAll('www-authenticate'), false), 'retry', name);
    assert.match(
      auth.authorization('DESCRIBE', 'rtsp://cam/stream') ?? '',
      /^Digest username="admin", realm="[^"]+", nonce="/,
    );
  }
});
