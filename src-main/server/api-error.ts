/**
 * How the API answers a failure: the catalogue's HTTP status and `{ error: { code, message, path? } }`,
 * and one log line naming the request. Fastify's own errors (bad JSON, body too large, …) are mapped to
 * catalogue codes so every 4xx has the same shape.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  ERROR_CATALOGUE,
  ThinStreamError,
  toErrorInfo,
  type ErrorCode,
  type ErrorInfo,
} from '../../src-shared/errors.js';
import type { ApiErrorBody } from '../../src-shared/api.js';

export function apiError(code: ErrorCode, message: string): ThinStreamError {
  return new ThinStreamError(code, message);
}

export function describeRequest(request: FastifyRequest): string {
  const path = request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url;
  return `${request.method} ${path} from ${request.ip}`;
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  info: ErrorInfo,
  log: (line: string) => void,
  status: number = ERROR_CATALOGUE[info.code].httpStatus,
): FastifyReply {
  log(`http: ${describeRequest(request)}: ${status} ${info.code}: ${info.message}`);
  const body: ApiErrorBody = { error: info };
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Maps anything a handler or fastify threw to a catalogue error and its status. */
export function errorOf(err: unknown): { info: ErrorInfo; status: number } {
  if (err instanceof ThinStreamError) return { info: err.toInfo(), status: ERROR_CATALOGUE[err.code].httpStatus };
  const f = err as Partial<FastifyError> & { statusCode?: number };
  const status = typeof f.statusCode === 'number' ? f.statusCode : 500;
  const message = typeof f.message === 'string' ? f.message : String(err);
  switch (f.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        info: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the server accepts.' },
        status: 413,
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { info: { code: 'BAD_REQUEST', message: `The request body is not valid JSON: ${message}` }, status: 400 };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        info: { code: 'BAD_REQUEST', message: 'The request body must be JSON (Content-Type: application/json).' },
        status: 415,
      };
    case 'FST_ERR_VALIDATION':
      return { info: { code: 'BAD_REQUEST', message }, status: 400 };
    default:
      break;
  }
  if (status >= 400 && status < 500) return { info: { code: 'BAD_REQUEST', message }, status };
  return { info: toErrorInfo(err), status: 500 };
}
