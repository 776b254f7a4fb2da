/** A small HTTPS/HTTP client for tests: trusts a given CA, keeps a cookie, returns the whole answer. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';

export interface TestResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text(): string;
  json(): unknown;
}

export interface ClientOptions {
  /** PEM of the CA to trust (the server's self-signed certificate or our CA). */
  ca?: string | Buffer;
  /** Client certificate (PEM key + cert, or a .p12 with its passphrase). */
  cert?: string | Buffer;
  key?: string | Buffer;
  pfx?: Buffer;
  passphrase?: string;
}

export class TestClient {
  cookie: string | null = null;

  constructor(
    readonly baseUrl: string,
    readonly options: ClientOptions = {},
  ) {}

  async fetch(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<TestResponse> {
    const url = new URL(this.baseUrl);
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body), 'utf8');
    const headers: Record<string, string> = { ...extraHeaders };
    if (payload !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
    if (payload !== undefined) headers['content-length'] = String(payload.byteLength);
    if (this.cookie !== null && headers['cookie'] === undefined) headers['cookie'] = this.cookie;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<TestResponse>((resolve, reject) => {
      const req = send(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port,
          path, // sent as given: no normalisation of `..` or escapes
          method,
          headers,
          ...(url.protocol === 'https:' ? { ...this.options, agent: false } : { agent: false }),
          timeout: 15_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.[0];
            if (setCookie) {
              const pair = setCookie.split(';')[0]!;
              this.cookie = pair.endsWith('=') ? null : pair;
            }
            const bodyBytes = Buffer.concat(chunks);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: bodyBytes,
              text: () => bodyBytes.toString('utf8'),
              json: () => JSON.parse(bodyBytes.toString('utf8')) as unknown,
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async signIn(username: string, password: string): Promise<TestResponse> {
    return this.fetch('POST', '/api/v1/session', { username, password });
  }

  /** Opens a WebSocket with this client's cookie and certificates. */
  websocket(path: string, headers: Record<string, string> = {}): WebSocket {
    const url = new URL(path, this.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WebSocket(url, {
      ...this.options,
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
      perMessageDeflate: false,
    });
  }
}

/** Resolves when the socket emits `event` (open, close), or fails after `timeoutMs`. */
export function socketEvent(ws: WebSocket, event: 'open' | 'close', timeoutMs = 5000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`WebSocket did not ${event} within ${timeoutMs} ms`)), timeoutMs);
    ws.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
