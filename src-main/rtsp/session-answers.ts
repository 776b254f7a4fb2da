/**
 * What the client reads from each answer of the dialogue, and the camera quirks each reveals. Pure:
 * RtspResponse in, values out; the playing session (playing-session.ts) acts on them.
 */
import { ThinStreamError } from '../../src-shared/errors.js';
import type { TransportKind } from '../../src-shared/stream-status.js';
import { resolveControlUrls, type ControlUrls } from './control-url.js';
import type { RtspResponse } from './message.js';
import { findRtpInfoFor, parseRtpInfoHeader } from './rtp-info-header.js';
import { redactUrl } from './rtsp-url.js';
import { parseSdp, selectH264Track, type H264Track } from './sdp.js';
import { parseSessionHeader, type SessionHeader } from './session-header.js';
import { parseTransportHeader, type TransportSpec } from './transport-header.js';

/** A tolerance used: its name (issue 9) and what was seen. */
export type Quirk = [name: string, detail: string];

/** §10.1: the keepalive a camera takes, from OPTIONS' Public header (absent or without GET_PARAMETER: OPTIONS). */
export function readOptionsAnswer(response: RtspResponse): { keepalive: 'GET_PARAMETER' | 'OPTIONS'; quirks: Quirk[] } {
  const publicMethods = (response.headers.get('public') ?? '').toUpperCase();
  if (/\bGET_PARAMETER\b/.test(publicMethods)) return { keepalive: 'GET_PARAMETER', quirks: [] };
  return {
    keepalive: 'OPTIONS',
    quirks: [['no-get-parameter', `Public: ${publicMethods || '(absent)'}; keepalive with OPTIONS`]],
  };
}

export interface DescribeAnswer {
  sdp: string;
  track: H264Track;
  urls: ControlUrls;
  quirks: Quirk[];
}

/** The SDP, the H.264 track and its URLs. Throws SDP_INVALID, SDP_NO_VIDEO or CODEC_UNSUPPORTED, naming `label`. */
export function readDescribeAnswer(response: RtspResponse, requestUrl: string, label: string): DescribeAnswer {
  const quirks: Quirk[] = [];
  const contentType = response.headers.get('content-type');
  if (contentType === undefined) quirks.push(['content-type-missing', 'DESCRIBE answer without Content-Type']);
  else if (!/application\/sdp/i.test(contentType)) quirks.push(['content-type-wrong', `Content-Type: ${contentType}`]);
  const text = new TextDecoder().decode(response.body);
  if (text.trim() === '')
    throw new ThinStreamError('SDP_INVALID', `${label}: the camera's DESCRIBE answer has no SDP body`);
  let sdp;
  try {
    sdp = parseSdp(text);
  } catch (err) {
    if (err instanceof ThinStreamError) throw new ThinStreamError(err.code, `${label}: ${err.message}`, { cause: err });
    throw err;
  }
  const track = selectH264Track(sdp, label);
  for (const q of track.quirks) quirks.push([q, `payload type ${track.payloadType}`]);
  if (track.ignoredMedia.length > 0) quirks.push(['sdp-extra-media', `ignored ${track.ignoredMedia.join(', ')}`]);
  if (track.spropParameterSets === undefined) {
    quirks.push(['sprop-missing', 'no sprop-parameter-sets in SDP; waiting for in-band SPS/PPS']);
  }
  const urls = resolveControlUrls({
    requestUrl,
    contentBase: response.headers.get('content-base'),
    contentLocation: response.headers.get('content-location'),
    sessionControl: sdp.control,
    mediaControl: track.control,
  });
  for (const q of urls.quirks) quirks.push([q, `track URL ${redactUrl(urls.track)}`]);
  return { sdp: text, track, urls, quirks };
}

export interface SetupAnswer {
  /** Null when the camera sent no usable Session header (quirk `session-missing`). */
  session: SessionHeader | null;
  transport: TransportKind;
  /** The camera's Transport, when it sent one. */
  spec: TransportSpec | undefined;
  /** Interleaved channels for TCP: as answered, else 0-1 (quirk `interleaved-missing`). */
  channels: [number, number];
  quirks: Quirk[];
}

/** Session, transport, channels and SSRC of a SETUP answer (§12.37, §12.39) to an offer of `offered`. */
export function readSetupAnswer(response: RtspResponse, offered: TransportKind): SetupAnswer {
  const quirks: Quirk[] = [];
  const sessionText = response.headers.get('session');
  const session = sessionText === undefined ? null : parseSessionHeader(sessionText);
  if (session === null) quirks.push(['session-missing', `SETUP answer Session: ${sessionText ?? '(absent)'}`]);
  const transportText = response.headers.get('transport');
  const spec = transportText === undefined ? undefined : parseTransportHeader(transportText)[0];
  if (spec === undefined) quirks.push(['transport-missing', 'SETUP answer without Transport; assuming the offer']);
  const tcp = spec ? spec.lowerTransport === 'TCP' || spec.interleaved !== undefined : offered === 'tcp';
  const transport: TransportKind = tcp ? 'tcp' : 'udp';
  if (transport !== offered) quirks.push(['transport-changed', `asked for ${offered}, the camera chose ${transport}`]);
  if (spec?.ssrcFormat === 'decimal') quirks.push(['ssrc-decimal', `Transport: ${transportText}`]);
  if (spec?.ssrcFormat === '0x') quirks.push(['ssrc-0x-prefix', `Transport: ${transportText}`]);
  let channels: [number, number] = [0, 1];
  if (transport === 'tcp') {
    if (spec?.interleaved) channels = spec.interleaved;
    else quirks.push(['interleaved-missing', 'SETUP answer names no interleaved channels; assuming 0-1']);
  }
  return { session, transport, spec, channels, quirks };
}

export interface PlayAnswer {
  /** RTP-Info's seq and rtptime for the track; empty when not sent. */
  rtpInfo: { seq?: number; rtptime?: number };
  ssrc?: number;
  quirks: Quirk[];
}

/** RTP-Info of a PLAY answer (§12.33) for the track set up at `trackUrl`. */
export function readPlayAnswer(response: RtspResponse, trackUrl: string): PlayAnswer {
  const header = response.headers.get('rtp-info');
  if (header === undefined) return { rtpInfo: {}, quirks: [] };
  const entry = findRtpInfoFor(parseRtpInfoHeader(header), trackUrl);
  if (entry === undefined) {
    return { rtpInfo: {}, quirks: [['rtp-info-unmatched', `RTP-Info names no URL like ${redactUrl(trackUrl)}`]] };
  }
  const answer: PlayAnswer = { rtpInfo: {}, quirks: [] };
  if (entry.seq !== undefined) answer.rtpInfo.seq = entry.seq;
  if (entry.rtptime !== undefined) answer.rtpInfo.rtptime = entry.rtptime;
  if (entry.ssrc !== undefined) answer.ssrc = entry.ssrc;
  return answer;
}
