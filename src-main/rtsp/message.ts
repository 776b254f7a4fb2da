/**
 * RTSP 1.0 messages (RFC 2326 §4–§7) and the byte-stream parser shared by the client and our own server.
 * A TCP connection carries text messages and, once playing, interleaved binary frames (§10.12:
 * `$`, channel, 16-bit length, payload) in any order. The parser is pure: bytes in, events out.
 *
 * Lenient in what it reads (STYLE.md): header names in any case, bare LF line endings, folded headers,
 * blank lines between messages. Strict in what it writes: CRLF, canonical names, Content-Length.
 */
import { ThinStreamError } from '../../src-shared/errors.js';

export class RtspHeaders {
  /** [lower-case name, name as written, value], in the order received or set. */
  private readonly list: Array<[string, string, string]> = [];

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  get(name: string): string | undefined {
    const key = name.toLowerCase();
    for (const entry of this.list) if (entry[0] === key) return entry[2];
    return undefined;
  }

  getAll(name: string): string[] {
    const key = name.toLowerCase();
    const values: string[] = [];
    for (const entry of this.list) if (entry[0] === key) values.push(entry[2]);
    return values;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every header of this name with one. */
  set(name: string, value: string): this {
    this.delete(name);
    this.list.push([name.toLowerCase(), name, value]);
    return this;
  }

  append(name: string, value: string): this {
    this.list.push([name.toLowerCase(), name, value]);
    return this;
  }

  delete(name: string): void {
    const key = name.toLowerCase();
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]![0] === key) this.list.splice(i, 1);
  }

  /** [name as written, value] pairs in order. */
  *entries(): IterableIterator<[string, string]> {
    for (const entry of this.list) yield [entry[1], entry[2]];
  }

  get size(): number {
    return this.list.length;
  }
}

export interface RtspRequest {
  kind: 'request';
  method: string;
  uri: string;
  version: string;
  headers: RtspHeaders;
  body: Uint8Array;
  /** Set by the parser when the head's lines ended with a bare LF, not CRLF (§4 asks for CRLF). */
  bareLf?: boolean;
}

export interface RtspResponse {
  kind: 'response';
  version: string;
  status: number;
  reason: string;
  headers: RtspHeaders;
  body: Uint8Array;
  /** Set by the parser when the head's lines ended with a bare LF, not CRLF (§4 asks for CRLF). */
  bareLf?: boolean;
}

export type RtspMessage = RtspRequest | RtspResponse;

/** A byte sequence that is not RTSP. `offset` counts bytes from the start of the connection. */
export class RtspParseError extends ThinStreamError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('RTSP_BAD_MESSAGE', `${message} (at byte ${offset})`);
    this.name = 'RtspParseError';
    this.offset = offset;
  }
}

export interface RtspParserSink {
  onMessage(message: RtspMessage): void;
  /**
   * One interleaved frame: `data[start..end)`. `data` may be the chunk passed to `push`, valid only during the
   * call: RtspConnection reads every chunk into one reused buffer. A sink copies what it keeps. (A range, not a
   * view: at 64 cameras a view per packet was a measurable share of the runtime's CPU.)
   */
  onInterleaved(channel: number, data: Uint8Array, start: number, end: number): void;
}

export interface RtspParserOptions {
  /** Longest start line plus headers accepted before the message is refused. */
  maxHeaderBytes?: number;
  /** Largest Content-Length accepted. */
  maxBodyBytes?: number;
}

const DOLLAR = 0x24;
const LF = 0x0a;
const CR = 0x0d;
const EMPTY = new Uint8Array(0);
const textDecoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Incremental parser: `push` each chunk as it arrives. Throws RtspParseError on bytes that cannot be
 * RTSP; the connection should then be closed, as its framing is lost.
 */
export class RtspStreamParser {
  private readonly sink: RtspParserSink;
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  /** Bytes of an incomplete message or frame carried to the next chunk. */
  private pending: Uint8Array = EMPTY;
  private consumed = 0;

