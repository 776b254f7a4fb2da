/**
 * Fuzz of the playback control-message parser (text a viewer sends on its socket): seeded random and mutated
 * valid messages; only a ThinStreamError may escape, and what parses is one of the message types.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ThinStreamError } from '../../src-shared/errors.js';
import { parseControlMessage } from '../../src-main/server/playback-session.js';

const ITERATIONS = Number(process.env['THINSTREAM_FUZZ_ITERATIONS'] ?? 5000);
const VALID = [
  '{"type":"seek","timeMs":1700000000000}',
  '{"type":"pause"}',
  '{"type":"resume"}',
  '{"type":"speed","speed":4}',
  '{"type":"step","direction":"next-keyframe"}',
  '{"type":"step","direction":"previous-keyframe"}',
];

/** xorshift32: the same sequence every run. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

test('valid control messages parse', () => {
  for (const text of VALID) assert.deepEqual(parseControlMessage(text), JSON.parse(text));
});

test('random and mutated control messages give a parsed message or a ThinStreamError, nothing else', () => {
  const next = random(0x7e57);
  const alphabet = '{}[]":,0123456789.-eE truefalsnul\\type seek speed step pause resume timeMs direction';
  let parsed = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    let text: string;
    if (i % 2 === 0) {
      const base = VALID[Math.floor(next() * VALID.length)]!;
      const chars = [...base];
      const edits = 1 + Math.floor(next() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * chars.length);
        const op = next();
        const c = alphabet[Math.floor(next() * alphabet.length)]!;
        if (op < 0.4) chars[at] = c;
        else if (op < 0.7) chars.splice(at, 1);
        else chars.splice(at, 0, c);
      }
      text = chars.join('');
    } else {
      const length = Math.floor(next() * 64);
      text = Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
    }
    try {
      const m = parseControlMessage(text);
      assert.ok(['seek', 'pause', 'resume', 'speed', 'step'].includes(m.type));
      if (m.type === 'speed') assert.ok(m.speed >= 0 && m.speed <= 64);
      if (m.type === 'seek') assert.ok(Number.isFinite(m.timeMs) && m.timeMs >= 0);
      parsed++;
    } catch (err) {
      assert.ok(
        err instanceof ThinStreamError,
        `only our error escapes, got ${String(err)} for ${JSON.stringify(text)}`,
      );
    }
  }
  assert.ok(parsed > 0, 'some mutations still parse');
});
