import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OnvifProfileInfo } from '../../src-shared/api.js';
import {
  GET_PROFILES,
  chooseMainAndSub,
  expectResponse,
  getStreamUriCall,
  readDeviceInformation,
  readMediaXaddr,
  readProfiles,
  readStreamUri,
  readSystemDateAndTime,
} from '../../src-main/discovery/onvif-media.js';
import { readSoapBody } from '../../src-main/discovery/soap-envelope.js';
import { parseXml, textAt } from '../../src-main/discovery/xml-reader.js';
import { onvifFixture } from './support.js';

const body = (name: string) => readSoapBody(onvifFixture(name), name).element;

test('GetProfiles: encoder, resolution, frame rate, bitrate and video source per profile; H.264 only is supported', () => {
  const profiles = readProfiles(body('getprofiles-mixed-encoders.xml'), 'cam');
  assert.deepEqual(
    profiles.map((p) => [
      p.token,
      p.name,
      p.encoding,
      p.width,
      p.height,
      p.fps,
      p.bitrateKbps,
      p.supported,
      p.videoSource,
    ]),
    [
      ['Profile_1', 'mainStream', 'H264', 2560, 1440, 25, 4096, true, 'VideoSource_1'],
      ['Profile_2', 'subStream', 'H264', 640, 360, 15.5, 512, true, 'VideoSource_1'],
      ['Profile_3', 'thirdStream', 'H265', 1280, 720, 25, 1024, false, 'VideoSource_1'],
      ['Metadata_only', 'Events & analytics', null, null, null, null, null, false, null],
    ],
  );
});

test('GetProfiles: a profile without token is refused; absurd numbers become null', () => {
  const noToken = onvifFixture('getprofiles-mixed-encoders.xml').replace('token="Profile_2" ', '');
  assert.throws(() => readProfiles(readSoapBody(noToken, 'x').element, 'cam'), /a profile without a usable token/);
  const absurd = onvifFixture('getprofiles-mixed-encoders.xml')
    .replace('<tt:Width>2560</tt:Width>', '<tt:Width>-5</tt:Width>')
    .replace('<tt:FrameRateLimit>25</tt:FrameRateLimit>', '<tt:FrameRateLimit>1e9</tt:FrameRateLimit>');
  const [first] = readProfiles(readSoapBody(absurd, 'x').element, 'cam');
  assert.equal(first!.width, null);
  assert.equal(first!.fps, null);
  assert.equal(first!.height, 1440);
});

test('GetStreamUri: the address with its query decoded; a non-RTSP address is refused', () => {
  assert.equal(
    readStreamUri(body('getstreamuri.xml'), 'cam'),
    'rtsp://192.0.2.64:554/cam/realmonitor?channel=1&subtype=0&unicast=true&proto=Onvif',
  );
  const http = onvifFixture('getstreamuri.xml').replace(/rtsp:\/\/[^<]*/, 'http://192.0.2.64/mjpeg');
  assert.throws(() => readStreamUri(readSoapBody(http, 'x').element, 'cam'), /is not rtsp:\/\/ or rtsps:\/\//);
  const none = onvifFixture('getstreamuri.xml').replace(/<tt:Uri>[^<]*<\/tt:Uri>/, '');
  assert.throws(() => readStreamUri(readSoapBody(none, 'x').element, 'cam'), /no MediaUri\/Uri/);
});

test('GetStreamUri asks for RTP-Unicast over RTSP for one profile token, escaped', () => {
  const call = getStreamUriCall('a&b');
  const request = parseXml(call.body);
  assert.equal(textAt(request, 'ProfileToken'), 'a&b');
  assert.equal(textAt(request, 'StreamSetup', 'Stream'), 'RTP-Unicast');
  assert.equal(textAt(request, 'StreamSetup', 'Transport', 'Protocol'), 'RTSP');
});

test("GetCapabilities gives the media service address; GetSystemDateAndTime the camera's UTC clock", () => {
  assert.equal(readMediaXaddr(body('getcapabilities.xml')), 'http://192.0.2.64:8000/onvif/Media');
  assert.equal(readSystemDateAndTime(body('getsystemdateandtime.xml')), Date.UTC(2026, 1, 28, 3, 4, 5));
  const broken = onvifFixture('getsystemdateandtime.xml').replace('<tt:Month>2</tt:Month>', '<tt:Month>13</tt:Month>');
  assert.equal(readSystemDateAndTime(readSoapBody(broken, 'x').element), null);
});

test('device information: manufacturer, model, firmware, null when absent', () => {
  const info = readDeviceInformation(
    parseXml('<r><Manufacturer>Acme</Manufacturer><Model> X-1 </Model><FirmwareVersion></FirmwareVersion></r>'),
  );
  assert.deepEqual(info, { manufacturer: 'Acme', model: 'X-1', firmware: null });
});

test('an answer of another operation is refused by name', () => {
  assert.throws(
    () => expectResponse(body('getstreamuri.xml'), GET_PROFILES, 'cam'),
    /cam: expected <GetProfilesResponse>, got <GetStreamUriResponse>/,
  );
});

test('main is the largest supported profile; sub the smallest other one of the same source', () => {
  const p = (
    token: string,
    w: number,
    h: number,
    o: Partial<OnvifProfileInfo & { videoSource: string | null }> = {},
  ): OnvifProfileInfo & { videoSource: string | null } => ({
    token,
    name: token,
    encoding: 'H264',
    width: w,
    height: h,
    fps: 25,
    bitrateKbps: 1000,
    uri: `rtsp://cam/${token}`,
    problem: null,
    supported: true,
    videoSource: 'V1',
    ...o,
  });
  assert.deepEqual(chooseMainAndSub([p('sub', 640, 360), p('main', 1920, 1080), p('mid', 1280, 720)]), {
    main: 'rtsp://cam/main',
    sub: 'rtsp://cam/sub',
  });
  assert.deepEqual(
    chooseMainAndSub([
      p('h265', 3840, 2160, { encoding: 'H265', supported: false }),
      p('main', 1920, 1080),
      p('other-lens', 320, 240, { videoSource: 'V2' }),
      p('nouri', 160, 120, { uri: null }),
    ]),
    { main: 'rtsp://cam/main', sub: null },
  );
  assert.deepEqual(chooseMainAndSub([]), { main: null, sub: null });
});
