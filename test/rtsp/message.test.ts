import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RtspHeaders,
  RtspParseError,
  RtspStreamParser,
  interleavedHeader,
  serializeRequest,
  type RtspMessage,
} from '../../src-main/rtsp/message.js';

function collect(): { messages: RtspMessage[]; frames: Array<[number, Uint8Array]>; parser: RtspStreamParser } {
  const messages: RtspMessage[] = [];
  const frames: Array<[number, Uint8Array]> = [];
  const parser = new RtspStreamParser({
    onMessage: (m) => messages.push(m),
    onInterleaved: (ch, data, start, end) => frames.push([ch, data.slice(start, end)]),
  });
  return { messages, frames, parser };
}

const enc = (s: string) => new TextEncoder().encode(s);

test('parses a response with a body, header names in any case', () => {
  const { messages, parser } = collect();
  parser.push(enc('RTSP/1.0 200 OK\r\ncseq: 2\r\nCONTENT-LENGTH: 5\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n'));
  assert.equal(messages.length, 1);
  const m = messages[0]!;
  assert.equal(m.kind, 'response');
  assert.equal(m.kind === 'response' && m.status, 200);
  assert.equal(m.headers.get('CSeq'), '2');
  assert.equal(new TextDecoder().decode(m.body), 'v=0\r\n');
});

test('accepts bare LF line endings and folded headers', () => {
  const { messages, parser } = collect();
  parser.push(enc('RTSP/1.0 401 Unauthorized\nCSeq: 3\nWWW-Authenticate: Digest realm="x",\n  nonce="y"\n\n'));
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.headers.get('www-authenticate'), 'Digest realm="x", nonce="y"');
  assert.equal(messages[0]!.bareLf, true, 'marked, for the quirk and camera reports');
});

test('a message with CRLF line endings is not marked bare LF', () => {
  const { messages, parser } = collect();
  parser.push(enc('RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\nRTSP/1.0 200 OK\r\n\r\n'));
  assert.deepEqual(
    messages.map((m) => m.bareLf),
    [undefined, undefined],
  );
});

test('splits interleaved frames and messages fed one byte at a time', () => {
  const { messages, frames, parser } = collect();
  const payload = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
  const bytes = new Uint8Array([
    ...interleavedHeader(0, payload.length),
    ...payload,
    ...enc('RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n'),
    ...interleavedHeader(1, 4),
    1,
    2,
    3,
    4,
  ]);
  for (const b of bytes) parser.push(Uint8Array.of(b));
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[0], [0, payload]);
  assert.deepEqual(frames[1], [1, Uint8Array.of(1, 2, 3, 4)]);
  assert.equal(messages.length, 1);
  assert.equal(parser.offset, bytes.length);
});

test('completes a frame split across chunks without losing the rest of the chunk', () => {
  const { frames, parser } = collect();
  const a = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
  const b = Uint8Array.from({ length: 10 }, (_, i) => 200 + i);
  const all = new Uint8Array([...interleavedHeader(0, a.length), ...a, ...interleavedHeader(2, b.length), ...b]);
  parser.push(all.subarray(0, 500));
  parser.push(all.subarray(500));
  assert.deepEqual(
    frames.map(([ch, p]) => [ch, p.length]),
    [
      [0, 1000],
      [2, 10],
    ],
  );
  assert.deepEqual(frames[0]![1], a);
  assert.deepEqual(frames[1]![1], b);
});

test('parses a request line', () => {
  const { messages, parser } = collect();
  parser.push(enc('DESCRIBE rtsp://cam/stream RTSP/1.0\r\nCSeq: 1\r\nAccept: application/sdp\r\n\r\n'));
  const m = messages[0]!;
  assert.ok(m.kind === 'request');
  assert.equal(m.method, 'DESCRIBE');
  assert.equal(m.uri, 'rtsp://cam/stream');
});

test('refuses a line that is not RTSP with the offset in the error', () => {
  const { parser } = collect();
  assert.throws(
    () => parser.push(enc('HELLO WORLD\r\n\r\n')),
    (e: unknown) => e instanceof RtspParseError && e.code === 'RTSP_BAD_MESSAGE' && /at byte 0/.test(e.message),
  );
});

test('refuses heads over the size limit instead of buffering forever', () => {
  const parser = new RtspStreamParser({ onMessage: () => {}, onInterleaved: () => {} }, { maxHeaderBytes: 1024 });
  parser.push(enc('RTSP/1.0 200 OK\r\n'));
  assert.throws(() => parser.push(enc('X-Long: ' + 'a'.repeat(2000))), RtspParseError);
});

test('serializes with CRLF and Content-Length', () => {
  const bytes = serializeRequest({
    method: 'SETUP',
    uri: 'rtsp://cam/track1',
    headers: new RtspHeaders([
      ['CSeq', '3'],
      ['Transport', 'RTP/AVP/TCP;unicast;interleaved=0-1'],
    ]),
    body: enc('abc'),
  });
  assert.equal(
    new TextDecoder().decode(bytes),
    'SETUP rtsp://cam/track1 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\nContent-Length: 3\r\n\r\nabc',
  );
});