  constructor(sink: RtspParserSink, options: RtspParserOptions = {}) {
    this.sink = sink;
    this.maxHeaderBytes = options.maxHeaderBytes ?? 64 * 1024;
    this.maxBodyBytes = options.maxBodyBytes ?? 4 * 1024 * 1024;
  }

  /** Bytes parsed so far on this connection. */
  get offset(): number {
    return this.consumed;
  }

  /** Parses `chunk`, which may be overwritten once this returns: whatever is kept is copied. */
  push(chunk: Uint8Array): void {
    let data = chunk;
    if (this.pending.byteLength > 0) {
      const rest = this.completePendingFrame(chunk);
      if (rest === null) return;
      data = rest;
    }
    const end = data.byteLength;
    let pos = 0;
    while (pos < end) {
      const used = data[pos] === DOLLAR ? this.readInterleaved(data, pos, end) : this.readMessage(data, pos);
      if (used === 0) break;
      pos += used;
      this.consumed += used;
    }
    // Copied: the caller may read the next chunk into the same buffer (RtspConnection does).
    if (pos < end) this.pending = new Uint8Array(data.subarray(pos));
  }

  /**
   * Joins the carried bytes with the new chunk. For an interleaved frame only the missing part of the
   * frame is copied and the rest of the chunk is parsed in place, so media bytes are not copied twice.
   * Returns the bytes still to parse, or null when everything was kept for later.
   */
  private completePendingFrame(chunk: Uint8Array): Uint8Array | null {
    const pending = this.pending;
    if (pending[0] !== DOLLAR || pending.byteLength < 4) {
      this.pending = EMPTY;
      return concat(pending, chunk);
    }
    const total = 4 + ((pending[2]! << 8) | pending[3]!);
    const missing = total - pending.byteLength;
    if (chunk.byteLength < missing) {
      this.pending = concat(pending, chunk);
      return null;
    }
    const frame = concat(pending, chunk.subarray(0, missing));
    this.pending = EMPTY;
    this.consumed += total;
    this.sink.onInterleaved(frame[1]!, frame, 4, frame.byteLength);
    return chunk.subarray(missing);
  }

  /** Returns the bytes used, or 0 when the frame is not complete yet. */
  private readInterleaved(data: Uint8Array, pos: number, end: number): number {
    if (end - pos < 4) return 0;
    const length = (data[pos + 2]! << 8) | data[pos + 3]!;
    if (end - pos < 4 + length) return 0;
    this.sink.onInterleaved(data[pos + 1]!, data, pos + 4, pos + 4 + length);
    return 4 + length;
  }

  private readMessage(data: Uint8Array, pos: number): number {
    // Blank lines between messages are tolerated (some servers end a body with an extra CRLF).
    let start = pos;
    while (start < data.byteLength && (data[start] === CR || data[start] === LF)) start++;
    if (start === data.byteLength) return start - pos;
    if (data[start] === DOLLAR) return start - pos;

    const headerEnd = findHeaderEnd(data, start, this.maxHeaderBytes);
    if (headerEnd === -1) {
      if (data.byteLength - start > this.maxHeaderBytes) {
        throw new RtspParseError(`message head longer than ${this.maxHeaderBytes} bytes`, this.consumed);
      }
      return start === pos ? 0 : start - pos;
    }
    const head = textDecoder.decode(data.subarray(start, headerEnd.headEnd));
    const lines = unfold(head.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line)));
    const startLine = lines.shift() ?? '';
    const headers = new RtspHeaders();
    for (const line of lines) {
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0)
        throw new RtspParseError(`header line without a name: ${JSON.stringify(line.slice(0, 80))}`, this.consumed);
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const lengthText = headers.get('content-length');
    let bodyLength = 0;
    if (lengthText !== undefined) {
      if (!/^\d+$/.test(lengthText))
        throw new RtspParseError(`Content-Length is not a number: ${JSON.stringify(lengthText)}`, this.consumed);
      bodyLength = Number(lengthText);
      if (bodyLength > this.maxBodyBytes) {
        throw new RtspParseError(
          `Content-Length ${bodyLength} exceeds the ${this.maxBodyBytes}-byte limit`,
          this.consumed,
        );
      }
    }
    const bodyStart = headerEnd.bodyStart;
    if (data.byteLength - bodyStart < bodyLength) return start === pos ? 0 : start - pos;
    // A copy (new Uint8Array of a view copies; Buffer#slice would not).
    const body = bodyLength === 0 ? EMPTY : new Uint8Array(data.subarray(bodyStart, bodyStart + bodyLength));
    const message = parseStartLine(startLine, headers, body, this.consumed + (start - pos));
    if (data[headerEnd.headEnd - 1] !== CR) message.bareLf = true;
    this.sink.onMessage(message);
    return bodyStart + bodyLength - pos;
  }
}

