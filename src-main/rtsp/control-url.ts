/**
 * Which URL each request goes to (RFC 2326 §C.1.1): the base is Content-Base, else Content-Location,
 * else the DESCRIBE URL; a=control at session level names the aggregate URL (PLAY, TEARDOWN), at media
 * level the track URL (SETUP). Pure.
 *
 * Cameras bend this, so a relative control is appended to the base with one `/` between them — what
 * ffmpeg and live555 do — rather than resolved as RFC 3986 would (which drops the base's last segment:
 * `rtsp://h/live` + `trackID=1` would become `rtsp://h/trackID=1`, a URL no camera answers).
 */

export interface ControlUrls {
  /** Content-Base (or its stand-in) after repair. */
  base: string;
  /** URL for SETUP of the chosen track. */
  track: string;
  /** URL for PLAY, GET_PARAMETER and TEARDOWN. */
  aggregate: string;
  /** Tolerances used: `content-base-missing`, `content-base-no-scheme`, `content-base-no-trailing-slash`. */
  quirks: string[];
}

const ABSOLUTE = /^rtsps?:\/\//i;

export function resolveControlUrls(input: {
  requestUrl: string;
  contentBase?: string | undefined;
  contentLocation?: string | undefined;
  sessionControl?: string | undefined;
  mediaControl?: string | undefined;
}): ControlUrls {
  const quirks: string[] = [];
  const declared = nonEmpty(input.contentBase) ?? nonEmpty(input.contentLocation);
  let base: string;
  if (declared === undefined) {
    base = input.requestUrl;
    const mediaControl = nonEmpty(input.mediaControl);
    if (mediaControl !== undefined && mediaControl !== '*' && !ABSOLUTE.test(mediaControl)) {
      quirks.push('content-base-missing');
    }
  } else if (ABSOLUTE.test(declared)) {
    base = declared;
  } else {
    quirks.push('content-base-no-scheme');
    base = withScheme(declared, input.requestUrl);
  }
  base = stripCredentials(base);

  const sessionControl = nonEmpty(input.sessionControl);
  const aggregate =
    sessionControl !== undefined && ABSOLUTE.test(sessionControl) ? stripCredentials(sessionControl) : base;
  const trackBase = aggregate;
  const mediaControl = nonEmpty(input.mediaControl);
  let track: string;
  if (mediaControl === undefined || mediaControl === '*') {
    track = trackBase;
  } else if (ABSOLUTE.test(mediaControl)) {
    track = stripCredentials(mediaControl);
  } else if (mediaControl.startsWith('/')) {
    track = origin(trackBase) + mediaControl;
  } else {
    if (!trackBase.endsWith('/')) quirks.push('content-base-no-trailing-slash');
    track = joinControl(trackBase, mediaControl);
  }
  return { base, track, aggregate, quirks };
}

/** Appends a relative control to a base with exactly one `/` between them. */
export function joinControl(base: string, control: string): string {
  return base.endsWith('/') ? base + control : `${base}/${control}`;
}

function nonEmpty(text: string | undefined): string | undefined {
  const t = text?.trim();
  return t === undefined || t === '' ? undefined : t;
}

/** `rtsp://host:port` of an absolute URL. */
function origin(url: string): string {
  const m = /^(rtsps?:\/\/[^/?#]*)/i.exec(url);
  return m ? m[1]! : url;
}

/** Repairs a Content-Base written without a scheme: `/live/` or `192.168.1.10/live/`. */
function withScheme(declared: string, requestUrl: string): string {
  if (declared.startsWith('/')) return origin(requestUrl) + declared;
  const scheme = /^(rtsps?):/i.exec(requestUrl)?.[1] ?? 'rtsp';
  return `${scheme}://${declared.replace(/^\/\//, '')}`;
}

function stripCredentials(url: string): string {
  return url.replace(/^(rtsps?:\/\/)[^/@?#]*@/i, '$1');
}

/** True when RTP-Info's `url` names this track (absolute, relative, or with a trailing-slash difference). */
export function sameControlUrl(a: string, b: string): boolean {
  const norm = (u: string) => stripCredentials(u.trim()).replace(/\/+$/, '').toLowerCase();
  const na = norm(a);
  const nb = norm(b);
  if (na === nb) return true;
  // The same path on another host name or address (a camera that names its LAN address behind NAT).
  const pathOf = (u: string) => u.replace(/^rtsps?:\/\/[^/?#]*/i, '');
  if (ABSOLUTE.test(a) && ABSOLUTE.test(b) && pathOf(na) === pathOf(nb)) return true;
  // A relative url (`stream=0`, `trackID=1`) matches the end of the absolute one.
  if (!ABSOLUTE.test(a) && nb.endsWith('/' + na.replace(/^\/+/, ''))) return true;
  if (!ABSOLUTE.test(b) && na.endsWith('/' + nb.replace(/^\/+/, ''))) return true;
  return false;
}
