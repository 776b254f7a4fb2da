/**
 * One RTSP control connection (RFC 2326 §9–§10) over TCP or TLS: sends requests one at a time with
 * CSeq, Session, User-Agent and Authorization, matches answers, times each request out, and hands
 * interleaved frames (§10.12) to the session as they arrive, also before the PLAY answer.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ThinStreamError } from '../../src-shared/errors.js';
import {
  RtspHeaders,
  RtspStreamParser,
  interleavedHeader,
  serializeRequest,
  serializeResponse,
  type RtspMessage,
  type RtspRequest,
  type RtspResponse,
} from './message.js';
import type { RtspAuthenticator } from './rtsp-auth.js';
import type { RtspConnectionTap } from './rtsp-session.js';
import { plainBytes } from './plain-bytes.js';
import { RtspStatusError } from './rtsp-error.js';
import { redactUrl, type RtspUrl, hostPort } from './rtsp-url.js';

export const DEFAULT_USER_AGENT = 'ThinStream/0.1';

export interface RtspConnectionOptions {
  url: RtspUrl;
  /** `cam-door/1-high`, named in every error. */
  label: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  authenticator: RtspAuthenticator;
  userAgent?: string;
  /** rtsps: verify the camera's certificate (off by default: cameras ship self-signed ones). */
  tlsRejectUnauthorized?: boolean;
  /**
   * One interleaved frame, `data[start..end)`, valid only during the call (RtspParserSink). `arrivalMs` is when
   * the read that brought its end happened (one clock read per read, not per packet).
   */
  onInterleaved(channel: number, data: Uint8Array, start: number, end: number, arrivalMs: number): void;
  /** Called once when the connection ends for any reason but `close()`; `error` says why. */
  onClosed(error: ThinStreamError): void;
  /** A camera quirk tolerated on this connection, by name (`cseq-missing`, `server-request`). */
  onQuirk(name: string, detail: string): void;
  /** Sees every message and the end of the connection (a camera report). */
  tap?: RtspConnectionTap;
}

interface Pending {
  method: string;
  url: string;
  cseq: number;
  resolve(response: RtspResponse): void;
  reject(error: ThinStreamError): void;
  timer: NodeJS.Timeout;
}

/**
 * Bytes of the buffer every read of a plain TCP connection lands in. One buffer per connection, reused, instead
 * of a new one per read: at 64 cameras those were half of all the memory the runtime allocated, and what drove
 * its full garbage collections. The parser copies what it keeps (message.ts).
 */
const READ_BUFFER_BYTES = 64 * 1024;

/** Where a connection's reads go: set once the RtspConnection exists (reads start with the socket). */
interface ReadTarget {
  chunk(data: Uint8Array): void;
}

/** How many times one request is sent again after a 401 (first challenge, then a stale or changed nonce). */
const MAX_AUTH_RETRIES = 2;

export class RtspConnection {
  private readonly options: RtspConnectionOptions;
  private readonly socket: Socket;
  private readonly parser: RtspStreamParser;
  private cseq = 0;
  private pending: Pending | null = null;
  /** Requests wait here so that a keepalive never overlaps another request. */
  private queue: Promise<unknown> = Promise.resolve();
  private ended = false;
  /** Session id once SETUP answered; sent on every later request (§12.37). */
  sessionId: string | null = null;
  /** Bytes received, for logs. */
  bytesIn = 0;
  /** When the latest read happened. */
  private readMs = 0;