function parseStartLine(line: string, headers: RtspHeaders, body: Uint8Array, offset: number): RtspMessage {
  const trimmed = line.trim();
  const response = /^(RTSP\/\d\.\d)\s+(\d{3})(?:\s+(.*))?$/.exec(trimmed);
  if (response) {
    return {
      kind: 'response',
      version: response[1]!,
      status: Number(response[2]),
      reason: response[3] ?? '',
      headers,
      body,
    };
  }
  const request = /^([A-Z_]+)\s+(\S+)\s+(RTSP\/\d\.\d)$/.exec(trimmed);
  if (request) {
    return { kind: 'request', method: request[1]!, uri: request[2]!, version: request[3]!, headers, body };
  }
  throw new RtspParseError(`not an RTSP start line: ${JSON.stringify(trimmed.slice(0, 80))}`, offset);
}

/** Finds the blank line ending a message head; accepts CRLF and bare LF. */
function findHeaderEnd(
  data: Uint8Array,
  start: number,
  maxHeaderBytes: number,
): { headEnd: number; bodyStart: number } | -1 {
  const limit = Math.min(data.byteLength, start + maxHeaderBytes + 4);
  for (let i = start; i < limit; i++) {
    if (data[i] !== LF) continue;
    let j = i + 1;
    if (j < data.byteLength && data[j] === CR) j++;
    if (j < data.byteLength && data[j] === LF) return { headEnd: i, bodyStart: j + 1 };
  }
  return -1;
}

/** Joins folded header lines (a line starting with space or tab continues the previous one). */
function unfold(lines: string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 1) out[out.length - 1] += ' ' + line.trim();
    else out.push(line);
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}

const textEncoder = new TextEncoder();

/** Serializes a request with CRLF line endings and a Content-Length when there is a body. */
export function serializeRequest(request: Omit<RtspRequest, 'kind' | 'version'> & { version?: string }): Uint8Array {
  return serialize(`${request.method} ${request.uri} ${request.version ?? 'RTSP/1.0'}`, request.headers, request.body);
}

export function serializeResponse(response: Omit<RtspResponse, 'kind' | 'version'> & { version?: string }): Uint8Array {
  return serialize(
    `${response.version ?? 'RTSP/1.0'} ${response.status} ${response.reason}`,
    response.headers,
    response.body,
  );
}

function serialize(startLine: string, headers: RtspHeaders, body: Uint8Array): Uint8Array {
  let head = startLine + '\r\n';
  for (const [name, value] of headers.entries()) {
    if (name.toLowerCase() === 'content-length') continue;
    head += `${name}: ${value}\r\n`;
  }
  if (body.byteLength > 0) head += `Content-Length: ${body.byteLength}\r\n`;
  head += '\r\n';
  const headBytes = textEncoder.encode(head);
  return body.byteLength === 0 ? headBytes : concat(headBytes, body);
}

/** The 4-byte prefix of an interleaved frame (§10.12). */
export function interleavedHeader(channel: number, length: number): Uint8Array {
  if (length > 0xffff) throw new RangeError(`interleaved frame of ${length} bytes exceeds 65535`);
  return Uint8Array.of(DOLLAR, channel & 0xff, length >> 8, length & 0xff);
}

/** Reason phrases of RFC 2326 §7.1.1 for the statuses our server sends. */
export const STATUS_REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  459: 'Aggregate Operation Not Allowed',
  461: 'Unsupported Transport',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};
