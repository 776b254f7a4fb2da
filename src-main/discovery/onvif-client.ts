/**
 * Asks one ONVIF camera for its stream addresses: clock, media service, device information, profiles, and the
 * RTSP address of each video profile. Every call carries a WS-Security UsernameToken (digest) when credentials
 * are given; a camera that wants HTTP Digest instead (401 with a Digest challenge) gets that too.
 *
 * No state outlives the call: each SOAP request is its own connection, bounded by the deadline.
 */
import type { OnvifProfileInfo, StreamUrisResponse } from '../../src-shared/api.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { RtspAuthenticator } from '../rtsp/rtsp-auth.js';
import {
  GET_CAPABILITIES,
  GET_DEVICE_INFORMATION,
  GET_PROFILES,
  GET_SYSTEM_DATE_AND_TIME,
  chooseMainAndSub,
  expectResponse,
  getStreamUriCall,
  readDeviceInformation,
  readMediaXaddr,
  readProfiles,
  readStreamUri,
  readSystemDateAndTime,
  type OnvifCall,
} from './onvif-media.js';
import { postSoap } from './soap-http.js';
import { readSoapBody, securityHeader, soapEnvelope, type Credentials } from './soap-envelope.js';
import type { XmlElement } from './xml-reader.js';

export const DEFAULT_ONVIF_TIMEOUT_MS = 8000;
/** A camera clock further off than this is worth naming (UsernameTokens are checked against it). */
const CLOCK_OFFSET_QUIRK_MS = 5000;

export interface StreamUrisOptions {
  /** Device service URL, or a host[:port] (then `http://host[:port]/onvif/device_service`, ONVIF Core §5.1.1). */
  xaddr: string;
  user?: string;
  password?: string;
  /** For the whole exchange. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Injectable clock for tests. */
  nowMs?: () => number;
}

