/**
 * Fuzz: the config parsers and the validator take anything a user (or a hostile API client) sends and only ever
 * answer with our errors. Seeded, a fixed count in CI; more with THINSTREAM_FUZZ_ITERATIONS.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixturePath } from '../support/paths.js';
import { validateConfig } from '../../src-shared/config/validate-config.js';
import { parseDuration, parseSize } from '../../src-shared/config/units.js';
import { parseRtspUrl } from '../../src-shared/config/rtsp-url.js';
import { mergeSecrets, redactConfig } from '../../src-shared/config/secrets.js';
import { parseConfigText } from '../../src-main/config/load-config.js';
import { resolveConfig } from '../../src-main/config/resolve-config.js';
import { ThinStreamError } from '../../src-shared/errors.js';

const ITERATIONS = Number(process.env['THINSTREAM_FUZZ_ITERATIONS'] ?? 2000);
const ORIGINAL = readFileSync(fixturePath('config', 'original-readme.json'), 'utf8');

/** Mulberry32: small, seeded, reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e300,
  Number.NaN,
  '',
  'x',
  '55a4',
  '10GB',
  '1h',
  'rtsp://',
  'rtsp://[::1',
  '$secret.x',
  '***REDACTED***',
  [],
  [null],
  {},
  { uid: 1 },
  '__proto__',
];

function mutate(value: unknown, random: () => number, depth = 0): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
  if (random() < 0.08 || depth > 12) return pick(ODD_VALUES);
  if (Array.isArray(value)) {
    const out = value.map((v) => mutate(v, random, depth + 1));
    if (random() < 0.1) out.push(pick(ODD_VALUES));
    if (random() < 0.1) out.splice(Math.floor(random() * out.length), 1);
    return out;
  }
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (random() < 0.03) continue;
      const key = random() < 0.02 ? `${k}_` : k;
      out[key] = mutate(v, random, depth + 1);
    }
    return out;
  }
  return random() < 0.15 ? pick(ODD_VALUES) : value;
}

test('validateConfig never throws on mutated configs; valid ones resolve and redact without throwing', () => {
  const random = rng(0x7157);
  const base = JSON.parse(ORIGINAL) as unknown;
  let valid = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const candidate = mutate(base, random);
    const check = validateConfig(candidate);
    for (const e of check.errors) {
      assert.equal(e.code, 'CONFIG_INVALID');
      assert.equal(typeof e.path, 'string');
    }
    if (check.config !== null) {
      valid++;
      try {
        resolveConfig(check.config, { configDir: '/tmp' });
      } catch (err) {
        assert.ok(err instanceof ThinStreamError, `resolveConfig threw ${String(err)}`);
      }
      const redacted = redactConfig(check.config);
      try {
        mergeSecrets(redacted, check.config);
      } catch (err) {
        assert.ok(err instanceof ThinStreamError, `mergeSecrets threw ${String(err)}`);
      }
    }
  }
  assert.ok(valid > 0, 'some mutations stay valid, so the resolve path is exercised too');
});

test('parseConfigText only ever throws CONFIG_INVALID on broken JSON text', () => {
  const random = rng(0xbeef);
  const bytes = Buffer.from(ORIGINAL);
  for (let i = 0; i < ITERATIONS / 4; i++) {
    const copy = Buffer.from(bytes);
    const edits = 1 + Math.floor(random() * 4);
    for (let e = 0; e < edits; e++) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
    const cut = random() < 0.3 ? Math.floor(random() * copy.length) : copy.length;
    try {
      parseConfigText(copy.subarray(0, cut).toString('utf8'), 'fuzz.json');
    } catch (err) {
      assert.ok(err instanceof ThinStreamError && err.code === 'CONFIG_INVALID', String(err));
      assert.match(err.message, /^fuzz\.json line \d+, column \d+: not valid JSON/);
    }
  }
});

test('unit and URL parsers answer every random string with a value or a reason, never a throw', () => {
  const random = rng(42);
  const alphabet = 'rtsp:/@[]%.:0123456789abcdefGHKMBmshdw -_?#\u0000\u00e9';
  for (let i = 0; i < ITERATIONS; i++) {
    const length = Math.floor(random() * 40);
    let text = '';
    for (let j = 0; j < length; j++) text += alphabet[Math.floor(random() * alphabet.length)];
    if (random() < 0.5) text = 'rtsp://' + text;
    for (const result of [parseSize(text), parseDuration(text)]) {
      if (result.ok) assert.ok(Number.isSafeInteger(result.value) && result.value >= 0);
      else assert.equal(typeof result.reason, 'string');
    }
    const url = parseRtspUrl(text);
    if (url.ok) assert.ok(url.url.pathAndQuery.startsWith('/'));
    else assert.ok(url.reason.length > 0);
  }
});
