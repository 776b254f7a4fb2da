/**
 * The RTP-Info header of a PLAY answer (RFC 2326 §12.33):
 *   RTP-Info: url=rtsp://cam/stream/track1;seq=45102;rtptime=2890844526,url=rtsp://cam/stream/track2;seq=…
 * One entry per track: the sequence number and RTP timestamp of the first packet after PLAY. Pure.
 * Entries are split at a comma that starts a new `url=`, so a URL with a comma in its query survives.
 */

export interface RtpInfoEntry {
  url: string;
  seq?: number;
  rtptime?: number;
  /** SSRC some servers add (RFC 7826 style); absent usually. */
  ssrc?: number;
}

import { sameControlUrl } from './control-url.js';
import { parseSsrc } from './transport-header.js';

const MAX_ENTRIES = 64;

export function parseRtpInfoHeader(value: string): RtpInfoEntry[] {
  const entries: RtpInfoEntry[] = [];
  for (const part of value.split(/,\s*(?=url\s*=)/i)) {
    if (entries.length >= MAX_ENTRIES) break;
    const entry = parseEntry(part);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseEntry(text: string): RtpInfoEntry | null {
  const trimmed = text.trim();
  const m = /^url\s*=\s*(.*)$/is.exec(trimmed);
  if (!m) return null;
  // The url runs to the first `;seq=`, `;rtptime=` or `;ssrc=`; a `;` inside the url is kept.
  const rest = m[1]!;
  const paramStart = rest.search(/;\s*(seq|rtptime|ssrc)\s*=/i);
  const url = (paramStart === -1 ? rest : rest.slice(0, paramStart)).trim().replace(/^"(.*)"$/, '$1');
  const entry: RtpInfoEntry = { url };
  if (paramStart !== -1) {
    for (const param of rest.slice(paramStart).split(';')) {
      const p = /^\s*(seq|rtptime|ssrc)\s*=\s*(\S+?)\s*$/i.exec(param);
      if (!p) continue;
      const name = p[1]!.toLowerCase();
      const text = p[2]!;
      if (name === 'ssrc') {
        // Hex as RFC 2326 writes SSRCs, or decimal as some Dahua firmware does (`ssrc=4294962989`).
        const ssrc = parseSsrc(text);
        if (ssrc) entry.ssrc = ssrc.value;
        continue;
      }
      if (!/^\d{1,10}$/.test(text)) continue;
      const n = Number(text);
      if (name === 'seq' && n <= 0xffff) entry.seq = n;
      else if (name === 'rtptime' && n <= 0xffffffff) entry.rtptime = n;
    }
  }
  return entry;
}

/**
 * The entry for one track: the one whose url names it, else the only entry (cameras that write
 * another host or path than the SETUP URL, e.g. GW Security's `/H264/video` for `/H264?channel=1/video`).
 */
export function findRtpInfoFor(entries: readonly RtpInfoEntry[], trackUrl: string): RtpInfoEntry | undefined {
  return entries.find((e) => sameControlUrl(e.url, trackUrl)) ?? (entries.length === 1 ? entries[0] : undefined);
}
