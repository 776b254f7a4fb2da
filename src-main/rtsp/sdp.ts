/**
 * SDP (RFC 4566) as cameras send it in DESCRIBE answers, and the choice of the H.264 video track.
 * Pure: text in, values out. Lenient (STYLE.md): bare LF, trailing spaces, a BOM, unknown or garbled
 * lines, attributes in any order, several media sections (audio and ONVIF metadata are ignored).
 */
import { ThinStreamError } from '../../src-shared/errors.js';

/** SDP text that cannot describe a session; `line` is 1-based. */
export class SdpParseError extends ThinStreamError {
  readonly line: number;
  constructor(message: string, line: number) {
    super('SDP_INVALID', line > 0 ? `${message} (SDP line ${line})` : message);
    this.name = 'SdpParseError';
    this.line = line;
  }
}

export interface SdpAttribute {
  name: string;
  /** Text after the first colon; null for a flag attribute such as `a=recvonly`. */
  value: string | null;
}

export interface SdpRtpMap {
  encoding: string;
  clockRate: number;
  channels?: number;
}

export interface SdpMedia {
  /** `video`, `audio`, `application` (ONVIF metadata), … lower-cased. */
  type: string;
  port: number;
  protocol: string;
  /** Payload types as written in the m= line (numbers for RTP/AVP). */
  formats: string[];
  attributes: SdpAttribute[];
  /** a=control, when present. */
  control?: string;
  /** a=rtpmap by payload type. */
  rtpmap: Map<number, SdpRtpMap>;
  /** a=fmtp parameters by payload type; names lower-cased. */
  fmtp: Map<number, Record<string, string>>;
  /** 1-based line of the m= line, for messages. */
  line: number;
}

export interface SessionDescription {
  sessionName: string;
  /** Session-level attributes (before the first m= line). */
  attributes: SdpAttribute[];
  control?: string;
  media: SdpMedia[];
  /** Lines that were not `<letter>=<text>` and were skipped. */
  skippedLines: number;
}

/** Longest SDP accepted; a DESCRIBE body is normally under 2 KB. */
export const MAX_SDP_CHARS = 256 * 1024;
const MAX_MEDIA = 64;

export function parseSdp(text: string): SessionDescription {
  if (text.length > MAX_SDP_CHARS) throw new SdpParseError(`SDP of ${text.length} characters is too long`, 0);
  const sdp: SessionDescription = { sessionName: '', attributes: [], media: [], skippedLines: 0 };
  let current: SdpMedia | null = null;
  let sawVersion = false;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const lineNo = i + 1;
    if (line.length < 2 || line[1] !== '=' || !/^[a-zA-Z]$/.test(line[0]!)) {
      sdp.skippedLines++;
      continue;
    }
    const type = line[0]!.toLowerCase();
    const value = line.slice(2).trim();
    switch (type) {
      case 'v':
        sawVersion = true;
        break;
      case 's':
        if (current === null) sdp.sessionName = value;
        break;
      case 'm': {
        if (sdp.media.length >= MAX_MEDIA) throw new SdpParseError(`more than ${MAX_MEDIA} media sections`, lineNo);
        current = parseMediaLine(value, lineNo);
        sdp.media.push(current);
        break;
      }
      case 'a': {
        const attribute = parseAttribute(value);
        if (current === null) {
          sdp.attributes.push(attribute);
          if (attribute.name === 'control' && attribute.value !== null) sdp.control = attribute.value.trim();
        } else {
          addMediaAttribute(current, attribute);
        }
        break;
      }
      default:
        // o=, c=, b=, t=, i=, … carry nothing a recording client needs.
        break;
    }
  }
  if (!sawVersion && sdp.media.length === 0) {
    throw new SdpParseError('the body has neither a v= line nor an m= line: it is not SDP', 0);
  }
  return sdp;
}

/** `m=<media> <port>[/<count>] <proto> <fmt> ...` (RFC 4566 §5.14). */
function parseMediaLine(value: string, line: number): SdpMedia {
  const parts = value.split(/\s+/);
  const port = Number((parts[1] ?? '').split('/')[0]);
  return {
    type: (parts[0] ?? '').toLowerCase(),
    port: Number.isInteger(port) && port >= 0 && port <= 65535 ? port : 0,
    protocol: parts[2] ?? '',
    formats: parts.slice(3),
    attributes: [],
    rtpmap: new Map(),
    fmtp: new Map(),
    line,
  };
}

function parseAttribute(value: string): SdpAttribute {
  const colon = value.indexOf(':');
  if (colon === -1) return { name: value.toLowerCase(), value: null };
  return { name: value.slice(0, colon).trim().toLowerCase(), value: value.slice(colon + 1) };
}

