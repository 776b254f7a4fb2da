/**
 * The one catalogue of error codes (STYLE.md). Every failure the user can see carries one of these:
 * a stream's state, an API answer `{ error: { code, message, path? } }`, a CLI line, a field in the editor.
 * `fatal` says whether retrying the same thing can help (false) or the user must change something (true).
 * `httpStatus` is what the API answers with when the error reaches a request.
 */
export const ERROR_CATALOGUE = {
  // Camera connection and RTSP (RFC 2326)
  URL_INVALID: { fatal: true, httpStatus: 400 },
  RTSP_CONNECT_FAILED: { fatal: false, httpStatus: 502 },
  RTSP_TIMEOUT: { fatal: false, httpStatus: 504 },
  RTSP_AUTH_REFUSED: { fatal: true, httpStatus: 502 },
  RTSP_STATUS: { fatal: false, httpStatus: 502 },
  RTSP_BAD_MESSAGE: { fatal: false, httpStatus: 502 },
  RTSP_REDIRECT_LOOP: { fatal: true, httpStatus: 502 },
  RTSP_TRANSPORT_UNSUPPORTED: { fatal: true, httpStatus: 502 },
  RTSP_SESSION_LOST: { fatal: false, httpStatus: 502 },
  TLS_FAILED: { fatal: false, httpStatus: 502 },
  // Media description and payload
  SDP_INVALID: { fatal: true, httpStatus: 502 },
  SDP_NO_VIDEO: { fatal: true, httpStatus: 502 },
  CODEC_UNSUPPORTED: { fatal: true, httpStatus: 502 },
  RTP_INVALID: { fatal: false, httpStatus: 502 },
  RTP_NO_DATA: { fatal: false, httpStatus: 504 },
  H264_INVALID: { fatal: false, httpStatus: 502 },
  // Configuration
  CONFIG_NOT_FOUND: { fatal: true, httpStatus: 404 },
  CONFIG_INVALID: { fatal: true, httpStatus: 400 },
  // Storage and recordings
  STORAGE_FULL: { fatal: false, httpStatus: 507 },
  STORAGE_UNWRITABLE: { fatal: false, httpStatus: 500 },
  STORAGE_READ_ONLY: { fatal: true, httpStatus: 409 },
  RECORDING_DAMAGED: { fatal: false, httpStatus: 500 },
  RECORDING_NOT_FOUND: { fatal: true, httpStatus: 404 },
  // Certificates
  CERT_INVALID: { fatal: true, httpStatus: 400 },
  CERT_REVOKED: { fatal: true, httpStatus: 403 },
  // Server and API
  AUTH_REQUIRED: { fatal: true, httpStatus: 401 },
  AUTH_FAILED: { fatal: true, httpStatus: 401 },
  AUTH_RATE_LIMITED: { fatal: false, httpStatus: 429 },
  FORBIDDEN: { fatal: true, httpStatus: 403 },
  NOT_FOUND: { fatal: true, httpStatus: 404 },
  BAD_REQUEST: { fatal: true, httpStatus: 400 },
  PAYLOAD_TOO_LARGE: { fatal: true, httpStatus: 413 },
  STREAM_NOT_FOUND: { fatal: true, httpStatus: 404 },
  TIME_RANGE_INVALID: { fatal: true, httpStatus: 400 },
  TOO_MANY_CONNECTIONS: { fatal: false, httpStatus: 503 },
  INTERNAL: { fatal: false, httpStatus: 500 },
  NOT_IMPLEMENTED: { fatal: true, httpStatus: 501 },
  // Finding cameras: ONVIF WS-Discovery and the device/media SOAP services
  DISCOVERY_FAILED: { fatal: false, httpStatus: 500 },
  ONVIF_UNREACHABLE: { fatal: false, httpStatus: 502 },
  ONVIF_TIMEOUT: { fatal: false, httpStatus: 504 },
  ONVIF_AUTH_REFUSED: { fatal: true, httpStatus: 502 },
  ONVIF_FAULT: { fatal: false, httpStatus: 502 },
  ONVIF_BAD_RESPONSE: { fatal: false, httpStatus: 502 },
} as const satisfies Record<string, { fatal: boolean; httpStatus: number }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The shape every error takes on the wire and in state: the API's `{ error: ErrorInfo }`. */
export interface ErrorInfo {
  code: ErrorCode;
  /** One sentence a user can act on, naming what failed and why. */
  message: string;
  /** JSON path of the config value at fault (`server.streamsGrps[0].streams[1].device.port`), when there is one. */
  path?: string;
}

/** An error with a stable code. Subclasses add the fields their context needs (status, offset, …). */
export class ThinStreamError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ThinStreamError';
    this.code = code;
    this.path = options?.path;
  }

  toInfo(): ErrorInfo {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOGUE, value);
}

/** Turns anything thrown into an ErrorInfo, keeping codes we know and hiding internals of those we don't. */
export function toErrorInfo(err: unknown): ErrorInfo {
  if (err instanceof ThinStreamError) return err.toInfo();
  if (typeof err === 'object' && err !== null && 'code' in err && isErrorCode(err.code)) {
    const message = 'message' in err && typeof err.message === 'string' ? err.message : err.code;
    return { code: err.code, message };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
