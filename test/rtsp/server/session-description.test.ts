/**
 * The camera's SDP (RFC 4566, RFC 6184 §8.2.1) and response writing: the well-behaved form and what the
 * SDP and response quirks change in it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuirks } from '../../../src-main/rtsp/server/quirks.js';
import { writeResponse } from '../../../src-main/rtsp/server/response-writer.js';
import { buildSessionDescription, type DescriptionInput } from '../../../src-main/rtsp/server/session-description.js';

const input = (quirks: string[] = []): DescriptionInput => ({
  sessionId: '1700000000000',
  address: '127.0.0.1',
  baseUrl: 'rtsp://127.0.0.1:8554/cam1/',
  fps: 25,
  width: 640,
  height: 360,
  profileLevelId: '4d401e',
  spropParameterSets: 'Z01AHg==,aO48gA==',
  quirks: parseQuirks(quirks),
});

describe('session description', () => {
  it('describes one H.264 video track with fmtp, an absolute control URL, frame rate and size', () => {
    assert.equal(
      buildSessionDescription(input()),
      [
        'v=0',
        'o=- 1700000000000 1 IN IP4 127.0.0.1',
        's=ThinStream test camera',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'a=tool:ThinStream',
        'a=control:*',
        'a=range:npt=0-',
        'm=video 0 RTP/AVP 96',
        'a=rtpmap:96 H264/90000',
        'a=fmtp:96 packetization-mode=1;profile-level-id=4d401e;sprop-parameter-sets=Z01AHg==,aO48gA==',
        'a=control:rtsp://127.0.0.1:8554/cam1/trackID=0',
        'a=framerate:25',
        'a=x-dimensions:640,360',
        'a=recvonly',
        '',
      ].join('\r\n'),
    );
  });

  it('writes IP6 for an IPv6 address and a fractional frame rate', () => {
    const sdp = buildSessionDescription({ ...input(), address: '::1', fps: 30000 / 1001 });
    assert.match(sdp, /^o=- \d+ 1 IN IP6 ::1\r\n/m);
    assert.match(sdp, /^a=framerate:29\.97\r\n/m);
  });

  it('no-sprop and stale-sprop change only the parameter sets', () => {
    assert.match(
      buildSessionDescription(input(['no-sprop'])),
      /a=fmtp:96 packetization-mode=1;profile-level-id=4d401e\r\n/,
    );
    const stale = buildSessionDescription(input(['stale-sprop']));
    assert.ok(!stale.includes('Z01AHg=='));
    assert.match(stale, /sprop-parameter-sets=Z0LADdkBYJbARAAAAwAEAAADAMg8UKkg,aMuDyyA=/);
  });

  it('no-content-base and relative-control make the video control relative', () => {
    for (const q of ['no-content-base', 'relative-control']) {
      assert.match(buildSessionDescription(input([q])), /\r\na=control:trackID=0\r\n/);
    }
  });

  it('extra-media adds audio before and ONVIF metadata after the video; bare-lf uses LF only', () => {
    const sdp = buildSessionDescription(input(['extra-media', 'bare-lf']));
    assert.ok(!sdp.includes('\r'));
    assert.deepEqual(
      [...sdp.matchAll(/^m=.*$/gm)].map((m) => m[0]),
      ['m=audio 0 RTP/AVP 0', 'm=video 0 RTP/AVP 96', 'm=application 0 RTP/AVP 107'],
    );
  });
});

describe('response writer', () => {
  const response = {
    status: 200,
    headers: [
      ['CSeq', '3'],
      ['Content-Type', 'application/sdp'],
    ] as Array<[string, string]>,
    body: 'v=0\r\n',
  };
  const text = (quirks: string[]): string => new TextDecoder().decode(writeResponse(response, parseQuirks(quirks)));

  it('writes CRLF, canonical names and the Content-Length of the body', () => {
    assert.equal(
      text([]),
      'RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n',
    );
  });

  it('bare-lf ends head lines with LF and lowercase-headers lowers the names, the body untouched', () => {
    assert.equal(
      text(['bare-lf']),
      'RTSP/1.0 200 OK\nCSeq: 3\nContent-Type: application/sdp\nContent-Length: 5\n\nv=0\r\n',
    );
    assert.equal(
      text(['lowercase-headers']),
      'RTSP/1.0 200 OK\r\ncseq: 3\r\ncontent-type: application/sdp\r\ncontent-length: 5\r\n\r\nv=0\r\n',
    );
  });
});
