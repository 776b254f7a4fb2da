/**
 * Real camera answers in test/fixtures/rtsp/ (first line: where each came from). Files are stored with
 * LF line endings; cameras sent CRLF, so the loader restores CRLF, which makes every Content-Length exact.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fixturePath } from '../support/paths.js';
import { RtspStreamParser, type RtspMessage, type RtspResponse } from '../../src-main/rtsp/message.js';

export function fixtureNames(suffix: string): string[] {
  return readdirSync(fixturePath('rtsp'))
    .filter((n) => n.endsWith(suffix))
    .sort();
}

/** The fixture's text without its provenance line, with LF line endings. */
export function fixtureText(name: string): string {
  const text = readFileSync(fixturePath('rtsp', name), 'utf8');
  return text.startsWith('#') ? text.slice(text.indexOf('\n') + 1) : text;
}

/** The bytes the camera sent (CRLF line endings). */
export function fixtureBytes(name: string): Uint8Array {
  return new TextEncoder().encode(fixtureText(name).replace(/\r?\n/g, '\r\n'));
}

export function loadResponse(name: string): RtspResponse {
  const messages: RtspMessage[] = [];
  const parser = new RtspStreamParser({ onMessage: (m) => messages.push(m), onInterleaved: () => undefined });
  parser.push(fixtureBytes(name));
  const m = messages[0];
  if (messages.length !== 1 || m === undefined || m.kind !== 'response') {
    throw new Error(`${name}: expected one RTSP response, parsed ${messages.length} messages`);
  }
  return m;
}

export function bodyText(response: RtspResponse): string {
  return new TextDecoder().decode(response.body);
}