/** Turns what a user typed into a device service URL; throws URL_INVALID when it cannot be one. */
export function deviceServiceUrl(text: string): URL {
  const trimmed = text.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new ThinStreamError('URL_INVALID', `${JSON.stringify(trimmed.slice(0, 100))} is not a camera address`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ThinStreamError(
      'URL_INVALID',
      `${JSON.stringify(trimmed.slice(0, 100))}: an ONVIF device service is http:// or https://`,
    );
  }
  if (url.hostname === '') throw new ThinStreamError('URL_INVALID', `${JSON.stringify(trimmed)} names no host`);
  if (url.pathname === '/' && !/^[a-z]+:\/\/[^/]+\//i.test(withScheme)) url.pathname = '/onvif/device_service';
  return url;
}

/** One camera's profiles and stream addresses. Rejects with a ThinStreamError naming the call that failed. */
export async function fetchStreamUris(o: StreamUrisOptions): Promise<StreamUrisResponse> {
  const deviceUrl = deviceServiceUrl(o.xaddr);
  let credentials: Credentials | null = null;
  const urlUser = deviceUrl.username === '' ? undefined : decodeURIComponent(deviceUrl.username);
  const urlPassword = deviceUrl.password === '' ? undefined : decodeURIComponent(deviceUrl.password);
  deviceUrl.username = '';
  deviceUrl.password = '';
  const user = o.user ?? urlUser;
  if (user !== undefined && user !== '') credentials = { user, password: o.password ?? urlPassword ?? '' };
  const session = new OnvifSession(deviceUrl, credentials, o);
  const quirks: string[] = [];

  // 1. The camera's clock (unauthenticated by design, Core §8.3.1.1): tokens are made in its time.
  try {
    const answer = await session.call(deviceUrl, GET_SYSTEM_DATE_AND_TIME, false);
    const cameraMs = readSystemDateAndTime(answer);
    if (cameraMs !== null) {
      session.clockOffsetMs = cameraMs - session.now();
      if (Math.abs(session.clockOffsetMs) > CLOCK_OFFSET_QUIRK_MS) quirks.push('clock-offset');
    }
  } catch (err) {
    if (!(err instanceof ThinStreamError) || err.code === 'ONVIF_UNREACHABLE' || err.code === 'ONVIF_TIMEOUT') {
      throw err;
    }
    quirks.push('no-system-date-and-time');
  }

  // 2. Where the media service is (it may be another path, port or even host).
  let mediaUrl = deviceUrl;
  try {
    const mediaXaddr = readMediaXaddr(await session.call(deviceUrl, GET_CAPABILITIES, true));
    if (mediaXaddr === null) quirks.push('media-xaddr-missing');
    else mediaUrl = rewriteLoopbackHost(new URL(mediaXaddr), deviceUrl, quirks);
  } catch (err) {
    if (!(err instanceof ThinStreamError) || err.code !== 'ONVIF_FAULT') throw err;
    quirks.push('no-capabilities');
  }

  // 3. Who it is (optional: some cameras refuse it to non-admin users).
  let info = { manufacturer: null as string | null, model: null as string | null, firmware: null as string | null };
  try {
    info = readDeviceInformation(await session.call(deviceUrl, GET_DEVICE_INFORMATION, true));
  } catch (err) {
    if (!(err instanceof ThinStreamError) || err.code !== 'ONVIF_FAULT') throw err;
  }

  // 4. Profiles, then 5. each video profile's address.
  const profiles = readProfiles(await session.call(mediaUrl, GET_PROFILES, true), session.what(mediaUrl, GET_PROFILES));
  const withUris: Array<OnvifProfileInfo & { videoSource: string | null }> = [];
  for (const p of profiles) {
    if (p.encoding === null) {
      withUris.push({ ...p, uri: null, problem: 'the profile has no video encoder' });
      continue;
    }
    const call = getStreamUriCall(p.token);
    try {
      const uri = readStreamUri(await session.call(mediaUrl, call, true), session.what(mediaUrl, call));
      withUris.push({ ...p, uri: withoutCredentials(uri, deviceUrl, quirks), problem: null });
    } catch (err) {
      // One profile the camera will not stream (a fault) is reported on that profile; auth and network end it all.
      if (!(err instanceof ThinStreamError) || (err.code !== 'ONVIF_FAULT' && err.code !== 'ONVIF_BAD_RESPONSE')) {
        throw err;
      }
      withUris.push({ ...p, uri: null, problem: err.message });
    }
  }
  const { main, sub } = chooseMainAndSub(withUris);
  if (session.usedHttpDigest) quirks.push('http-digest');
  return {
    xaddr: deviceUrl.href,
    mediaXaddr: mediaUrl.href,
    ...info,
    profiles: withUris.map(({ videoSource: _source, ...p }) => p),
    mainUri: main,
    subUri: sub,
    quirks,
  };
}

class OnvifSession {
  private readonly deadlineMs: number;
  private readonly httpAuth: RtspAuthenticator | null;
  clockOffsetMs = 0;
  usedHttpDigest = false;

  constructor(
    private readonly deviceUrl: URL,
    private readonly credentials: Credentials | null,
    private readonly o: StreamUrisOptions,
  ) {
    this.deadlineMs = Date.now() + (o.timeoutMs ?? DEFAULT_ONVIF_TIMEOUT_MS);
    this.httpAuth = credentials === null ? null : new RtspAuthenticator(credentials.user, credentials.password);
  }

  now(): number {
    return this.o.nowMs?.() ?? Date.now();
  }

  what(url: URL, call: OnvifCall): string {
    return `ONVIF ${call.name} at ${url.origin}${url.pathname}`;
  }

  /** One call: the answer's body element, checked to be the expected response. */
  async call(url: URL, call: OnvifCall, authenticate: boolean): Promise<XmlElement> {
    const what = this.what(url, call);
    const headers =
      authenticate && this.credentials !== null
        ? securityHeader(this.credentials, this.now() + this.clockOffsetMs)
        : '';
    const envelope = soapEnvelope(call.body, headers);
    const path = url.pathname + url.search;
    let authorization = this.usedHttpDigest ? this.httpAuth?.authorization('POST', path) : undefined;
    for (let attempt = 0; ; attempt++) {
      const remainingMs = this.deadlineMs - Date.now();
      if (remainingMs <= 0) {
        throw new ThinStreamError(
          'ONVIF_TIMEOUT',
          `${what}: the camera took longer than ${this.o.timeoutMs ?? DEFAULT_ONVIF_TIMEOUT_MS} ms in all`,
        );
      }
      const answer = await postSoap({
        url,
        envelope,
        action: call.action,
        timeoutMs: remainingMs,
        what,
        ...(authorization === undefined ? {} : { authorization }),
        ...(this.o.signal === undefined ? {} : { signal: this.o.signal }),
      });
      if (answer.status === 401) {
        // ONVIF Core §5.9.1: HTTP Digest is the other way a device may authenticate a request.
        const verdict = this.httpAuth?.onUnauthorized(answer.wwwAuthenticate, authorization !== undefined);
        if (verdict === 'retry' && attempt < 2) {
          this.usedHttpDigest = true;
          authorization = this.httpAuth?.authorization('POST', path);
          continue;
        }
        throw this.refused(what, answer.body);
      }
      if (answer.status === 404 || answer.status === 405) {
        throw new ThinStreamError(
          'ONVIF_BAD_RESPONSE',
          `${what}: HTTP ${answer.status}: no ONVIF service at this address (is it the camera's device service URL?)`,
        );
      }
      const body = this.read(answer.body, answer.status, what);
      return expectResponse(body, call, what);
    }
  }

  private read(text: string, status: number, what: string): XmlElement {
    try {
      const { element } = readSoapBody(text, what);
      if (status >= 300) {
        throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: HTTP ${status} with a SOAP answer that is no fault`);
      }
      return element;
    } catch (err) {
      if (err instanceof ThinStreamError && err.code === 'ONVIF_AUTH_REFUSED' && this.credentials === null) {
        throw new ThinStreamError('ONVIF_AUTH_REFUSED', `${what}: the camera wants a user and password`, {
          cause: err,
        });
      }
      if (err instanceof ThinStreamError && err.code === 'ONVIF_BAD_RESPONSE' && status >= 300) {
        throw new ThinStreamError(
          'ONVIF_BAD_RESPONSE',
          `${what}: HTTP ${status} and ${err.message.replace(`${what}: `, '')}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  }

  private refused(what: string, body: string): ThinStreamError {
    if (this.credentials === null) {
      return new ThinStreamError('ONVIF_AUTH_REFUSED', `${what}: the camera wants a user and password (HTTP 401)`);
    }
    let detail = 'HTTP 401';
    try {
      readSoapBody(body, what);
    } catch (err) {
      if (err instanceof ThinStreamError && err.code === 'ONVIF_AUTH_REFUSED') return err;
    }
    if (this.usedHttpDigest) detail += ' to HTTP Digest';
    return new ThinStreamError(
      'ONVIF_AUTH_REFUSED',
      `${what}: the camera refused the credentials of user ${JSON.stringify(this.credentials.user)} (${detail})`,
    );
  }
}

/**
 * A service on 0.0.0.0, or on 127.0.0.1/localhost while we reached the camera elsewhere, is a camera that does
 * not know its own address: ask the host we reached instead (quirk `media-xaddr-rewritten`).
 */
function rewriteLoopbackHost(media: URL, device: URL, quirks: string[]): URL {
  const unspecified = (host: string) => host === '0.0.0.0' || host === '[::]';
  const loopback = (host: string) => /^(?:127\.|localhost$|\[::1\]$)/i.test(host);
  if (unspecified(media.hostname) || (loopback(media.hostname) && !loopback(device.hostname))) {
    media.hostname = device.hostname;
    quirks.push('media-xaddr-rewritten');
  }
  return media;
}

/** Stream addresses never carry credentials back to the browser; a loopback host is rewritten as above. */
function withoutCredentials(uri: string, device: URL, quirks: string[]): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return uri;
  }
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
    if (!quirks.includes('credentials-in-stream-uri')) quirks.push('credentials-in-stream-uri');
  }
  const before = url.hostname;
  const rewritten = rewriteLoopbackHost(url, device, []);
  if (rewritten.hostname !== before && !quirks.includes('stream-uri-host-rewritten')) {
    quirks.push('stream-uri-host-rewritten');
  }
  return url.href;
}
