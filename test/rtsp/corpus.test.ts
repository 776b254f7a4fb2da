/**
 * Real cameras' RTSP responses (test/fixtures/rtsp/, collected from public RTSP projects' test data) fed to
 * our parsers and compared with expected.json, which was written by reading each response by hand:
 * message framing (RtspStreamParser), Transport (SSRC in every spelling), sprop-parameter-sets through the
 * H.264 SPS parser, and RTP-Info matched to the track of the same camera's DESCRIBE. The client's SDP,
 * control-URL, Session and RTP-Info parsers are compared with the same manifest in corpus-client.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RtspStreamParser, interleavedHeader, type RtspMessage } from '../../src-main/rtsp/message.js';
import { parseTransportHeader } from '../../src-main/rtsp/transport-header.js';
import { NalType, nalType } from '../../src-main/codec/h264/annexb.js';
import { parseSpropParameterSets } from '../../src-main/codec/h264/parameter-sets.js';
import { parseSps } from '../../src-main/codec/h264/sps.js';
import { resolveControlUrls, sameControlUrl } from '../../src-main/rtsp/control-url.js';
import { findRtpInfoFor, parseRtpInfoHeader } from '../../src-main/rtsp/rtp-info-header.js';
import { parseSdp, selectH264Track } from '../../src-main/rtsp/sdp.js';
import {
  listRtspFixtures,
  loadRtspFixture,
  loadRtspManifest,
  type ExpectedFixture,
  type ExpectedTransport,
  type RtspFixture,
} from '../support/rtsp-fixtures.js';

const manifest = loadRtspManifest();
const names = listRtspFixtures();
const fixtures = new Map<string, RtspFixture>(names.map((name) => [name, loadRtspFixture(name)]));

function expected(name: string): ExpectedFixture {
  const entry = manifest.fixtures[name];
  if (!entry) throw new Error(`${name} has no entry in expected.json`);
  return entry;
}

function fixture(name: string): RtspFixture {
  const f = fixtures.get(name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

const isWholeResponse = (kind: ExpectedFixture['kind']): boolean =>
  kind !== 'sdp' && kind !== 'transport-header' && kind !== 'rtp-info-header';

interface Parsed {
  messages: RtspMessage[];
  frames: Array<[number, Uint8Array]>;
  offset: number;
}

/** Feeds `bytes` in chunks of `chunkBytes` (the whole at once when 0). */
function parse(bytes: Uint8Array, chunkBytes = 0): Parsed {
  const messages: RtspMessage[] = [];
  const frames: Array<[number, Uint8Array]> = [];
  const parser = new RtspStreamParser({
    onMessage: (m) => messages.push(m),
    onInterleaved: (channel, data, start, end) => frames.push([channel, data.slice(start, end)]),
  });
  if (chunkBytes === 0) parser.push(bytes);
  else for (let i = 0; i < bytes.byteLength; i += chunkBytes) parser.push(bytes.subarray(i, i + chunkBytes));
  return { messages, frames, offset: parser.offset };
}

test('the corpus holds at least 20 distinct real camera models', () => {
  const models = new Set<string>();
  for (const name of names) {
    const e = expected(name);
    if (e.camera && e.vendor !== null) models.add(`${e.vendor}/${e.model ?? ''}`);
  }
  assert.ok(models.size >= 20, `only ${models.size} camera models: ${[...models].join(', ')}`);
});

test('every fixture has a provenance line and an entry in expected.json, and every entry a fixture', () => {
  assert.ok(names.length > 0);
  for (const name of names) {
    assert.match(name, /^[a-z0-9]+(-[a-z0-9]+)+\.txt$/, `${name}: <vendor>-<model>-<method>.txt in lower-case kebab`);
    const f = fixture(name);
    assert.ok(f.provenance.device.length > 0, name);
    assert.ok(f.bytes.byteLength > 0, `${name} is empty`);
    expected(name);
  }
  assert.deepEqual(Object.keys(manifest.fixtures).sort(), names);
});

