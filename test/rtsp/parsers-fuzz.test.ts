/**
 * Fuzz: random and mutated real inputs through every pure RTSP parser. Only our own parse errors may
 * escape (ThinStreamError with a catalogue code), never a TypeError or RangeError, and memory stays bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { RtspStreamParser } from '../../src-main/rtsp/message.js';
import { parseSdp, selectH264Track } from '../../src-main/rtsp/sdp.js';
import { resolveControlUrls } from '../../src-main/rtsp/control-url.js';
import { parseSessionHeader } from '../../src-main/rtsp/session-header.js';
import { findRtpInfoFor, parseRtpInfoHeader } from '../../src-main/rtsp/rtp-info-header.js';
import { parseTransportHeader } from '../../src-main/rtsp/transport-header.js';
import { parseAuthChallenges } from '../../src-main/rtsp/auth-challenge-header.js';
import { RtspAuthenticator } from '../../src-main/rtsp/rtsp-auth.js';
import { parseRtspUrl } from '../../src-main/rtsp/rtsp-url.js';
import {
  readDescribeAnswer,
  readOptionsAnswer,
  readPlayAnswer,
  readSetupAnswer,
} from '../../src-main/rtsp/session-answers.js';
import { listRtspFixtures, loadRtspFixture, loadRtspManifest } from '../support/rtsp-fixtures.js';
import {
  FUZZ_ITERATIONS,
  heapMb,
  mutateBytes,
  mutateText,
  randomBytes,
  randomInt,
  randomText,
  seededRandom,
} from './fuzz.js';

const manifest = loadRtspManifest();
const FIXTURES = listRtspFixtures().map(loadRtspFixture);
const kindOf = (name: string) => manifest.fixtures[name]?.kind;
const RESPONSES = FIXTURES.filter(
  (f) => !['sdp', 'transport-header', 'rtp-info-header'].includes(kindOf(f.name) ?? ''),
);
const SDPS = FIXTURES.filter((f) => kindOf(f.name) === 'sdp' || kindOf(f.name) === 'describe').map((f) =>
  kindOf(f.name) === 'sdp' ? f.text : f.text.slice(f.text.indexOf('\r\n\r\n') + 4),
);
/** Values of one header across the corpus (by a plain text scan: the fuzz needs inputs, not a parser). */
const headerValues = (name: string) =>
  FIXTURES.flatMap((f) =>
    f.text
      .split(/\r?\n/)
      .filter((line) => line.toLowerCase().startsWith(name + ':'))
      .map((line) => line.slice(name.length + 1).trim()),
  ).concat(FIXTURES.filter((f) => kindOf(f.name) === `${name}-header`).map((f) => f.text.trim()));

/** Runs `fn` on many inputs; anything but a ThinStreamError fails with the seed and iteration. */
function fuzz(seed: number, makeInput: (rand: () => number) => unknown, fn: (input: never) => void): void {
  const rand = seededRandom(seed);
  const before = heapMb();
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    const input = makeInput(rand);
    try {
      fn(input as never);
    } catch (err) {
      if (err instanceof ThinStreamError) continue;
      assert.fail(`seed ${seed} iteration ${i}: ${String(err)} on ${JSON.stringify(String(input).slice(0, 200))}`);
    }
  }
  assert.ok(heapMb() - before < 64, 'heap grew by more than 64 MB');
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[randomInt(rand, list.length)]!;
}

test('fuzz: SDP parse, track choice and control URLs never throw anything but our errors', () => {
  fuzz(
    1,
    (rand) => (rand() < 0.2 ? randomText(rand, randomInt(rand, 600)) : mutateText(rand, pick(rand, SDPS))),
    (text: string) => {
      const sdp = parseSdp(text);
      const track = selectH264Track(sdp, 'fuzz/1');
      resolveControlUrls({ requestUrl: 'rtsp://h/s', sessionControl: sdp.control, mediaControl: track.control });
    },
  );
});

test('fuzz: Session, RTP-Info, Transport and WWW-Authenticate headers', () => {
  const sessions = headerValues('session');
  const rtpInfos = headerValues('rtp-info');
  const transports = headerValues('transport');
  const challenges = headerValues('www-authenticate');
  fuzz(
    2,
    (rand) => {
      const source = pick(rand, [sessions, rtpInfos, transports, challenges]);
      return rand() < 0.2 ? randomText(rand, randomInt(rand, 200)) : mutateText(rand, pick(rand, source));
    },
    (text: string) => {
      parseSessionHeader(text);
      findRtpInfoFor(parseRtpInfoHeader(text), 'rtsp://h/s/trackID=1');
      parseTransportHeader(text);
      parseAuthChallenges([text]);
      const auth = new RtspAuthenticator('u', 'p', () => 'c');
      if (auth.onUnauthorized([text], false) === 'retry') auth.authorization('DESCRIBE', 'rtsp://h/s');
      parseRtspUrl(text);
    },
  );
});

test('fuzz: RtspStreamParser and the answer readers on mutated dialogues in random chunk sizes', () => {
  const dialogues = RESPONSES.map((f) => f.bytes);
  fuzz(
    3,
    (rand) => {
      if (rand() < 0.2) return randomBytes(rand, randomInt(rand, 2000));
      // Several answers back to back, some mutated, with interleaved frames between them.
      const parts: number[] = [];
      for (let k = 1 + randomInt(rand, 4); k > 0; k--) {
        const d = pick(rand, dialogues);
        parts.push(...(rand() < 0.7 ? mutateBytes(rand, d) : d));
        if (rand() < 0.5) parts.push(0x24, randomInt(rand, 4), 0, 8, ...randomBytes(rand, 8));
      }
      return Uint8Array.from(parts);
    },
    (bytes: Uint8Array) => {
      // Every message also goes through what the session reads from answers (session-answers.ts).
      const parser = new RtspStreamParser({
        onMessage: (m) => {
          if (m.kind !== 'response') return;
          readOptionsAnswer(m);
          readSetupAnswer(m, 'udp');
          readPlayAnswer(m, 'rtsp://h/s/trackID=1');
          readDescribeAnswer(m, 'rtsp://h/s', 'fuzz/1');
        },
        onInterleaved: () => undefined,
      });
      const rand = seededRandom(bytes.byteLength);
      for (let pos = 0; pos < bytes.byteLength;) {
        const n = 1 + randomInt(rand, 300);
        parser.push(bytes.subarray(pos, pos + n));
        pos += n;
      }
    },
  );
});

test('the stream parser refuses an endless message head instead of buffering it', () => {
  const parser = new RtspStreamParser({ onMessage: () => undefined, onInterleaved: () => undefined });
  const line = new TextEncoder().encode('X'.repeat(4096));
  assert.throws(
    () => {
      for (let i = 0; i < 1024; i++) parser.push(line);
    },
    (e) => e instanceof ThinStreamError && e.code === 'RTSP_BAD_MESSAGE',
  );
});
