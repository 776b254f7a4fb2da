/**
 * The misbehaviours our test camera can switch on, by name (`--quirk a,b` on the CLI, `quirks` per server
 * or per mount). Each is a behaviour seen in real cameras (issue 9); each is one small switch in the code
 * path it changes, and each has a unit test proving it changes the bytes it should. The client-side
 * tolerances are the ingest's business; here the camera misbehaves on purpose.
 */
import { ThinStreamError } from '../../../src-shared/errors.js';

/** Every quirk, with one line saying what the camera does when it is on. */
export const QUIRKS = {
  // RTP payload and headers (packetizer.ts, video-sender.ts)
  'no-marker': 'never sets the RTP marker bit; access units end only where the timestamp changes',
  'marker-every-packet': 'sets the RTP marker bit on every packet, not only the last of an access unit',
  'annexb-in-payload': 'puts Annex-B start codes in payloads: each access unit as one start-code-separated run',
  'fu-a-start-end': 'sends slices that fit in one packet as a single FU-A fragment with both S and E set',
  'fu-a-restart': 'sends the first FU-A fragment of a large NAL unit twice: a new start before the end',
  'sps-after-idr': 'sends SPS and PPS after the IDR slices of each keyframe instead of before them',
  'unknown-pt-mixed': 'mixes a packet of an unannounced payload type (100) into the video stream every frame',
  'big-interleaved': 'over TCP, sends NAL units up to 64 KB in one interleaved frame instead of fragmenting',
  'seq-restart': 'restarts RTP sequence numbers at a random value each time the clip loops',
  'ts-jump': 'jumps the RTP timestamp forward by about 10 s each time the clip loops',
  'clock-drift-500ppm': 'runs its RTP clock 500 ppm fast (90045 ticks per wall-clock second)',
  // SDP (session-description.ts)
  'no-sprop': 'leaves sprop-parameter-sets out of the SDP; SPS/PPS only in-band',
  'stale-sprop': 'announces sprop-parameter-sets of another resolution than the in-band SPS',
  'extra-media': 'describes an audio section before the video and an ONVIF metadata section after it',
  'no-content-base': 'sends no Content-Base header; the video control URL is relative (trackID=0)',
  'relative-control': 'uses a relative control URL with a Content-Base that lacks its trailing slash',
  'no-content-type': 'answers DESCRIBE without a Content-Type header',
  // RTSP dialogue (rtsp-connection.ts)
  'bare-lf': 'ends response lines (and SDP lines) with LF instead of CRLF',
  'lowercase-headers': 'writes response header names in lower case (cseq, session, transport)',
  'ssrc-mismatch': "announces an SSRC in SETUP's Transport that differs from the SSRC on the wire",
  'no-ssrc-in-setup': 'leaves the SSRC out of SETUP; it appears only in RTP-Info (ssrc=) of PLAY',
  'ssrc-hex-0x': 'writes the SSRC in SETUP as 0x-prefixed hex',
  'ssrc-decimal': 'writes the SSRC in SETUP as a decimal number',
  'rtpinfo-mismatch': "answers PLAY with RTP-Info seq and rtptime that do not match the first packet's",
  'no-get-parameter': 'answers GET_PARAMETER with 501 and leaves it out of Public (keepalive needs OPTIONS)',
  'udp-461': 'answers 461 Unsupported Transport to SETUP over UDP (TCP interleaved works)',
  'rtp-before-play-response': 'starts sending RTP and RTCP before the PLAY response (on TCP: before it on the wire)',
  'early-session-close': 'ends a session idle for a third of its advertised timeout, before the timeout',
  'require-user-agent': 'answers 400 to every request without a User-Agent header',
} as const satisfies Record<string, string>;

export type QuirkName = keyof typeof QUIRKS;

export const QUIRK_NAMES = Object.keys(QUIRKS) as QuirkName[];

export function isQuirkName(name: string): name is QuirkName {
  return Object.hasOwn(QUIRKS, name);
}

/** A set of quirks from names (`['no-marker']`) or CLI text (`no-marker,udp-461`); unknown names are an error. */
export function parseQuirks(input: string | Iterable<string> | undefined): Set<QuirkName> {
  const set = new Set<QuirkName>();
  if (input === undefined) return set;
  const names = typeof input === 'string' ? input.split(',') : input;
  for (const raw of names) {
    const name = raw.trim();
    if (name === '') continue;
    if (!isQuirkName(name)) {
      throw new ThinStreamError(
        'BAD_REQUEST',
        `unknown camera quirk ${JSON.stringify(name)}; known quirks: ${QUIRK_NAMES.join(', ')}`,
      );
    }
    set.add(name);
  }
  return set;
}

/** Quirks that are both on at once contradict each other. */
const EXCLUSIVE: ReadonlyArray<readonly QuirkName[]> = [
  ['no-marker', 'marker-every-packet'],
  ['ssrc-mismatch', 'no-ssrc-in-setup'],
  ['ssrc-hex-0x', 'ssrc-decimal', 'no-ssrc-in-setup'],
  ['no-sprop', 'stale-sprop'],
  ['no-content-base', 'relative-control'],
];

export function checkQuirkConflicts(quirks: ReadonlySet<QuirkName>): void {
  for (const group of EXCLUSIVE) {
    const on = group.filter((q) => quirks.has(q));
    if (on.length > 1)
      throw new ThinStreamError('BAD_REQUEST', `camera quirks ${on.join(' and ')} cannot be on together`);
  }
}