/** Every value the manifest records as written must be written in the fixture: the manifest was copied right. */
test('every value written in expected.json appears in its fixture', () => {
  for (const name of names) {
    const e = expected(name);
    const text = fixture(name).text;
    const written: Array<string | number | null | undefined> = [e.response?.cseq, e.response?.contentLength];
    const d = e.describe;
    if (d) {
      written.push(d.base.written);
      if (d.h264) {
        const h = d.h264;
        written.push(h.control, h.payloadType, h.clockRate, h.spropParameterSets, h.profileLevelId);
        if (h.packetizationMode !== null) written.push(`packetization-mode=${h.packetizationMode}`);
      }
      if (d.misplacedFmtp) written.push(d.misplacedFmtp.spropParameterSets, d.misplacedFmtp.profileLevelId);
      for (const kind of d.media) written.push(`m=${kind} `);
    }
    const t = e.setup?.transport;
    if (t)
      written.push(t.profile.split('/')[0], t.ssrcText === null ? null : `ssrc=${t.ssrcText}`, t.source, t.destination);
    for (const s of [e.setup, e.play, e.options]) written.push(s?.sessionHeader);
    for (const s of [e.setup?.session, e.play?.session]) written.push(s?.id);
    for (const entry of e.play?.rtpInfo ?? []) {
      written.push(
        `url=${entry.url}`,
        entry.seq,
        entry.rtptime,
        entry.ssrcText === null ? null : `ssrc=${entry.ssrcText}`,
      );
    }
    written.push(e.unauthorized?.wwwAuthenticate, ...(e.options?.public ?? []));
    for (const value of written) {
      if (value === null || value === undefined) continue;
      assert.ok(
        text.includes(String(value)),
        `${name}: expected.json records ${JSON.stringify(value)}, not in the fixture`,
      );
    }
  }
});

describe('RtspStreamParser reads every camera response', () => {
  for (const name of names.filter((n) => isWholeResponse(expected(n).kind))) {
    test(`${name}: one response with its status, CSeq, Content-Type and body, whole or byte by byte`, () => {
      const e = expected(name);
      const r = e.response!;
      const f = fixture(name);
      // An interleaved frame right after the response proves the body ended where Content-Length says.
      const trailer = Uint8Array.of(...interleavedHeader(0, 4), 0x80, 0x60, 0x00, 0x01);
      const bytes = new Uint8Array([...f.bytes, ...trailer]);
      for (const chunkBytes of [0, 1, 7]) {
        const { messages, frames, offset } = parse(bytes, chunkBytes);
        assert.equal(messages.length, 1, `${name} (chunks of ${chunkBytes || 'all'})`);
        assert.equal(offset, bytes.byteLength);
        assert.deepEqual(frames, [[0, trailer.subarray(4)]]);
        const m = messages[0]!;
        assert.equal(m.kind, 'response');
        if (m.kind !== 'response') return;
        assert.equal(m.status, r.status);
        assert.equal(m.headers.get('cseq'), r.cseq);
        assert.equal(m.headers.get('content-type') ?? null, r.contentType);
        if (r.contentLength !== null && r.contentLengthMatches) assert.equal(m.body.byteLength, r.contentLength);
        if (r.contentLength === null) assert.equal(m.body.byteLength, 0);
        const sessionHeader = e.setup?.sessionHeader ?? e.play?.sessionHeader ?? e.options?.sessionHeader;
        if (sessionHeader !== undefined) assert.equal(m.headers.get('session'), sessionHeader);
        if (e.options) {
          assert.deepEqual(
            (m.headers.get('public') ?? '').split(',').map((s) => s.trim()),
            e.options.public,
          );
        }
        if (e.unauthorized) assert.equal(m.headers.get('www-authenticate'), e.unauthorized.wwwAuthenticate);
      }
    });
  }

  const lfStoredBodies = names.filter((n) => {
    const r = expected(n).response;
    return fixture(n).provenance.lineEndings === 'lf-stored' && r !== undefined && r.contentLength !== null;
  });
  test('LF-stored responses with a body are short of Content-Length as stored: the parser waits, CRLF completes them', () => {
    assert.ok(lfStoredBodies.length > 0);
    for (const name of lfStoredBodies) {
      const stored = new TextEncoder().encode(fixture(name).storedText);
      assert.equal(parse(stored).messages.length, 0, `${name} as stored`);
      assert.equal(parse(fixture(name).bytes).messages.length, 1, `${name} with CRLF`);
    }
  });
});

function transportValue(name: string): string {
  const e = expected(name);
  const f = fixture(name);
  if (e.kind === 'transport-header') return f.text;
  const { messages } = parse(f.bytes);
  const value = messages[0]?.headers.get('transport');
  if (value === undefined) throw new Error(`${name}: no Transport header`);
  return value;
}