function addMediaAttribute(media: SdpMedia, attribute: SdpAttribute): void {
  media.attributes.push(attribute);
  const value = attribute.value;
  if (value === null) return;
  if (attribute.name === 'control') {
    media.control = value.trim();
  } else if (attribute.name === 'rtpmap') {
    // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>] (§6)
    const m = /^\s*(\d{1,3})\s+([^/\s]+)\s*\/\s*(\d+)(?:\s*\/\s*(\d+))?/.exec(value);
    if (m) {
      const map: SdpRtpMap = { encoding: m[2]!, clockRate: Number(m[3]) };
      if (m[4] !== undefined) map.channels = Number(m[4]);
      media.rtpmap.set(Number(m[1]), map);
    }
  } else if (attribute.name === 'fmtp') {
    const m = /^\s*(\d{1,3})\s*(.*)$/.exec(value);
    if (m) media.fmtp.set(Number(m[1]), parseFmtp(m[2]!));
  }
}

/** `packetization-mode=1;sprop-parameter-sets=Z0I...,aM4...;profile-level-id=42c01f` (RFC 6184 §8.1). */
export function parseFmtp(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '' || name === '__proto__') continue;
    params[name] = eq === -1 ? '' : part.slice(eq + 1).trim();
  }
  return params;
}

/** The H.264 video track a client sets up, with what SETUP and the depacketizer need. */
export interface H264Track {
  /** The a=control value as written (absent, `*`, relative or absolute). */
  control: string | undefined;
  payloadType: number;
  clockRate: number;
  /** RFC 6184 §8.1; 0 (single NAL) when absent. */
  packetizationMode: number;
  profileLevelId?: string;
  spropParameterSets?: string;
  /** Media sections that were not taken (`audio`, `application`, a second video), for logs. */
  ignoredMedia: string[];
  /** Tolerances used to read this track (`rtpmap-missing`, `fmtp-misplaced`). */
  quirks: string[];
}

/**
 * Chooses the first H.264 video media section. Throws SDP_NO_VIDEO when there is no video at all and
 * CODEC_UNSUPPORTED when the video is another codec (H.265, MJPEG, …), naming it.
 */
export function selectH264Track(sdp: SessionDescription, label: string): H264Track {
  const video = sdp.media.filter((m) => m.type === 'video');
  if (video.length === 0) {
    const kinds = sdp.media.map((m) => m.type).join(', ') || 'no media at all';
    throw new ThinStreamError('SDP_NO_VIDEO', `${label}: the camera's SDP describes no video (it has ${kinds})`);
  }
  const found: string[] = [];
  for (const media of video) {
    for (const format of media.formats) {
      const pt = Number(format);
      if (!Number.isInteger(pt) || pt < 0 || pt > 127) continue;
      const quirks: string[] = [];
      let fmtp = media.fmtp.get(pt);
      if (fmtp === undefined) {
        // Quirk `fmtp-misplaced`: the video's a=fmtp written in another section that has no such payload type.
        const host = sdp.media.find((m) => m !== media && m.fmtp.has(pt) && !m.formats.includes(String(pt)));
        fmtp = host?.fmtp.get(pt);
        if (fmtp !== undefined) quirks.push('fmtp-misplaced');
      }
      fmtp ??= {};
      const encoding = encodingOf(media, pt, fmtp);
      found.push(encoding);
      if (encoding.toUpperCase() !== 'H264') continue;
      const mode = Number(fmtp['packetization-mode'] ?? '0');
      const track: H264Track = {
        control: media.control,
        payloadType: pt,
        clockRate: media.rtpmap.get(pt)?.clockRate ?? 90000,
        packetizationMode: Number.isInteger(mode) ? mode : 0,
        ignoredMedia: sdp.media.filter((m) => m !== media).map((m) => `${m.type} (line ${m.line})`),
        quirks: media.rtpmap.has(pt) ? quirks : [...quirks, 'rtpmap-missing'],
      };
      if (fmtp['profile-level-id']) track.profileLevelId = fmtp['profile-level-id'];
      if (fmtp['sprop-parameter-sets']) track.spropParameterSets = fmtp['sprop-parameter-sets'];
      return track;
    }
  }
  throw new ThinStreamError(
    'CODEC_UNSUPPORTED',
    `${label}: the camera sends ${[...new Set(found)].join(', ') || 'video without a payload type'}; ThinStream records H.264 only`,
  );
}

/** Static payload types of RFC 3551 §6 that cameras use for video without an rtpmap. */
const STATIC_VIDEO_TYPES: Readonly<Record<number, string>> = {
  26: 'JPEG',
  31: 'H261',
  32: 'MPV',
  33: 'MP2T',
  34: 'H263',
};

function encodingOf(media: SdpMedia, pt: number, fmtp: Record<string, string>): string {
  const map = media.rtpmap.get(pt);
  if (map) return map.encoding;
  const known = STATIC_VIDEO_TYPES[pt];
  if (known) return known;
  // Quirk `rtpmap-missing`: a dynamic type without a=rtpmap but with H.264's fmtp parameters is H.264.
  if (pt >= 96 && ('sprop-parameter-sets' in fmtp || 'packetization-mode' in fmtp || 'profile-level-id' in fmtp)) {
    return 'H264';
  }
  return `payload type ${pt} without rtpmap`;
}
