/** Errors of the RTSP dialogue, with the context a user or a log reader needs (STYLE.md: errors carry context). */
import { ThinStreamError, type ErrorCode } from '../../src-shared/errors.js';

/** A request that got a non-success status the client could not work around. */
export class RtspStatusError extends ThinStreamError {
  readonly status: number;
  readonly method: string;
  /** Request URL, credentials removed. */
  readonly url: string;
  /** Retry-After of a 503 (§12.31), in seconds, when the camera sent one. */
  readonly retryAfterSec: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    context: { status: number; method: string; url: string; retryAfterSec?: number },
  ) {
    super(code, message);
    this.name = 'RtspStatusError';
    this.status = context.status;
    this.method = context.method;
    this.url = context.url;
    this.retryAfterSec = context.retryAfterSec;
  }
}

/** Maps a status the client cannot handle to the catalogue (RFC 2326 §7.1.1). */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
    case 403:
      return 'RTSP_AUTH_REFUSED';
    case 454:
      return 'RTSP_SESSION_LOST';
    case 461:
      return 'RTSP_TRANSPORT_UNSUPPORTED';
    default:
      return 'RTSP_STATUS';
  }
}
