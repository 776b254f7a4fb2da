/**
 * The SDP (RFC 4566) our camera answers DESCRIBE with: one H.264 video section (RFC 6184 §8.2.1:
 * rtpmap, fmtp with packetization-mode=1, profile-level-id and sprop-parameter-sets), its control URL
 * (RFC 2326 §C.1.1), a=framerate and the picture size; with quirks, audio and ONVIF metadata sections,
 * missing or stale parameter sets, a relative control URL and bare LF line endings.
 */
import type { QuirkName } from './quirks.js';

export const VIDEO_PAYLOAD_TYPE = 96;
export const VIDEO_TRACK = 'trackID=0';
export const AUDIO_TRACK = 'trackID=1';
export const METADATA_TRACK = 'trackID=2';

export interface DescriptionInput {
  /** The session id in the o= line (digits). */
  sessionId: string;
  /** The address the client reached us on, for o= and c=. */
  address: string;
  /** The aggregate URL with a trailing slash (what Content-Base says in the well-behaved mode). */
  baseUrl: string;
  fps: number;
  width: number;
  height: number;
  profileLevelId: string;
  spropParameterSets: string;
  quirks: ReadonlySet<QuirkName>;
}

/**
 * SPS/PPS of another resolution than any test clip is likely to have, for quirk `stale-sprop`: made by
 * libx264 (ffmpeg 5.1, `testsrc2=size=WxH`, `-profile:v baseline`, one frame), the first for 352x288 and
 * the second, used when the clip itself is 352x288, for 176x144.
 */
export const STALE_SPROP = {
  cif: { width: 352, height: 288, sprop: 'Z0LADdkBYJbARAAAAwAEAAADAMg8UKkg,aMuDyyA=' },
  qcif: { width: 176, height: 144, sprop: 'Z0LAC9kCxOwEQAAAAwBAAAAMg8UKkg==,aMuDyyA=' },
} as const;

export function staleSpropFor(width: number, height: number): string {
  const cif = STALE_SPROP.cif;
  return cif.width === width && cif.height === height ? STALE_SPROP.qcif.sprop : cif.sprop;
}

export function buildSessionDescription(input: DescriptionInput): string {
  const q = input.quirks;
  const ipVersion = input.address.includes(':') ? 'IP6' : 'IP4';
  const videoControl =
    q.has('no-content-base') || q.has('relative-control') ? VIDEO_TRACK : input.baseUrl + VIDEO_TRACK;
  const fmtp = ['packetization-mode=1', `profile-level-id=${input.profileLevelId}`];
  if (q.has('stale-sprop')) fmtp.push(`sprop-parameter-sets=${staleSpropFor(input.width, input.height)}`);
  else if (!q.has('no-sprop')) fmtp.push(`sprop-parameter-sets=${input.spropParameterSets}`);

  const lines = [
    'v=0',
    `o=- ${input.sessionId} 1 IN ${ipVersion} ${input.address}`,
    's=ThinStream test camera',
    `c=IN ${ipVersion} ${input.address}`,
    't=0 0',
    'a=tool:ThinStream',
    'a=control:*',
    'a=range:npt=0-',
  ];
  if (q.has('extra-media')) {
    // Audio first and attributes in an unusual order (control before rtpmap), as some DVRs write it.
    lines.push('m=audio 0 RTP/AVP 0', `a=control:${AUDIO_TRACK}`, 'a=rtpmap:0 PCMU/8000', 'a=recvonly');
  }
  lines.push(
    `m=video 0 RTP/AVP ${VIDEO_PAYLOAD_TYPE}`,
    `a=rtpmap:${VIDEO_PAYLOAD_TYPE} H264/90000`,
    `a=fmtp:${VIDEO_PAYLOAD_TYPE} ${fmtp.join(';')}`,
    `a=control:${videoControl}`,
    `a=framerate:${formatFps(input.fps)}`,
    `a=x-dimensions:${input.width},${input.height}`,
    'a=recvonly',
  );
  if (q.has('extra-media')) {
    lines.push(
      'm=application 0 RTP/AVP 107',
      'a=rtpmap:107 vnd.onvif.metadata/90000',
      `a=control:${METADATA_TRACK}`,
      'a=recvonly',
    );
  }
  const eol = q.has('bare-lf') ? '\n' : '\r\n';
  return lines.join(eol) + eol;
}

function formatFps(fps: number): string {
  return Number.isInteger(fps) ? String(fps) : fps.toFixed(3).replace(/0+$/, '');
}
