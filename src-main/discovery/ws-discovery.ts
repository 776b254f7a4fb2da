/**
 * WS-Discovery messages (OASIS WS-Discovery, the April 2005 version ONVIF uses; ONVIF Core §7.3): the Probe we
 * send for NetworkVideoTransmitters, and reading the ProbeMatches cameras answer. Pure: text in, values out.
 */
import { randomUUID } from 'node:crypto';
import { ThinStreamError } from '../../src-shared/errors.js';
import { readSoapBody } from './soap-envelope.js';
import { childrenNamed, pathNamed, textAt, type XmlElement } from './xml-reader.js';

export const WS_DISCOVERY_MULTICAST_ADDRESS = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;
const WSA_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const WSD_NS = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const ONVIF_NETWORK_NS = 'http://www.onvif.org/ver10/network/wsdl';
const ONVIF_DEVICE_NS = 'http://www.onvif.org/ver10/device/wsdl';
/** Bound on matches read from one datagram: a datagram is at most 64 KB, a match is a few hundred bytes. */
const MAX_MATCHES_PER_MESSAGE = 64;
const MAX_FIELD_CHARS = 256;

/** `urn:uuid:<v4>`, the MessageID of one probe (WS-Addressing §3). */
export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

/**
 * What a probe asks for (WS-Discovery §5.2 Types). ONVIF Core §7.3.2 has devices answer `dn:NetworkVideoTransmitter`
 * (Profile S cameras) and `tds:Device` (every ONVIF device since 2.0); some firmware answers only one of them, so
 * discovery sends one probe of each and keeps each device once.
 */
export type ProbeType = 'dn:NetworkVideoTransmitter' | 'tds:Device';
export const PROBE_TYPES: readonly ProbeType[] = ['dn:NetworkVideoTransmitter', 'tds:Device'];

export function buildProbe(messageId: string, type: ProbeType = 'dn:NetworkVideoTransmitter'): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="${WSA_NS}" xmlns:d="${WSD_NS}" xmlns:dn="${ONVIF_NETWORK_NS}" xmlns:tds="${ONVIF_DEVICE_NS}">` +
    '<s:Header>' +
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
    `<a:MessageID>${messageId}</a:MessageID>` +
    '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    '</s:Header>' +
    `<s:Body><d:Probe><d:Types>${type}</d:Types></d:Probe></s:Body>` +
    '</s:Envelope>'
  );
}

/** One ProbeMatch, as the camera described itself. */
export interface ProbeMatch {
  /** EndpointReference Address (`urn:uuid:…`): the device's stable identity. */
  endpoint: string;
  types: string[];
  /** Scope URIs, as sent (`onvif://www.onvif.org/name/Front%20Door`). */
  scopes: string[];
  /** Device service addresses; only http(s) URLs are kept. */
  xaddrs: string[];
  /** From `onvif://www.onvif.org/name/…`, percent-decoded. */
  name: string | null;
  /** From `onvif://www.onvif.org/hardware/…`. */
  model: string | null;
  /** From a `…/manufacturer/…` or `…/mfr/…` scope (not in the ONVIF list, but several brands send one). */
  manufacturer: string | null;
  location: string | null;
}

export interface ProbeMatchesMessage {
  /** WS-Addressing RelatesTo: the MessageID of the Probe this answers, when the camera sent it. */
  relatesTo: string | null;
  matches: ProbeMatch[];
}

/**
 * Reads a ProbeMatches message (WS-Discovery §5.3). Throws a ThinStreamError (ONVIF_BAD_RESPONSE) when it is
 * not one: malformed XML, another message (Hello, Bye, a Probe from another client), or a match without
 * an endpoint.
 */
export function parseProbeMatches(text: string, from: string): ProbeMatchesMessage {
  const what = `WS-Discovery answer from ${from}`;
  const { element, envelope } = readSoapBody(text, what);
  if (element.name !== 'ProbeMatches') {
    throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: expected ProbeMatches, got <${element.name}>`);
  }
  const relatesTo = textAt(envelope, 'Header', 'RelatesTo') ?? null;
  const matchElements = childrenNamed(element, 'ProbeMatch');
  if (matchElements.length > MAX_MATCHES_PER_MESSAGE) {
    throw new ThinStreamError(
      'ONVIF_BAD_RESPONSE',
      `${what}: ${matchElements.length} matches in one message, more than ${MAX_MATCHES_PER_MESSAGE}`,
    );
  }
  return { relatesTo, matches: matchElements.map((m) => readProbeMatch(m, what)) };
}

function readProbeMatch(match: XmlElement, what: string): ProbeMatch {
  const endpoint = textAt(match, 'EndpointReference', 'Address');
  if (endpoint === undefined) {
    throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: a ProbeMatch without EndpointReference/Address`);
  }
  const scopes = words(pathNamed(match, 'Scopes')?.text);
  const xaddrs = words(pathNamed(match, 'XAddrs')?.text).filter(isHttpUrl);
  return {
    endpoint: clipField(endpoint),
    types: words(pathNamed(match, 'Types')?.text).map(clipField),
    scopes: scopes.map(clipField),
    xaddrs,
    name: scopeValue(scopes, 'name'),
    model: scopeValue(scopes, 'hardware'),
    manufacturer: scopeValue(scopes, 'manufacturer') ?? scopeValue(scopes, 'mfr'),
    location: scopeValue(scopes, 'location'),
  };
}

function words(text: string | undefined): string[] {
  return (text ?? '').split(/\s+/).filter((w) => w !== '');
}

function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text) || text.length > 2048) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The value of an ONVIF scope (Core §7.3.2.2: `onvif://www.onvif.org/<category>/<value>`), case-insensitive on
 * the category, percent-decoded; several values of one category are joined with a space. Null when absent or empty.
 */
export function scopeValue(scopes: readonly string[], category: string): string | null {
  const prefix = `onvif://www.onvif.org/${category.toLowerCase()}/`;
  const values = scopes
    .filter((s) => s.toLowerCase().startsWith(prefix))
    .map((s) => safeDecode(s.slice(prefix.length)).trim())
    .filter((v) => v !== '');
  return values.length === 0 ? null : clipField(values.join(' '));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function clipField(text: string): string {
  return text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text;
}

/**
 * The device service address to use: the XAddr on the address the answer came from, else the first one, else
 * ONVIF's fixed entry point on that address (Core §5.1.1: `http://<address>/onvif/device_service`).
 */
export function chooseXaddr(xaddrs: readonly string[], fromAddress: string): { xaddr: string; guessed: boolean } {
  const onSender = xaddrs.find((x) => {
    try {
      return new URL(x).hostname.replace(/^\[|\]$/g, '') === fromAddress;
    } catch {
      return false;
    }
  });
  const chosen = onSender ?? xaddrs[0];
  if (chosen !== undefined) return { xaddr: chosen, guessed: false };
  const host = fromAddress.includes(':') ? `[${fromAddress}]` : fromAddress;
  return { xaddr: `http://${host}/onvif/device_service`, guessed: true };
}
