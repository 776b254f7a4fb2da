/**
 * The RTSP addresses of common camera brands, for cameras without ONVIF (or with ONVIF switched off): the
 * config editor offers them under "Add camera", and the core can try them against a host with DESCRIBE
 * (POST /api/v1/discovery/url-patterns). Pure data and string building; no I/O.
 *
 * Placeholders in `mainPath` / `subPath`:
 *   {channel}    1, 2, … (the camera or NVR channel)
 *   {channel02}  01, 02, … (zero-padded to two digits)
 *   {channel00}  00, 01, … (zero-based, two digits)
 * Credentials never go into the path: they are sent in Authorization headers.
 */

export interface CameraUrlPattern {
  /** Stable id (`hikvision`, `dahua`…); one brand may have several patterns (`hikvision-legacy`). */
  id: string;
  /** What the config editor shows. */
  label: string;
  /** Brands that ship the same firmware (OEMs), for the editor's search box. */
  alsoSoldAs: string[];
  scheme: 'rtsp' | 'rtsps';
  port: number;
  /** Main (high) stream path and query, beginning with `/`. */
  mainPath: string;
  /** Sub (low) stream; null when the brand has no fixed sub-stream address. */
  subPath: string | null;
  /** One line for the user: where to switch RTSP on, what the user must be, … */
  note: string;
}

export const CAMERA_URL_PATTERNS: readonly CameraUrlPattern[] = [
  {
    id: 'hikvision',
    label: 'Hikvision',
    alsoSoldAs: ['Annke', 'LTS', 'Hiwatch', 'EZVIZ'],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/Streaming/Channels/{channel}01',
    subPath: '/Streaming/Channels/{channel}02',
    note: 'Channel 1 main = 101, sub = 102; on an NVR channel 5 is 501/502.',
  },
  {
    id: 'hikvision-legacy',
    label: 'Hikvision (older firmware and Hikvision-based DVRs)',
    alsoSoldAs: [],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/h264/ch{channel}/main/av_stream',
    subPath: '/h264/ch{channel}/sub/av_stream',
    note: 'Firmware before 5.x and many DVRs built on it.',
  },
  {
    id: 'dahua',
    label: 'Dahua / Amcrest / Lorex',
    alsoSoldAs: ['Amcrest', 'Lorex', 'IC Realtime', 'EmpireTech'],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/cam/realmonitor?channel={channel}&subtype=0',
    subPath: '/cam/realmonitor?channel={channel}&subtype=1',
    note: 'subtype=0 is the main stream, 1 the first sub stream.',
  },
  {
    id: 'reolink',
    label: 'Reolink',
    alsoSoldAs: [],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/h264Preview_{channel02}_main',
    subPath: '/h264Preview_{channel02}_sub',
    note: 'Switch RTSP on in the camera (Network → Advanced → Port settings); 4K/H.265 models use /Preview_01_main.',
  },
  {
    id: 'foscam',
    label: 'Foscam',
    alsoSoldAs: [],
    scheme: 'rtsp',
    port: 88,
    mainPath: '/videoMain',
    subPath: '/videoSub',
    note: 'HD models serve RTSP on the HTTP port (88 by default).',
  },
  {
    id: 'tapo',
    label: 'TP-Link Tapo / VIGI',
    alsoSoldAs: ['VIGI'],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/stream1',
    subPath: '/stream2',
    note: 'Make a "camera account" in the Tapo app (Advanced settings); that user and password, not the cloud account.',
  },
  {
    id: 'uniview',
    label: 'Uniview (UNV)',
    alsoSoldAs: ['Uniarch'],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/unicast/c{channel}/s0/live',
    subPath: '/unicast/c{channel}/s1/live',
    note: 'Older firmware also answers /media/video1 and /media/video2.',
  },
  {
    id: 'axis',
    label: 'Axis',
    alsoSoldAs: [],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/axis-media/media.amp?videocodec=h264&camera={channel}',
    subPath: '/axis-media/media.amp?videocodec=h264&camera={channel}&resolution=640x360',
    note: 'Axis scales one encoder: the sub stream asks for a smaller resolution.',
  },
  {
    id: 'ubiquiti',
    label: 'Ubiquiti UniFi (standalone camera)',
    alsoSoldAs: ['UniFi'],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/s0',
    subPath: '/s1',
    note: 'Cameras adopted by UniFi Protect stream from the console instead: copy the rtsps://…:7441/… address it shows.',
  },
  {
    id: 'generic-hisilicon',
    label: 'Generic DVR / IP camera (HiSilicon, XMeye)',
    alsoSoldAs: ['XMeye', 'Xiongmai', 'Sricam', 'Jooan'],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/{channel}1',
    subPath: '/{channel}2',
    note: 'Many no-name cameras: /11 main, /12 sub.',
  },
  {
    id: 'generic-live-ch',
    label: 'Generic DVR (live/ch)',
    alsoSoldAs: [],
    scheme: 'rtsp',
    port: 554,
    mainPath: '/live/ch{channel00}_0',
    subPath: '/live/ch{channel00}_1',
    note: 'DVRs that number channels from 00.',
  },
];

/** Words in an ONVIF name/hardware/manufacturer scope that point to a pattern's brand. */
const BRAND_WORDS: ReadonlyArray<[RegExp, string]> = [
  [/hikvision|\bhik|annke|hiwatch|\bds-\d/i, 'hikvision'],
  [/dahua|amcrest|lorex|\bipc-h|\bdh-/i, 'dahua'],
  [/reolink|\brlc-/i, 'reolink'],
  [/foscam/i, 'foscam'],
  [/tapo|tp-?link|vigi/i, 'tapo'],
  [/uniview|\bunv\b|uniarch/i, 'uniview'],
  [/\baxis\b/i, 'axis'],
  [/ubiquiti|ubnt|unifi|\buvc\b/i, 'ubiquiti'],
  [/xmeye|xiongmai|hisilicon/i, 'generic-hisilicon'],
];

/** The id of the pattern whose brand a camera's self-description names, or null. */
export function brandHint(...texts: Array<string | null | undefined>): string | null {
  const text = texts.filter((t): t is string => typeof t === 'string').join(' ');
  for (const [words, id] of BRAND_WORDS) if (words.test(text)) return id;
  return null;
}

export interface PatternUrls {
  patternId: string;
  main: string;
  sub: string | null;
}

/** Fills a pattern in for one host and channel (1-based). `host` may be an IPv6 address without brackets. */
export function patternUrls(pattern: CameraUrlPattern, host: string, channel = 1, port?: number): PatternUrls {
  const hostPart = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const base = `${pattern.scheme}://${hostPart}:${port ?? pattern.port}`;
  const fill = (path: string) =>
    base +
    path
      .replace(/\{channel02\}/g, String(channel).padStart(2, '0'))
      .replace(/\{channel00\}/g, String(channel - 1).padStart(2, '0'))
      .replace(/\{channel\}/g, String(channel));
  return {
    patternId: pattern.id,
    main: fill(pattern.mainPath),
    sub: pattern.subPath === null ? null : fill(pattern.subPath),
  };
}

export function findUrlPattern(id: string): CameraUrlPattern | undefined {
  return CAMERA_URL_PATTERNS.find((p) => p.id === id);
}
