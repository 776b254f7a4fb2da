/**
 * Writes the camera's RTSP responses (RFC 2326 §7) with the shared serializer (CRLF, canonical names,
 * Content-Length), then applies the quirks that change how a response is written: `bare-lf` (LF line
 * endings) and `lowercase-headers` (header names in lower case).
 */
import { RtspHeaders, STATUS_REASONS, serializeResponse } from '../message.js';
import type { QuirkName } from './quirks.js';

export interface CameraResponse {
  status: number;
  /** [name, value] in the order written. */
  headers: Array<[string, string]>;
  body?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function writeResponse(response: CameraResponse, quirks: ReadonlySet<QuirkName>): Uint8Array {
  const bytes = serializeResponse({
    status: response.status,
    reason: STATUS_REASONS[response.status] ?? 'Unknown',
    headers: new RtspHeaders(response.headers),
    body: response.body === undefined ? new Uint8Array(0) : encoder.encode(response.body),
  });
  const bareLf = quirks.has('bare-lf');
  const lowercase = quirks.has('lowercase-headers');
  if (!bareLf && !lowercase) return bytes;
  const text = decoder.decode(bytes);
  const headEnd = text.indexOf('\r\n\r\n');
  const body = text.slice(headEnd + 4);
  let lines = text.slice(0, headEnd).split('\r\n');
  if (lowercase) {
    lines = lines.map((line, i) => {
      const colon = line.indexOf(':');
      return i === 0 || colon === -1 ? line : line.slice(0, colon).toLowerCase() + line.slice(colon);
    });
  }
  const eol = bareLf ? '\n' : '\r\n';
  return encoder.encode(lines.join(eol) + eol + eol + body);
}