  private constructor(options: RtspConnectionOptions, socket: Socket, reads: ReadTarget | null) {
    this.options = options;
    this.socket = socket;
    this.parser = new RtspStreamParser({
      onMessage: (m) => this.onMessage(m),
      onInterleaved: (channel, data, start, end) => options.onInterleaved(channel, data, start, end, this.readMs),
    });
    const onChunk = (chunk: Uint8Array): void => {
      this.bytesIn += chunk.byteLength;
      this.readMs = Date.now();
      try {
        this.parser.push(chunk);
      } catch (err) {
        const error =
          err instanceof ThinStreamError
            ? new ThinStreamError(err.code, `${options.label}: ${err.message}`, { cause: err })
            : new ThinStreamError('RTSP_BAD_MESSAGE', `${options.label}: unreadable RTSP from the camera`, {
                cause: err,
              });
        this.end(error);
      }
    };
    if (reads !== null) reads.chunk = onChunk;
    else socket.on('data', (chunk: Buffer) => onChunk(plainBytes(chunk)));
    socket.on('error', (err) => this.end(socketError(options, err, 'lost the connection')));
    socket.on('close', () =>
      this.end(new ThinStreamError('RTSP_SESSION_LOST', `${options.label}: the camera closed the connection`)),
    );
  }

  /** Opens the TCP (or TLS) connection within connectTimeoutMs. */
  static open(options: RtspConnectionOptions): Promise<RtspConnection> {
    const { url } = options;
    return new Promise((resolve, reject) => {
      let socket: Socket;
      let reads: ReadTarget | null = null;
      const tls = url.scheme === 'rtsps';
      if (tls) {
        socket = tlsConnect({
          host: url.host,
          port: url.port,
          rejectUnauthorized: options.tlsRejectUnauthorized ?? false,
          ...(isIP(url.host) === 0 ? { servername: url.host } : {}),
        });
      } else {
        const target: ReadTarget = { chunk: () => undefined };
        reads = target;
        socket = netConnect({
          host: url.host,
          port: url.port,
          onread: {
            // A plain Uint8Array, not a Buffer (see plainBytes).
            buffer: new Uint8Array(READ_BUFFER_BYTES),
            callback: (bytes, buffer) => {
              target.chunk(buffer.subarray(0, bytes));
              return true;
            },
          },
        });
      }
      const readyEvent = tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => {
        cleanup();
        socket.destroy();
        reject(
          new ThinStreamError(
            'RTSP_TIMEOUT',
            `${options.label}: no connection to ${hostPort(url)} within ${options.connectTimeoutMs} ms`,
          ),
        );
      }, options.connectTimeoutMs);
      const onError = (err: Error) => {
        cleanup();
        socket.destroy();
        reject(socketError(options, err, 'could not connect'));
      };
      const onReady = () => {
        cleanup();
        socket.setNoDelay(true);
        resolve(new RtspConnection(options, socket, reads));
      };
      const cleanup = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.off(readyEvent, onReady);
      };
      socket.once('error', onError);
      socket.once(readyEvent, onReady);
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** The local address the camera sees, for UDP route matching and logs. */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? this.options.url.host;
  }

