/**
 * Puts one access unit's NAL units in the order a decoder fed through MP4 needs: parameter sets first, then the
 * picture's slices together. Some cameras repeat SPS/PPS before every slice of a keyframe (GStreamer's
 * rtph264pay with config-interval=-1 does, on multi-slice x264 pictures); jmuxer takes a non-VCL unit after a
 * slice as the start of a new picture and would split the keyframe in two, leaving part of the image undecoded.
 * Units a picture does not need (AUD, SEI, filler) are dropped. H.264 §7.4.1.2.3 gives the order.
 */

const NAL_SPS = 7;
const NAL_PPS = 8;

function isVcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

interface NalSpan {
  start: number;
  end: number;
  type: number;
}

/** NAL unit spans (without start codes) of an Annex-B buffer. */
function spansOf(bytes: Uint8Array): NalSpan[] {
  const spans: NalSpan[] = [];
  let nalStart = -1;
  let i = 0;
  const n = bytes.length;
  while (i + 2 < n) {
    if (bytes[i] === 0 && bytes[i + 1] === 0 && bytes[i + 2] === 1) {
      if (nalStart >= 0) {
        // A 4-byte start code's leading zero belongs to it, not to the unit before.
        const end = i > nalStart && bytes[i - 1] === 0 ? i - 1 : i;
        spans.push({ start: nalStart, end, type: (bytes[nalStart] ?? 0) & 0x1f });
      }
      i += 3;
      nalStart = i;
    } else i++;
  }
  if (nalStart >= 0 && nalStart < n) spans.push({ start: nalStart, end: n, type: (bytes[nalStart] ?? 0) & 0x1f });
  return spans;
}

/** The unit unchanged when it is already in order (the common case, no copy), else a reordered copy. */
export function orderAccessUnit(annexB: Uint8Array): Uint8Array {
  const spans = spansOf(annexB);
  let seenVcl = false;
  let needsOrder = false;
  for (const s of spans) {
    if (isVcl(s.type)) seenVcl = true;
    else if (seenVcl) {
      needsOrder = true;
      break;
    }
  }
  if (!needsOrder) return annexB;
  const keep: NalSpan[] = [];
  const seenParams = new Set<string>();
  for (const s of spans) {
    if (s.type !== NAL_SPS && s.type !== NAL_PPS) continue;
    // The same parameter set repeated is kept once; different ones (several PPS ids) all stay.
    const key = `${s.type}:${annexB.subarray(s.start, s.end).join(',')}`;
    if (seenParams.has(key)) continue;
    seenParams.add(key);
    keep.push(s);
  }
  for (const s of spans) if (isVcl(s.type)) keep.push(s);
  let length = 0;
  for (const s of keep) length += 4 + (s.end - s.start);
  const out = new Uint8Array(length);
  let at = 0;
  for (const s of keep) {
    out[at + 3] = 1;
    out.set(annexB.subarray(s.start, s.end), at + 4);
    at += 4 + (s.end - s.start);
  }
  return out;
}
