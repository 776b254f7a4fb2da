import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { SdpParseError, parseFmtp, parseSdp, selectH264Track } from '../../src-main/rtsp/sdp.js';

const code = (c: string) => (e: unknown) => e instanceof ThinStreamError && e.code === c;

test('reads bare LF, CR, a BOM, trailing spaces and garbage lines', () => {
  const sdp = parseSdp(
    '\uFEFFv=0\r\ns=cam \rgarbage line\nm=video 0 RTP/AVP 96  \na=rtpmap:96 H264/90000 \na=control: trackID=1 \n',
  );
  assert.equal(sdp.sessionName, 'cam');
  assert.equal(sdp.skippedLines, 1);
  assert.equal(sdp.media[0]?.control, 'trackID=1');
  assert.deepEqual(sdp.media[0]?.rtpmap.get(96), { encoding: 'H264', clockRate: 90000 });
});

test('attributes may come before or after rtpmap; fmtp names are case-insensitive', () => {
  const sdp = parseSdp(
    'v=0\nm=video 0 RTP/AVP 97\na=fmtp:97 Packetization-Mode=1; SPROP-PARAMETER-SETS=Z0IA,aM4=\na=control:v\na=rtpmap:97 h264/90000\n',
  );
  const track = selectH264Track(sdp, 'cam/1');
  assert.equal(track.payloadType, 97);
  assert.equal(track.packetizationMode, 1);
  assert.equal(track.spropParameterSets, 'Z0IA,aM4=');
});

test('a dynamic type without rtpmap but with H.264 fmtp is taken as H.264 (quirk rtpmap-missing)', () => {
  const track = selectH264Track(parseSdp('v=0\nm=video 0 RTP/AVP 96\na=fmtp:96 packetization-mode=1\n'), 'cam/1');
  assert.equal(track.payloadType, 96);
  assert.deepEqual(track.quirks, ['rtpmap-missing']);
});

test('no video is SDP_NO_VIDEO, naming what there is; MJPEG and H.265 are CODEC_UNSUPPORTED', () => {
  assert.throws(
    () => selectH264Track(parseSdp('v=0\nm=audio 0 RTP/AVP 0\n'), 'cam/1'),
    (e) => code('SDP_NO_VIDEO')(e) && /cam\/1.*audio/.test((e as Error).message),
  );
  assert.throws(
    () => selectH264Track(parseSdp('v=0\nm=video 0 RTP/AVP 26\n'), 'cam/1'),
    (e) => code('CODEC_UNSUPPORTED')(e) && /JPEG/.test((e as Error).message),
  );
  assert.throws(
    () => selectH264Track(parseSdp('v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n'), 'cam/1'),
    code('CODEC_UNSUPPORTED'),
  );
});

test('the first H.264 format wins when a video section lists several', () => {
  const sdp = parseSdp('v=0\nm=video 0 RTP/AVP 26 98 96\na=rtpmap:98 H265/90000\na=rtpmap:96 H264/90000\n');
  assert.equal(selectH264Track(sdp, 'cam/1').payloadType, 96);
});

test('HTML or empty text is not SDP', () => {
  assert.throws(
    () => parseSdp('<html><body>Not found</body></html>'),
    (e) => e instanceof SdpParseError,
  );
  assert.throws(
    () => parseSdp(''),
    (e) => e instanceof SdpParseError && e.code === 'SDP_INVALID',
  );
});

test('fmtp ignores empty parts and never writes __proto__', () => {
  const params = parseFmtp(';;packetization-mode=1;__proto__=x; flag ;');
  assert.equal(params['packetization-mode'], '1');
  assert.equal(params['flag'], '');
  assert.equal(Object.getPrototypeOf(params), Object.prototype);
});
