/**
 * The ONVIF device and media calls that turn a camera's address into RTSP stream addresses: request bodies and
 * readers of their answers (ONVIF Device Management ver10 and Media ver10 WSDLs). Pure: text in, values out.
 *
 *   GetSystemDateAndTime  the camera's clock, so the UsernameToken's Created is in its time (Core §5.9.4)
 *   GetCapabilities       the media service address (it may differ from the device service's)
 *   GetDeviceInformation  manufacturer, model, firmware
 *   GetProfiles           the media profiles: encoder, resolution, frame rate
 *   GetStreamUri          one profile's RTSP address (StreamSetup RTP-Unicast over RTSP)
 */
import type { OnvifProfileInfo } from '../../src-shared/api.js';
import { ThinStreamError } from '../../src-shared/errors.js';
import { escapeXml } from './soap-envelope.js';
import { attributeNamed, childNamed, childrenNamed, findDescendant, textAt, type XmlElement } from './xml-reader.js';

export const DEVICE_NS = 'http://www.onvif.org/ver10/device/wsdl';
export const MEDIA_NS = 'http://www.onvif.org/ver10/media/wsdl';
const SCHEMA_NS = 'http://www.onvif.org/ver10/schema';
/** More profiles than this are not asked for stream addresses (cameras have 2–6; NVRs a few per channel). */
export const MAX_PROFILES = 32;

export interface OnvifCall {
  /** Operation name, for messages. */
  name: string;
  /** The SOAP action (the operation's URI in its WSDL). */
  action: string;
  body: string;
  /** The local name of the answer's body element. */
  response: string;
}

export const GET_SYSTEM_DATE_AND_TIME: OnvifCall = {
  name: 'GetSystemDateAndTime',
  action: `${DEVICE_NS}/GetSystemDateAndTime`,
  body: `<tds:GetSystemDateAndTime xmlns:tds="${DEVICE_NS}"/>`,
  response: 'GetSystemDateAndTimeResponse',
};

export const GET_CAPABILITIES: OnvifCall = {
  name: 'GetCapabilities',
  action: `${DEVICE_NS}/GetCapabilities`,
  body: `<tds:GetCapabilities xmlns:tds="${DEVICE_NS}"><tds:Category>All</tds:Category></tds:GetCapabilities>`,
  response: 'GetCapabilitiesResponse',
};

export const GET_DEVICE_INFORMATION: OnvifCall = {
  name: 'GetDeviceInformation',
  action: `${DEVICE_NS}/GetDeviceInformation`,
  body: `<tds:GetDeviceInformation xmlns:tds="${DEVICE_NS}"/>`,
  response: 'GetDeviceInformationResponse',
};

export const GET_PROFILES: OnvifCall = {
  name: 'GetProfiles',
  action: `${MEDIA_NS}/GetProfiles`,
  body: `<trt:GetProfiles xmlns:trt="${MEDIA_NS}"/>`,
  response: 'GetProfilesResponse',
};

export function getStreamUriCall(profileToken: string): OnvifCall {
  return {
    name: 'GetStreamUri',
    action: `${MEDIA_NS}/GetStreamUri`,
    body:
      `<trt:GetStreamUri xmlns:trt="${MEDIA_NS}" xmlns:tt="${SCHEMA_NS}">` +
      '<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>' +
      `<trt:ProfileToken>${escapeXml(profileToken)}</trt:ProfileToken>` +
      '</trt:GetStreamUri>',
    response: 'GetStreamUriResponse',
  };
}

