/**
 * The client's view of the real camera corpus (test/fixtures/rtsp/, values in expected.json written by
 * hand): every DESCRIBE and SDP yields the H.264 track with the control URL cameras expect, its payload
 * type, clock rate and parameter sets, or the right refusal; every Session header its id and timeout;
 * every RTP-Info its entries, and the entry for the track set up.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { RtspStreamParser, type RtspResponse } from '../../src-main/rtsp/message.js';
import { resolveControlUrls } from '../../src-main/rtsp/control-url.js';
import { findRtpInfoFor, parseRtpInfoHeader } from '../../src-main/rtsp/rtp-info-header.js';
import { parseSdp, selectH264Track } from '../../src-main/rtsp/sdp.js';
import { parseSessionHeader } from '../../src-main/rtsp/session-header.js';
import { RtspAuthenticator } from '../../src-main/rtsp/rtsp-auth.js';
import { readDescribeAnswer, readPlayAnswer, readSetupAnswer } from '../../src-main/rtsp/session-answers.js';
import { listRtspFixtures, loadRtspFixture, loadRtspManifest, type ExpectedFixture } from '../support/rtsp-fixtures.js';

const manifest = loadRtspManifest();
const names = listRtspFixtures();

function expected(name: string): ExpectedFixture {
  const e = manifest.fixtures[name];
  if (!e) throw new Error(`${name} has no entry in expected.json`);
  return e;
}

function response(name: string): RtspResponse {
  let found: RtspResponse | undefined;
  const parser = new RtspStreamParser({
    onMessage: (m) => {
      if (m.kind === 'response') found = m;
    },
    onInterleaved: () => undefined,
  });
  parser.push(loadRtspFixture(name).bytes);
  if (!found) throw new Error(`${name}: no response parsed`);
  return found;
}

describe('DESCRIBE and SDP: the H.264 track and its control URL', () => {
  for (const name of names.filter((n) => expected(n).describe !== undefined)) {
    const d = expected(name).describe!;
    test(`${name}: ${d.h264 ? `H.264 pt ${d.h264.payloadType} at ${d.h264.controlUrl}` : `refused (${d.videoCodec})`}`, () => {
      const kind = expected(name).kind;
      const r = kind === 'sdp' ? undefined : response(name);
      const sdpText = r ? new TextDecoder().decode(r.body) : loadRtspFixture(name).text;
      const sdp = parseSdp(sdpText);
      assert.deepEqual(
        sdp.media.map((m) => m.type),
        d.media.map((m) => m.toLowerCase()),
      );
      if (d.h264 === null) {
        assert.throws(
          () => selectH264Track(sdp, 'cam/1'),
          (e) =>
            e instanceof ThinStreamError &&
            e.code === 'CODEC_UNSUPPORTED' &&
            e.message.includes(d.videoCodec ?? '') &&
            e.message.includes('cam/1'),
        );
        return;
      }
      const h = d.h264;
      const track = selectH264Track(sdp, 'cam/1');
      assert.equal(track.payloadType, h.payloadType);
      assert.equal(track.clockRate, h.clockRate);
      assert.equal(track.control, h.control);
      if (d.misplacedFmtp) {
        assert.equal(track.spropParameterSets, d.misplacedFmtp.spropParameterSets);
        assert.equal(track.packetizationMode, d.misplacedFmtp.packetizationMode);
        assert.ok(track.quirks.includes('fmtp-misplaced'));
      } else {
        assert.equal(track.spropParameterSets ?? null, h.spropParameterSets);
        assert.equal(track.packetizationMode, h.packetizationMode ?? 0);
        assert.equal(track.profileLevelId ?? null, h.profileLevelId);
      }
      const urls = resolveControlUrls({
        requestUrl: d.requestUrl,
        contentBase: r?.headers.get('content-base'),
        contentLocation: r?.headers.get('content-location'),
        sessionControl: sdp.control,
        mediaControl: track.control,
      });
      assert.equal(urls.base, d.base.url);
      assert.equal(urls.track, h.controlUrl);
      if (r) {
        // The same through what the session itself reads from a DESCRIBE answer.
        const answer = readDescribeAnswer(r, d.requestUrl, 'cam/1');
        assert.equal(answer.track.payloadType, h.payloadType);
        assert.equal(answer.urls.track, h.controlUrl);
        assert.equal(answer.sdp, sdpText);
        const names = answer.quirks.map(([name]) => name);
        assert.equal(names.includes('content-type-missing'), r.headers.get('content-type') === undefined);
        assert.equal(names.includes('sdp-extra-media'), d.media.length > 1);
      }
    });
  }
});

describe('Session headers: id and timeout', () => {
  for (const name of names) {
    const e = expected(name);
    const session = e.setup?.session ?? e.play?.session;
    const header = e.setup?.sessionHeader ?? e.play?.sessionHeader;
    if (session === undefined || header === undefined) continue;
    test(`${name}: ${session.id}${session.timeoutSec === null ? '' : `, ${session.timeoutSec} s`}`, () => {
      const parsed = parseSessionHeader(header);
      assert.deepEqual(
        parsed,
        session.timeoutSec === null ? { id: session.id } : { id: session.id, timeoutSec: session.timeoutSec },
      );
    });
  }
});

describe('RTP-Info: entries, and the one for the track', () => {
  for (const name of names) {
    const rtpInfo = expected(name).play?.rtpInfo;
    if (rtpInfo === undefined || rtpInfo === null) continue;
    test(`${name}: ${rtpInfo.length} entr${rtpInfo.length === 1 ? 'y' : 'ies'}`, () => {
      const kind = expected(name).kind;
      const value =
        kind === 'rtp-info-header' ? loadRtspFixture(name).text.trim() : response(name).headers.get('rtp-info');
      assert.ok(value !== undefined);
      const entries = parseRtpInfoHeader(value);
      assert.equal(entries.length, rtpInfo.length);
      rtpInfo.forEach((want, i) => {
        const got = entries[i]!;
        assert.equal(got.url, want.url);
        assert.equal(got.seq ?? null, want.seq);
        assert.equal(got.rtptime ?? null, want.rtptime);
        assert.equal(got.ssrc ?? null, want.ssrc);
        // A track URL written as the camera wrote it finds its own entry.
        const trackUrl = /^rtsps?:/i.test(want.url) ? want.url : `rtsp://cam/stream/${want.url}`;
        assert.equal(findRtpInfoFor(entries, trackUrl), got);
      });
    });
  }
});

test('every 401 in the corpus is answered with credentials', () => {
  const unauthorized = names.filter((n) => expected(n).unauthorized !== undefined);
  assert.ok(unauthorized.length > 0);
  for (const name of unauthorized) {
    const auth = new RtspAuthenticator('admin', 'secret', () => 'c0ffee');
    assert.equal(auth.onUnauthorized([expected(name).unauthorized!.wwwAuthenticate], false), 'retry', name);
    assert.match(auth.authorization('DESCRIBE', 'rtsp://cam/stream') ?? '', /^(Digest username="admin"|Basic )/);
  }
});

describe('SETUP answers as the session reads them: transport, channels, session', () => {
  for (const name of names.filter((n) => expected(n).kind === 'setup')) {
    const e = expected(name).setup!;
    test(`${name}: ${e.transport.lowerTransport}`, () => {
      const offered = e.transport.lowerTransport === 'TCP' ? 'tcp' : 'udp';
      const answer = readSetupAnswer(response(name), offered);
      assert.equal(answer.transport, offered);
      if (offered === 'tcp') assert.deepEqual(answer.channels, e.transport.interleaved ?? [0, 1]);
      assert.equal(answer.spec?.ssrc ?? null, e.transport.ssrc);
      assert.equal(answer.session?.id, e.session?.id);
      const names = answer.quirks.map(([q]) => q);
      assert.equal(names.includes('ssrc-decimal'), e.transport.ssrcFormat === 'decimal');
      assert.equal(names.includes('ssrc-0x-prefix'), e.transport.ssrcFormat === '0x');
      assert.equal(names.includes('session-missing'), e.session === undefined);
    });
  }
});

describe('PLAY answers paired with their DESCRIBE: the RTP-Info entry of the track set up', () => {
  for (const name of names.filter((n) => expected(n).play?.pairedDescribe !== undefined)) {
    const play = expected(name).play!;
    test(`${name} with ${play.pairedDescribe}: entry ${play.videoEntry ?? 'none by URL'}`, () => {
      const d = expected(play.pairedDescribe!).describe!;
      const trackUrl = readDescribeAnswer(response(play.pairedDescribe!), d.requestUrl, 'cam/1').urls.track;
      const answer = readPlayAnswer(response(name), trackUrl);
      const entries = play.rtpInfo ?? [];
      const want =
        play.videoEntry !== null && play.videoEntry !== undefined
          ? entries[play.videoEntry]
          : entries.length === 1
            ? entries[0] // one entry naming another URL: taken, as it can only be the one track set up
            : undefined;
      if (want === undefined) {
        assert.deepEqual(answer.rtpInfo, {});
        assert.deepEqual(
          answer.quirks.map(([q]) => q),
          ['rtp-info-unmatched'],
        );
        return;
      }
      assert.equal(answer.rtpInfo.seq ?? null, want.seq);
      assert.equal(answer.rtpInfo.rtptime ?? null, want.rtptime);
      assert.equal(answer.ssrc ?? null, want.ssrc);
    });
  }
});
