/**
 * Reading a camera report back (src-shared/camera-report.ts readCameraReport): a recorded report reads
 * back unchanged; a damaged one is refused with the path of the first bad field; fuzzed ones (mutations of
 * a real report, seeded) never throw anything but CameraReportError and never hang.
 */
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CameraReportError, readCameraReport } from '../../src-shared/camera-report.js';
import { fixturePath } from '../support/paths.js';
import { FUZZ_ITERATIONS, randomInt, seededRandom } from '../rtsp/fuzz.js';

const raw: unknown = JSON.parse(readFileSync(fixturePath('camera-report/thinstream-camera-digest-tcp.json'), 'utf8'));

test('a recorded report reads back as it was written', () => {
  const report = readCameraReport(raw);
  assert.deepEqual(report, raw);
  assert.ok(report.packets.some((p) => p.kind === 'rtp' && p.restart === true));
  assert.ok(report.dialogue.some((e) => e.kind === 'message' && e.line.startsWith('SETUP')));
});

test('a damaged report is refused, naming the field', () => {
  const cases: Array<[(r: Record<string, unknown>) => void, RegExp]> = [
    [(r) => (r['format'] = 'something/2'), /^camera report: format: expected thinstream-camera-report\/1/],
    [
      (r) => ((r['packets'] as Array<Record<string, unknown>>)[3]!['seq'] = 70000),
      /packets\[3\]\.seq: expected an integer 0–65535, got 70000/,
    ],
    [
      (r) => ((r['packets'] as Array<Record<string, unknown>>)[0]!['kind'] = 'rtx'),
      /packets\[0\]\.kind: expected rtp or rtcp/,
    ],
    [
      (r) => ((r['dialogue'] as Array<Record<string, unknown>>)[1]!['headers'] = 'CSeq: 1'),
      /dialogue\[1\]\.headers: expected an array/,
    ],
    [(r) => delete r['versions'], /versions: expected an object, got nothing/],
    [(r) => (r['error'] = { code: 'NOPE', message: 'x' }), /error\.code: expected an error code/],
  ];
  for (const [damage, message] of cases) {
    const copy = structuredClone(raw) as Record<string, unknown>;
    damage(copy);
    assert.throws(
      () => readCameraReport(copy),
      (e) => e instanceof CameraReportError && e.code === 'BAD_REQUEST' && message.test(e.message),
      String(message),
    );
  }
});

/** One random change somewhere in a JSON value: a key dropped, a value replaced by another type or extreme. */
function mutate(value: unknown, rand: () => number): unknown {
  const replacements: unknown[] = [null, -1, 1e12, 0.5, '', 'x'.repeat(50), [], {}, true, Number.NaN, [[1, 2, 3]]];
  const pick = () => replacements[randomInt(rand, replacements.length)];
  if (Array.isArray(value)) {
    if (value.length === 0 || rand() < 0.1) return pick();
    const copy = [...value];
    const i = randomInt(rand, copy.length);
    if (rand() < 0.2) copy.splice(i, 1);
    else copy[i] = mutate(copy[i], rand);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = { ...value };
    const keys = Object.keys(copy);
    if (keys.length === 0 || rand() < 0.1) return pick();
    const key = keys[randomInt(rand, keys.length)]!;
    if (rand() < 0.2) delete copy[key];
    else copy[key] = mutate(copy[key], rand);
    return copy;
  }
  return pick();
}

test(`fuzz: ${FUZZ_ITERATIONS} mutated reports, only CameraReportError escapes`, () => {
  const rand = seededRandom(0x5eed_0009);
  let refused = 0;
  for (let i = 0; i < FUZZ_ITERATIONS; i++) {
    let v: unknown = raw;
    const changes = 1 + randomInt(rand, 3);
    for (let k = 0; k < changes; k++) v = mutate(v, rand);
    try {
      readCameraReport(v);
    } catch (err) {
      if (!(err instanceof CameraReportError)) assert.fail(`iteration ${i}: ${String(err)}`);
      refused++;
    }
  }
  // Most mutations damage something the reader checks.
  assert.ok(refused > FUZZ_ITERATIONS / 2, `${refused} of ${FUZZ_ITERATIONS} refused`);
});