/** Checks the answer is the one asked for. */
export function expectResponse(element: XmlElement, call: OnvifCall, what: string): XmlElement {
  if (element.name !== call.response) {
    throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: expected <${call.response}>, got <${element.name}>`);
  }
  return element;
}

/** The camera's UTC clock in ms since 1970, or null when it did not say (or said nonsense). */
export function readSystemDateAndTime(response: XmlElement): number | null {
  const utc = findDescendant(response, 'UTCDateTime');
  if (utc === undefined) return null;
  const n = (name: string, parent: 'Date' | 'Time', min: number, max: number) =>
    boundedInt(textAt(utc, parent, name), min, max);
  const year = n('Year', 'Date', 1970, 2200);
  const month = n('Month', 'Date', 1, 12);
  const day = n('Day', 'Date', 1, 31);
  const hour = n('Hour', 'Time', 0, 23);
  const minute = n('Minute', 'Time', 0, 59);
  const second = n('Second', 'Time', 0, 60);
  if (year === null || month === null || day === null || hour === null || minute === null || second === null) {
    return null;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The media service address from GetCapabilities (Capabilities/Media/XAddr), or null. */
export function readMediaXaddr(response: XmlElement): string | null {
  const capabilities = childNamed(response, 'Capabilities');
  const xaddr = capabilities === undefined ? undefined : textAt(capabilities, 'Media', 'XAddr');
  return xaddr !== undefined && /^https?:\/\//i.test(xaddr) && xaddr.length <= 2048 ? xaddr : null;
}

export interface DeviceInformation {
  manufacturer: string | null;
  model: string | null;
  firmware: string | null;
}

export function readDeviceInformation(response: XmlElement): DeviceInformation {
  const field = (name: string) => {
    const v = textAt(response, name);
    return v === undefined ? null : v.slice(0, 128);
  };
  return { manufacturer: field('Manufacturer'), model: field('Model'), firmware: field('FirmwareVersion') };
}

/** A profile as GetProfiles describes it (before its stream address is asked for). */
export type OnvifProfile = Omit<OnvifProfileInfo, 'uri' | 'problem'> & {
  /** The video source the profile encodes (main and sub streams of one camera share it). */
  videoSource: string | null;
};

export function readProfiles(response: XmlElement, what: string): OnvifProfile[] {
  const elements = childrenNamed(response, 'Profiles');
  if (elements.length > MAX_PROFILES) {
    throw new ThinStreamError(
      'ONVIF_BAD_RESPONSE',
      `${what}: ${elements.length} profiles, more than the ${MAX_PROFILES} ThinStream reads`,
    );
  }
  const profiles: OnvifProfile[] = [];
  for (const p of elements) {
    const token = attributeNamed(p, 'token');
    if (token === undefined || token === '' || token.length > 64) {
      throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: a profile without a usable token attribute`);
    }
    const encoder = childNamed(p, 'VideoEncoderConfiguration');
    const encoding = encoder === undefined ? null : (textAt(encoder, 'Encoding')?.slice(0, 16) ?? null);
    const source = childNamed(p, 'VideoSourceConfiguration');
    profiles.push({
      token,
      name: (textAt(p, 'Name') ?? token).slice(0, 64),
      encoding,
      width: encoder === undefined ? null : boundedInt(textAt(encoder, 'Resolution', 'Width'), 1, 16384),
      height: encoder === undefined ? null : boundedInt(textAt(encoder, 'Resolution', 'Height'), 1, 16384),
      fps: encoder === undefined ? null : boundedNumber(textAt(encoder, 'RateControl', 'FrameRateLimit'), 1, 1000),
      bitrateKbps: encoder === undefined ? null : boundedInt(textAt(encoder, 'RateControl', 'BitrateLimit'), 1, 1e6),
      supported: encoding !== null && /^h\.?264$/i.test(encoding),
      videoSource: source === undefined ? null : (textAt(source, 'SourceToken')?.slice(0, 64) ?? null),
    });
  }
  return profiles;
}

/** The RTSP address of GetStreamUri (MediaUri/Uri). */
export function readStreamUri(response: XmlElement, what: string): string {
  const uri = textAt(response, 'MediaUri', 'Uri');
  if (uri === undefined) throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: the answer has no MediaUri/Uri`);
  if (!/^rtsps?:\/\//i.test(uri) || uri.length > 2048) {
    throw new ThinStreamError(
      'ONVIF_BAD_RESPONSE',
      `${what}: the stream address ${JSON.stringify(uri.slice(0, 80))} is not rtsp:// or rtsps://`,
    );
  }
  return uri;
}

/**
 * Main and sub stream: the largest supported profile with an address, and the smallest other one of the same
 * video source (a camera with two lenses has two sources; an NVR one per channel). Null where none fits.
 */
export function chooseMainAndSub(profiles: ReadonlyArray<OnvifProfileInfo & { videoSource: string | null }>): {
  main: string | null;
  sub: string | null;
} {
  const usable = profiles.filter((p) => p.supported && p.uri !== null);
  const pixels = (p: OnvifProfileInfo) => (p.width ?? 0) * (p.height ?? 0);
  let main = usable[0];
  for (const p of usable) if (main !== undefined && pixels(p) > pixels(main)) main = p;
  if (main === undefined) return { main: null, sub: null };
  const chosenMain = main;
  const others = usable.filter(
    (p) => p !== chosenMain && p.uri !== chosenMain.uri && (p.videoSource ?? '') === (chosenMain.videoSource ?? ''),
  );
  let sub = others[0];
  for (const p of others) if (sub !== undefined && pixels(p) < pixels(sub)) sub = p;
  return { main: chosenMain.uri, sub: sub?.uri ?? null };
}

function boundedInt(text: string | undefined, min: number, max: number): number | null {
  if (text === undefined || !/^\+?\d{1,9}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function boundedNumber(text: string | undefined, min: number, max: number): number | null {
  if (text === undefined || !/^\+?\d{1,9}(?:\.\d{1,9})?$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}