  /**
   * Sends a request and resolves with a 2xx or 3xx answer. A 401 is answered with credentials and sent
   * again (bounded); any other status rejects with RtspStatusError naming method, URL and status.
   */
  request(
    method: string,
    url: string,
    headers: Array<[string, string]> = [],
    timeoutMs?: number,
  ): Promise<RtspResponse> {
    const run = () => this.requestWithAuth(method, url, headers, timeoutMs ?? this.options.requestTimeoutMs);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async requestWithAuth(
    method: string,
    url: string,
    headers: Array<[string, string]>,
    timeoutMs: number,
  ): Promise<RtspResponse> {
    const auth = this.options.authenticator;
    for (let attempt = 0; ; attempt++) {
      const authorization = auth.authorization(method, url);
      const response = await this.send(method, url, headers, authorization, timeoutMs);
      if (response.status !== 401) return this.checkStatus(method, url, response);
      const verdict = auth.onUnauthorized(response.headers.getAll('www-authenticate'), authorization !== undefined);
      const where = `${this.options.label}: ${method} ${redactUrl(url)}`;
      if (verdict === 'no-credentials') {
        throw new RtspStatusError(
          'RTSP_AUTH_REFUSED',
          `${where}: the camera asks for a user and password and none were given`,
          { status: 401, method, url },
        );
      }
      if (verdict === 'unsupported') {
        const offered = response.headers.getAll('www-authenticate').join(' | ') || 'no WWW-Authenticate header';
        throw new RtspStatusError(
          'RTSP_AUTH_REFUSED',
          `${where}: the camera wants an authentication ThinStream does not speak (${offered.slice(0, 120)})`,
          { status: 401, method, url },
        );
      }
      if (verdict === 'refused' || attempt >= MAX_AUTH_RETRIES) {
        throw new RtspStatusError(
          'RTSP_AUTH_REFUSED',
          `${where}: the camera refused user ${JSON.stringify(auth.userName)}'s credentials (401 ${response.reason})`,
          { status: 401, method, url },
        );
      }
    }
  }

  private checkStatus(method: string, url: string, response: RtspResponse): RtspResponse {
    if (response.status >= 200 && response.status < 400) return response;
    const where = `${this.options.label}: ${method} ${redactUrl(url)}`;
    const context = { status: response.status, method, url };
    const status = `${response.status} ${response.reason}`.trim();
    switch (response.status) {
      case 403:
        throw new RtspStatusError(
          'RTSP_AUTH_REFUSED',
          `${where}: the camera forbids user ${JSON.stringify(this.options.authenticator.userName)} this stream (${status})`,
          context,
        );
      case 404:
        throw new RtspStatusError(
          'RTSP_STATUS',
          `${where}: the camera has no stream at this path (${status})`,
          context,
        );
      case 454:
        throw new RtspStatusError(
          'RTSP_SESSION_LOST',
          `${where}: the camera no longer knows the session (${status})`,
          context,
        );
      case 461:
        throw new RtspStatusError(
          'RTSP_TRANSPORT_UNSUPPORTED',
          `${where}: the camera refused the offered transport (${status})`,
          context,
        );
      case 503: {
        const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
        throw new RtspStatusError('RTSP_STATUS', `${where}: the camera answered ${status}`, {
          ...context,
          ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterSec: retryAfter } : {}),
        });
      }
      default:
        throw new RtspStatusError('RTSP_STATUS', `${where}: the camera answered ${status}`, context);
    }
  }

  private send(
    method: string,
    url: string,
    extra: Array<[string, string]>,
    authorization: string | undefined,
    timeoutMs: number,
  ): Promise<RtspResponse> {
    if (this.ended) {
      return Promise.reject(
        new ThinStreamError('RTSP_SESSION_LOST', `${this.options.label}: ${method} after the connection closed`),
      );
    }
    const cseq = ++this.cseq;
    const headers = new RtspHeaders([['CSeq', String(cseq)]]);
    headers.append('User-Agent', this.options.userAgent ?? DEFAULT_USER_AGENT);
    // OPTIONS carries the session too: as a keepalive it is what refreshes the session (§10.1, §12.37).
    if (this.sessionId !== null && method !== 'DESCRIBE') headers.append('Session', this.sessionId);
    if (authorization !== undefined) headers.append('Authorization', authorization);
    for (const [name, value] of extra) headers.append(name, value);
    return new Promise<RtspResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending?.cseq !== cseq) return;
        this.pending = null;
        reject(
          new ThinStreamError(
            'RTSP_TIMEOUT',
            `${this.options.label}: ${method} ${redactUrl(url)}: no answer within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending = { method, url, cseq, resolve, reject, timer };
      const body = new Uint8Array(0);
      this.options.tap?.message('sent', { kind: 'request', method, uri: url, version: 'RTSP/1.0', headers, body });
      this.socket.write(serializeRequest({ method, uri: url, headers, body }));
    });
  }

  private onMessage(message: RtspMessage): void {
    this.options.tap?.message('received', message);
    if (message.bareLf === true) {
      this.options.onQuirk('line-endings-bare-lf', 'the camera ends RTSP lines with LF, not CRLF (RFC 2326 §4)');
    }
    if (message.kind === 'request') {
      this.answerServerRequest(message);
      return;
    }
    const pending = this.pending;
    if (pending === null) return; // a late answer to a request that timed out
    const cseqText = message.headers.get('cseq');
    if (cseqText === undefined) {
      this.options.onQuirk('cseq-missing', `${pending.method} answered without CSeq`);
    } else if (Number(cseqText.trim()) !== pending.cseq) {
      return; // an answer to an earlier, timed-out request
    }
    clearTimeout(pending.timer);
    this.pending = null;
    pending.resolve(message);
  }

  /** Servers may send requests too (§10: OPTIONS as a keepalive probe, SET_PARAMETER, ANNOUNCE). */
  private answerServerRequest(request: RtspRequest): void {
    this.options.onQuirk('server-request', `the camera sent ${request.method}`);
    const known =
      request.method === 'OPTIONS' || request.method === 'GET_PARAMETER' || request.method === 'SET_PARAMETER';
    const headers = new RtspHeaders([['CSeq', request.headers.get('cseq') ?? '0']]);
    if (this.sessionId !== null) headers.append('Session', this.sessionId);
    if (!this.ended) {
      const response: RtspResponse = {
        kind: 'response',
        version: 'RTSP/1.0',
        status: known ? 200 : 501,
        reason: known ? 'OK' : 'Not Implemented',
        headers,
        body: new Uint8Array(0),
      };
      this.options.tap?.message('sent', response);
      this.socket.write(serializeResponse(response));
    }
  }

  /** Sends one interleaved frame (RTCP receiver reports on TCP). Dropped when the socket is backed up. */
  writeInterleaved(channel: number, payload: Uint8Array): void {
    if (this.ended || this.socket.writableLength > 256 * 1024) return;
    const frame = new Uint8Array(4 + payload.byteLength);
    frame.set(interleavedHeader(channel, payload.byteLength), 0);
    frame.set(payload, 4);
    this.socket.write(frame);
  }

  /** Closes the socket at once; a pending request is rejected. Does not call onClosed. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.failPending(new ThinStreamError('RTSP_SESSION_LOST', `${this.options.label}: connection closed`));
    this.socket.destroy();
    this.options.tap?.closed('client', 'closed by ThinStream');
  }

  private end(error: ThinStreamError): void {
    if (this.ended) return;
    this.ended = true;
    this.failPending(error);
    this.socket.destroy();
    this.options.tap?.closed('camera', error.message);
    this.options.onClosed(error);
  }

  private failPending(error: ThinStreamError): void {
    const pending = this.pending;
    if (pending === null) return;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.reject(error);
  }
}

function socketError(options: RtspConnectionOptions, err: Error, what: string): ThinStreamError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const where = `${options.label}: ${what} ${options.url.scheme === 'rtsps' ? 'over TLS ' : ''}to ${hostPort(options.url)}`;
  if (options.url.scheme === 'rtsps' && (code.startsWith('ERR_SSL') || /SSL|TLS|certificate/i.test(err.message))) {
    return new ThinStreamError('TLS_FAILED', `${where}: ${err.message}`, { cause: err });
  }
  if (code === 'ETIMEDOUT') return new ThinStreamError('RTSP_TIMEOUT', `${where}: ${err.message}`, { cause: err });
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ThinStreamError('RTSP_CONNECT_FAILED', `${where}: host name not found`, { cause: err });
  }
  if (code === 'ECONNREFUSED') {
    return new ThinStreamError(
      'RTSP_CONNECT_FAILED',
      `${where}: connection refused (is the camera on, is the port right?)`,
      {
        cause: err,
      },
    );
  }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return new ThinStreamError('RTSP_CONNECT_FAILED', `${where}: no route to the camera (${code})`, { cause: err });
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new ThinStreamError('RTSP_SESSION_LOST', `${where}: the camera reset the connection`, { cause: err });
  }
  return new ThinStreamError('RTSP_CONNECT_FAILED', `${where}: ${err.message}`, { cause: err });
}