function assertTransport(name: string, value: string, t: ExpectedTransport): void {
  const specs = parseTransportHeader(value);
  assert.equal(specs.length, 1, `${name}: one transport`);
  const s = specs[0]!;
  assert.equal(s.profile, t.profile, `${name} profile`);
  assert.equal(s.lowerTransport, t.lowerTransport, `${name} lower transport`);
  if (t.delivery !== null) assert.equal(s.unicast, t.delivery === 'unicast', `${name} delivery`);
  assert.deepEqual(s.interleaved ?? null, t.interleaved, `${name} interleaved`);
  assert.deepEqual(s.clientPort ?? null, t.clientPort, `${name} client_port`);
  assert.deepEqual(s.serverPort ?? null, t.serverPort, `${name} server_port`);
  assert.equal(s.source ?? null, t.source, `${name} source`);
  assert.equal(s.destination ?? null, t.destination, `${name} destination`);
  assert.equal(s.mode ?? null, t.mode, `${name} mode`);
  assert.equal(s.ssrc ?? null, t.ssrc, `${name} ssrc (written ${JSON.stringify(t.ssrcText)})`);
  assert.equal(s.ssrcFormat ?? null, t.ssrcFormat, `${name} ssrc format`);
}

describe('parseTransportHeader reads every camera SETUP answer', () => {
  for (const name of names.filter((n) => expected(n).setup !== undefined)) {
    const t = expected(name).setup!.transport;
    const what = `${t.lowerTransport}${t.ssrcText === null ? ', no ssrc' : `, ssrc ${JSON.stringify(t.ssrcText)}`}`;
    test(`${name}: ${what}`, () => assertTransport(name, transportValue(name), t));
  }
});

describe('sprop-parameter-sets of every H.264 track decode to an SPS and a PPS', () => {
  for (const name of names) {
    const h = expected(name).describe?.h264;
    if (!h || h.spropParameterSets === null) continue;
    const sprop = h.spropParameterSets;
    const size = h.pictureSize;
    test(`${name}: ${size ? `${size.width}x${size.height} as ${size.from} states` : 'SPS readable'}`, () => {
      const nals = parseSpropParameterSets(sprop);
      assert.deepEqual(
        nals.map((n) => nalType(n)),
        [NalType.SPS, NalType.PPS],
      );
      const sps = parseSps(nals[0]!);
      if (size) assert.deepEqual([sps.width, sps.height], [size.width, size.height]);
      else assert.ok(sps.width > 0 && sps.height > 0);
    });
  }
});

/**
 * One camera's dialogue: the track URL the client derives from its DESCRIBE must find the video's entry
 * in its PLAY's RTP-Info (or, when the camera names another URL, the only entry). SDP, Session and
 * RTP-Info of each fixture alone are checked against expected.json in corpus-client.test.ts.
 */
describe('RTP-Info of a PLAY names the track set up from the same camera DESCRIBE', () => {
  for (const name of names.filter((n) => expected(n).play?.pairedDescribe !== undefined)) {
    const play = expected(name).play!;
    const describeName = play.pairedDescribe!;
    const videoEntry = play.videoEntry ?? null;
    const what = videoEntry === null ? 'no entry names it: the only entry is taken' : `entry ${videoEntry}`;
    test(`${name} after ${describeName}: ${what}`, () => {
      const d = expected(describeName).describe!;
      const describeResponse = parse(fixture(describeName).bytes).messages[0]!;
      const sdp = parseSdp(new TextDecoder().decode(describeResponse.body));
      const track = selectH264Track(sdp, describeName);
      const urls = resolveControlUrls({
        requestUrl: d.requestUrl,
        contentBase: describeResponse.headers.get('content-base'),
        contentLocation: describeResponse.headers.get('content-location'),
        sessionControl: sdp.control,
        mediaControl: track.control,
      });
      assert.equal(urls.track, d.h264!.controlUrl);
      const rtpInfo = parse(fixture(name).bytes).messages[0]!.headers.get('rtp-info');
      assert.ok(rtpInfo !== undefined);
      const entries = parseRtpInfoHeader(rtpInfo);
      assert.deepEqual(
        entries.map((e) => sameControlUrl(e.url, urls.track)),
        entries.map((_, i) => i === videoEntry),
      );
      const chosen = findRtpInfoFor(entries, urls.track);
      assert.equal(chosen, videoEntry === null ? (entries.length === 1 ? entries[0] : undefined) : entries[videoEntry]);
      const want = play.rtpInfo![videoEntry ?? 0]!;
      assert.deepEqual([chosen?.seq ?? null, chosen?.rtptime ?? null], [want.seq, want.rtptime]);
    });
  }
});
