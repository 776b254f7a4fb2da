/**
 * The recorder's zero-copy fragments: a builder that keeps references to the NAL units yields, as pieces of a
 * gathered write, exactly the bytes the copying builder makes (composition offsets, parameter sets left out of
 * later samples, AUD and filler dropped); SegmentWriter writes the pieces with one writev, and the pieces of
 * a fragment stay valid after the builder has moved on to the next one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FragmentBuilder } from '../../../src-main/recorder/mp4/fragment.js';
import { SegmentWriter } from '../../../src-main/recorder/segment-writer.js';
import { makeClip, type Clip } from '../clip-fixture.js';

let clip: Clip;
before(async () => {
  clip = await makeClip({ width: 320, height: 240, fps: 25, seconds: 2, gop: 25 });
});
after(async () => {
  await clip.remove();
});

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.byteLength;
  }
  return out;
}

/** Every unit of the clip, with an AUD and a filler NAL unit around it (files leave both out). */
function units(): Array<{ nalus: Uint8Array[]; keyframe: boolean }> {
  const aud = Uint8Array.of(0x09, 0xf0);
  const filler = Uint8Array.of(0x0c, 0xff, 0xff, 0x80);
  return clip.units.map((u) => ({ nalus: [aud, ...u.nalus, filler], keyframe: u.keyframe }));
}

test('buildParts() of a referencing builder gives the bytes build() of a copying builder gives', () => {
  const copying = new FragmentBuilder();
  const referencing = new FragmentBuilder({ keepReferences: true });
  const whole: Uint8Array[] = [];
  const pieces: Uint8Array[][] = [];
  let seq = 0;
  const all = units();
  for (let i = 0; i < all.length; i++) {
    const u = all[i]!;
    const cts = i % 3 === 0 ? 7200 : 0;
    const sizeA = copying.addSample(u.nalus, 3600, u.keyframe, cts, i > 0);
    const sizeB = referencing.addSample(u.nalus, 3600, u.keyframe, cts, i > 0);
    assert.equal(sizeB, sizeA);
    assert.equal(referencing.byteLength, copying.byteLength);
    if (copying.sampleCount === 10 || i === all.length - 1) {
      seq++;
      whole.push(copying.build(seq, i * 3600));
      const p = referencing.buildParts(seq, i * 3600);
      assert.equal(
        p.byteLength,
        p.parts.reduce((n, x) => n + x.byteLength, 0),
      );
      pieces.push(p.parts);
    }
  }
  assert.equal(pieces.length, whole.length);
  // Compared only now: every earlier fragment's pieces must have survived the fragments built after it.
  for (let i = 0; i < whole.length; i++) {
    assert.deepEqual(concat(pieces[i]!), whole[i]!, `fragment ${i + 1}`);
  }
  // The NAL units are the caller's own bytes, not copies.
  assert.ok(pieces[0]!.includes(clip.units[0]!.nalus.at(-1)!), 'the last NAL unit of the first sample is referenced');
});

test('build() refuses a referencing builder, and buildParts() of a copying builder is one piece', () => {
  const referencing = new FragmentBuilder({ keepReferences: true });
  referencing.addSample(clip.units[0]!.nalus, 3600, true);
  assert.throws(() => referencing.build(1, 0), /keeps references/);
  const copying = new FragmentBuilder();
  copying.addSample(clip.units[0]!.nalus, 3600, true);
  const p = copying.buildParts(1, 0);
  assert.equal(p.parts.length, 1);
  assert.equal(p.parts[0]!.byteLength, p.byteLength);
});

test('SegmentWriter appends the pieces of a fragment with one gathered write', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'thinstream-fragment-parts-'));
  try {
    const init = Uint8Array.of(0, 0, 0, 8, 0x66, 0x72, 0x65, 0x65); // a `free` box stands in for the init
    const writer = await SegmentWriter.create(join(dir, 'a.mp4'), init, 'never');
    const builder = new FragmentBuilder({ keepReferences: true });
    const copy = new FragmentBuilder();
    for (const u of clip.units.slice(0, 25)) {
      builder.addSample(u.nalus, 3600, u.keyframe);
      copy.addSample(u.nalus, 3600, u.keyframe);
    }
    const p = builder.buildParts(1, 0);
    assert.ok(p.parts.length > 25, `${p.parts.length} pieces`);
    await writer.append(p.parts);
    assert.equal(writer.bytes, init.byteLength + p.byteLength);
    await writer.close();
    assert.deepEqual(new Uint8Array(await readFile(join(dir, 'a.mp4'))), concat([init, copy.build(1, 0)]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
