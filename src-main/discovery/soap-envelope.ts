/**
 * SOAP 1.2 envelopes for the ONVIF calls we make, the WS-Security UsernameToken that authenticates them,
 * and reading an answer: its body's first element, or its Fault as a clear error. Pure: no I/O.
 *
 * UsernameToken with PasswordDigest (OASIS WS-Security UsernameToken Profile 1.0 §3.1, required by the ONVIF
 * Core Specification §5.9.4): Digest = Base64(SHA-1(nonce bytes + Created + password)).
 */
import { createHash, randomBytes } from 'node:crypto';
import { ThinStreamError, type ErrorCode } from '../../src-shared/errors.js';
import { childNamed, parseXml, textAt, type XmlElement } from './xml-reader.js';

export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_DIGEST =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

export interface Credentials {
  user: string;
  password: string;
}

/** Escapes text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** The PasswordDigest of a UsernameToken: Base64(SHA-1(nonce + created + password)). */
export function passwordDigest(nonce: Uint8Array, created: string, password: string): string {
  return createHash('sha1')
    .update(nonce)
    .update(Buffer.from(created + password, 'utf8'))
    .digest('base64');
}

/** `2026-03-01T12:00:00.000Z`: the camera's clock, as far as we know it (our clock plus its offset). */
export function createdTimestamp(nowMs: number): string {
  return new Date(nowMs).toISOString();
}

/** The wsse:Security header with a UsernameToken. `nonce` and `nowMs` are injectable for tests. */
export function securityHeader(credentials: Credentials, nowMs: number, nonce: Uint8Array = randomBytes(16)): string {
  const created = createdTimestamp(nowMs);
  const digest = passwordDigest(nonce, created, credentials.password);
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">` +
    '<wsse:UsernameToken>' +
    `<wsse:Username>${escapeXml(credentials.user)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${Buffer.from(nonce).toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created>` +
    '</wsse:UsernameToken>' +
    '</wsse:Security>'
  );
}

/** A SOAP 1.2 envelope around one body element, with optional header blocks. */
export function soapEnvelope(body: string, headers = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<s:Envelope xmlns:s="${SOAP12_NS}">` +
    (headers === '' ? '' : `<s:Header>${headers}</s:Header>`) +
    `<s:Body>${body}</s:Body>` +
    '</s:Envelope>'
  );
}

/** A SOAP fault the camera answered, with its codes (local names) and reason. */
export class SoapFaultError extends ThinStreamError {
  /** `Sender`, `Receiver`, `Client`, `Server`… (local name of the top code). */
  readonly faultCode: string;
  /** Local names of the subcodes, outermost first (`NotAuthorized`, `ActionNotSupported`…). */
  readonly subcodes: string[];
  readonly reason: string;

  constructor(code: ErrorCode, message: string, fault: { faultCode: string; subcodes: string[]; reason: string }) {
    super(code, message);
    this.name = 'SoapFaultError';
    this.faultCode = fault.faultCode;
    this.subcodes = fault.subcodes;
    this.reason = fault.reason;
  }
}

/**
 * Subcodes that mean "these credentials are not accepted": ONVIF's ter:NotAuthorized (Core §5.11.2.4) and the
 * WS-Security faults (WSS 1.0 §12: FailedAuthentication, InvalidSecurityToken, InvalidSecurity).
 */
const AUTH_SUBCODES = new Set(['NotAuthorized', 'FailedAuthentication', 'InvalidSecurityToken', 'InvalidSecurity']);

export interface SoapBody {
  /** The first element of the Body. */
  element: XmlElement;
  envelope: XmlElement;
}

/**
 * Reads a SOAP answer. Returns the body's first element; a Fault (SOAP 1.2 §5.4 or 1.1 §4.4) throws a
 * SoapFaultError: ONVIF_AUTH_REFUSED when it says the credentials were refused, ONVIF_FAULT otherwise.
 * `what` names the call and the device in every message.
 */
export function readSoapBody(text: string, what: string): SoapBody {
  let envelope: XmlElement;
  try {
    envelope = parseXml(text);
  } catch (err) {
    if (err instanceof ThinStreamError) {
      throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: the answer is not SOAP (${err.message})`, {
        cause: err,
      });
    }
    throw err;
  }
  if (envelope.name !== 'Envelope' || (envelope.ns !== SOAP12_NS && envelope.ns !== SOAP11_NS)) {
    throw new ThinStreamError(
      'ONVIF_BAD_RESPONSE',
      `${what}: the answer is not a SOAP envelope (root <${envelope.prefix ? envelope.prefix + ':' : ''}${envelope.name}>)`,
    );
  }
  const body = childNamed(envelope, 'Body');
  const first = body?.children[0];
  if (body === undefined || first === undefined) {
    throw new ThinStreamError('ONVIF_BAD_RESPONSE', `${what}: the SOAP answer has an empty Body`);
  }
  if (first.name === 'Fault') throw faultError(first, what);
  return { element: first, envelope };
}

/** Turns a Fault element into the error it means. */
export function faultError(fault: XmlElement, what: string): SoapFaultError {
  let faultCode: string;
  const subcodes: string[] = [];
  let reason: string;
  const code12 = childNamed(fault, 'Code');
  if (code12 !== undefined) {
    faultCode = localPart(textAt(code12, 'Value') ?? '');
    let sub = childNamed(code12, 'Subcode');
    for (let depth = 0; sub !== undefined && depth < 8; depth++) {
      const value = textAt(sub, 'Value');
      if (value !== undefined) subcodes.push(localPart(value));
      sub = childNamed(sub, 'Subcode');
    }
    const reasonEl = childNamed(fault, 'Reason');
    reason = reasonEl?.children.map((t) => t.text.trim()).find((t) => t !== '') ?? '';
  } else {
    // SOAP 1.1: faultcode is a QName such as `SOAP-ENV:Client` or `wsse:FailedAuthentication`.
    const code11 = localPart(textAt(fault, 'faultcode') ?? '');
    faultCode = code11;
    if (AUTH_SUBCODES.has(code11)) subcodes.push(code11);
    reason = textAt(fault, 'faultstring') ?? '';
  }
  const detail = [faultCode, ...subcodes].filter((c) => c !== '').join('/');
  const said = `${detail || 'no code'}${reason === '' ? '' : `: ${clip(reason)}`}`;
  const authRefused =
    subcodes.some((c) => AUTH_SUBCODES.has(c)) || /not\s*authori[sz]ed|authenticat|unauthori[sz]ed/i.test(reason);
  if (authRefused) {
    return new SoapFaultError(
      'ONVIF_AUTH_REFUSED',
      `${what}: the camera refused the credentials (SOAP fault ${said}); check the user and password, and that the camera's clock is within a few minutes of this computer's`,
      { faultCode, subcodes, reason },
    );
  }
  return new SoapFaultError('ONVIF_FAULT', `${what}: the camera answered with a SOAP fault (${said})`, {
    faultCode,
    subcodes,
    reason,
  });
}

/** `ter:NotAuthorized` → `NotAuthorized`. */
function localPart(qname: string): string {
  const colon = qname.lastIndexOf(':');
  return (colon === -1 ? qname : qname.slice(colon + 1)).trim();
}

function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return oneLine.length > 160 ? `${oneLine.slice(0, 160)}…` : oneLine;
}
