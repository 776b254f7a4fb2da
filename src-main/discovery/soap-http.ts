/**
 * SOAP over HTTP (SOAP 1.2 Part 2 §7, ONVIF Core §5.5): one POST, the whole exchange bounded in time and in the
 * size of the answer. Network failures become ThinStreamErrors that say which device and what happened.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ThinStreamError } from '../../src-shared/errors.js';

/** ONVIF answers are small; a GetProfiles of many profiles is well under this. */
export const MAX_SOAP_ANSWER_BYTES = 1024 * 1024;

export interface SoapHttpAnswer {
  status: number;
  body: string;
  /** WWW-Authenticate values of a 401 (HTTP Digest, which some cameras want instead of WS-Security). */
  wwwAuthenticate: string[];
}

export interface SoapPostOptions {
  url: URL;
  envelope: string;
  action: string;
  timeoutMs: number;
  /** An Authorization header (HTTP Digest) to send. */
  authorization?: string;
  signal?: AbortSignal;
  /** rtsps-style leniency: cameras ship self-signed certificates. */
  rejectUnauthorized?: boolean;
  /** `ONVIF GetProfiles at http://…`: named in every error. */
  what: string;
}

export function postSoap(o: SoapPostOptions): Promise<SoapHttpAnswer> {
  const payload = Buffer.from(o.envelope, 'utf8');
  const https = o.url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  return new Promise<SoapHttpAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (error: ThinStreamError | null, answer?: SoapHttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (error) {
        req.destroy();
        reject(error);
      } else {
        resolve(answer!);
      }
    };
    const req = send(o.url, {
      method: 'POST',
      agent: false,
      headers: {
        // SOAP 1.2 carries the action as a parameter of the media type (RFC 3902 §3).
        'Content-Type': `application/soap+xml; charset=utf-8; action="${o.action}"`,
        'Content-Length': String(payload.byteLength),
        Connection: 'close',
        ...(o.authorization === undefined ? {} : { Authorization: o.authorization }),
      },
      ...(https ? { rejectUnauthorized: o.rejectUnauthorized ?? false } : {}),
    });
    const timer = setTimeout(
      () => finish(new ThinStreamError('ONVIF_TIMEOUT', `${o.what}: no answer within ${o.timeoutMs} ms`)),
      o.timeoutMs,
    );
    const onAbort = () => finish(new ThinStreamError('ONVIF_TIMEOUT', `${o.what}: abandoned`));
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) onAbort();
    req.on('error', (err) => finish(networkError(o.what, o.url, err)));
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (bytes > MAX_SOAP_ANSWER_BYTES) {
          finish(
            new ThinStreamError(
              'ONVIF_BAD_RESPONSE',
              `${o.what}: the answer is larger than ${MAX_SOAP_ANSWER_BYTES} bytes`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', (err) => finish(networkError(o.what, o.url, err)));
      res.on('end', () => {
        const header = res.headers['www-authenticate'];
        finish(null, {
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          wwwAuthenticate: header === undefined ? [] : Array.isArray(header) ? header : [header],
        });
      });
    });
    req.end(payload);
  });
}

function networkError(what: string, url: URL, err: Error): ThinStreamError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  const where = `${what}: ${url.host}`;
  switch (code) {
    case 'ECONNREFUSED':
      return new ThinStreamError(
        'ONVIF_UNREACHABLE',
        `${where} refused the connection (is ONVIF switched on in the camera, is the port right?)`,
        { cause: err },
      );
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
      return new ThinStreamError('ONVIF_UNREACHABLE', `${where}: no route to the camera (${code})`, { cause: err });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ThinStreamError('ONVIF_UNREACHABLE', `${where}: host name not found`, { cause: err });
    case 'ETIMEDOUT':
      return new ThinStreamError('ONVIF_TIMEOUT', `${where}: ${err.message}`, { cause: err });
    case 'ECONNRESET':
    case 'EPIPE':
      return new ThinStreamError('ONVIF_UNREACHABLE', `${where} closed the connection before answering`, {
        cause: err,
      });
    default:
      return new ThinStreamError('ONVIF_UNREACHABLE', `${where}: ${err.message}`, { cause: err });
  }
}
