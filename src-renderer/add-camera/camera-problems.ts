/**
 * The server's errors while adding a camera, put in the user's words and beside the field they can fix: a refused
 * password beside the password, no answer beside the address, a camera that does not speak ONVIF beside the
 * address with the way out (its brand, or the URL by hand). The server's own message follows as the detail.
 */
import type { UrlPatternOutcome } from '../../src-shared/api.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import type { NewCameraField } from './new-camera.js';

export interface Problem<F extends string> {
  /** The field to show it beside, or 'general' for a line above the form. */
  field: F | 'general';
  message: string;
  /** The server's own words, for the curious and for a bug report. */
  detail: string;
}

/** Errors of POST /discovery/stream-uris (ONVIF GetProfiles, GetStreamUri). */
export function onvifProblem(info: ErrorInfo): Problem<'host' | 'user' | 'password'> {
  const detail = info.message;
  switch (info.code) {
    case 'ONVIF_AUTH_REFUSED':
      return /wants a user and password/.test(detail)
        ? { field: 'password', message: 'This camera wants its user name and password.', detail }
        : {
            field: 'password',
            message:
              'Wrong user name or password: the camera refused them. Some brands keep ONVIF users apart from the ' +
              'web page’s users; check in the camera’s own settings.',
            detail,
          };
    case 'ONVIF_UNREACHABLE':
      return {
        field: 'host',
        message: 'No answer from this address: check that the camera is on and connected to this network.',
        detail,
      };
    case 'ONVIF_TIMEOUT':
      return { field: 'host', message: 'The camera did not answer in time: it may be busy or far away.', detail };
    case 'ONVIF_BAD_RESPONSE':
      return {
        field: 'host',
        message:
          'This address does not answer as an ONVIF camera. Switch ONVIF on in the camera, or choose its brand ' +
          'below, or type its stream address.',
        detail,
      };
    case 'ONVIF_FAULT':
      return {
        field: 'host',
        message: 'The camera’s ONVIF service turned the request down. Choose its brand or type its stream address.',
        detail,
      };
    case 'URL_INVALID':
      return { field: 'host', message: 'This is not a camera address: type one like 192.168.1.20.', detail };
    default:
      return { field: 'general', message: detail, detail };
  }
}

/** Errors of POST /probe ("Test connection") for one stream address. */
export function probeProblem(info: ErrorInfo, urlField: NewCameraField): Problem<NewCameraField> {
  const detail = info.message;
  switch (info.code) {
    case 'RTSP_AUTH_REFUSED':
      return { field: 'password', message: 'Wrong user name or password: the camera refused them.', detail };
    case 'RTSP_CONNECT_FAILED':
      return {
        field: urlField,
        message: 'No answer at this address: check the address and port, and that the camera is on.',
        detail,
      };
    case 'RTSP_TIMEOUT':
      return { field: urlField, message: 'The camera did not answer in time.', detail };
    case 'RTSP_STATUS':
      return /\b404\b/.test(detail)
        ? {
            field: urlField,
            message: 'The camera has no stream at this address: check the part after the port.',
            detail,
          }
        : { field: urlField, message: `The camera turned the stream down: ${detail}`, detail };
    case 'URL_INVALID':
      return { field: urlField, message: `This stream address is not right: ${detail}`, detail };
    case 'CODEC_UNSUPPORTED':
    case 'SDP_NO_VIDEO':
      return {
        field: urlField,
        message: 'This stream is not H.264 video, which ThinStream records. Choose the camera’s H.264 stream.',
        detail,
      };
    case 'RTP_NO_DATA':
      return {
        field: urlField,
        message: 'The camera accepted the connection but sent no video. Try TCP in the settings, or another stream.',
        detail,
      };
    case 'TLS_FAILED':
      return { field: urlField, message: `The secure (rtsps://) connection failed: ${detail}`, detail };
    default:
      return { field: 'general', message: detail, detail };
  }
}

/** One brand-pattern check (POST /discovery/url-patterns) in words, and the field it concerns. */
export function patternOutcomeWords(outcome: UrlPatternOutcome): { field: 'host' | 'password' | null; words: string } {
  switch (outcome) {
    case 'ok':
      return { field: null, words: 'found: the camera sends this stream' };
    case 'needs-credentials':
      return { field: 'password', words: 'the camera is there and wants its user name and password' };
    case 'auth-refused':
      return { field: 'password', words: 'wrong user name or password' };
    case 'not-found':
      return { field: null, words: 'no stream at this address: this brand’s pattern does not fit' };
    case 'other-status':
      return { field: null, words: 'the camera answered, but not with a stream' };
    case 'unreachable':
      return { field: 'host', words: 'no answer from this address' };
    case 'timeout':
      return { field: 'host', words: 'the camera did not answer in time' };
    case 'skipped':
      return { field: null, words: 'not tried, so the camera does not lock this address out' };
  }
}
