/**
 * Seeded fuzzing helpers for the RTSP parsers: a fixed count in CI, more with THINSTREAM_FUZZ_ITERATIONS.
 * A failing case prints its seed and iteration so it can be replayed.
 */

export const FUZZ_ITERATIONS = Number(process.env['THINSTREAM_FUZZ_ITERATIONS'] ?? 1500);

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rand: () => number, below: number): number {
  return Math.floor(rand() * below);
}

export function randomBytes(rand: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = randomInt(rand, 256);
  return out;
}

/** Characters that matter to the parsers, to make random text reach deeper than pure noise. */
const INTERESTING = [
  '\r\n',
  '\n',
  ':',
  ';',
  ',',
  '=',
  '"',
  ' ',
  '\t',
  '$',
  '/',
  'rtsp://',
  '0x',
  '-',
  '*',
  '\\',
  'a=',
  'm=',
  'url=',
];

export function randomText(rand: () => number, length: number): string {
  let s = '';
  while (s.length < length) {
    s += rand() < 0.3 ? INTERESTING[randomInt(rand, INTERESTING.length)] : String.fromCharCode(randomInt(rand, 0x250));
  }
  return s;
}

/** 1–8 random edits: flip, insert, delete, duplicate a slice, truncate. */
export function mutateBytes(rand: () => number, input: Uint8Array): Uint8Array {
  let data = Array.from(input);
  const edits = 1 + randomInt(rand, 8);
  for (let e = 0; e < edits; e++) {
    const at = randomInt(rand, data.length + 1);
    switch (randomInt(rand, 6)) {
      case 0:
        if (data.length > 0) data[at % data.length] = (data[at % data.length]! ^ (1 << randomInt(rand, 8))) & 0xff;
        break;
      case 1:
        data.splice(at, 0, randomInt(rand, 256));
        break;
      case 2:
        data.splice(at, 1 + randomInt(rand, 16));
        break;
      case 3: {
        const len = randomInt(rand, 64);
        data.splice(at, 0, ...data.slice(at, at + len));
        break;
      }
      case 4:
        data = data.slice(0, at);
        break;
      default:
        data.splice(at, 0, ...Array.from(new TextEncoder().encode(INTERESTING[randomInt(rand, INTERESTING.length)]!)));
    }
  }
  return Uint8Array.from(data);
}

export function mutateText(rand: () => number, input: string): string {
  return new TextDecoder().decode(mutateBytes(rand, new TextEncoder().encode(input)));
}

/** Heap in MB after a collection when --expose-gc is on (otherwise as it is). */
export function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
