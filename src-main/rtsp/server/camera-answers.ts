/**
 * The pure rules of the camera's answers, shared by the connection and its tests: which methods it
 * offers, which track a control path names, how the quirks shape packetization and the SSRC in SETUP.
 */
import type { RtspRequest } from '../message.js';
import type { TransportSpec } from '../transport-header.js';
import type { PacketizerOptions } from '../../codec/h264/packetizer.js';
import type { QuirkName } from './quirks.js';
import type { RtspSession, TrackKind } from './rtsp-session.js';
import { AUDIO_TRACK, METADATA_TRACK, VIDEO_TRACK } from './session-description.js';

export type Headers = Array<[string, string]>;

export function tcpSpec(spec: TransportSpec): boolean {
  return spec.lowerTransport === 'TCP';
}

export function publicMethods(quirks: ReadonlySet<QuirkName>): string {
  const methods = ['OPTIONS', 'DESCRIBE', 'SETUP', 'PLAY', 'TEARDOWN'];
  if (!quirks.has('no-get-parameter')) methods.push('GET_PARAMETER');
  return methods.join(', ');
}

export function sessionIdOf(request: RtspRequest): string | null {
  const value = request.headers.get('session');
  if (value === undefined) return null;
  const id = value.split(';')[0]!.trim();
  return id === '' ? null : id;
}

export function sessionHeaders(session: RtspSession | undefined): Headers {
  return session ? [['Session', session.header]] : [];
}

export function controlOfTrack(kind: TrackKind): string {
  return kind === 'video' ? VIDEO_TRACK : kind === 'audio' ? AUDIO_TRACK : METADATA_TRACK;
}

/** The track a control path names; the aggregate URL (no control) sets up the video, as some clients do. */
export function trackOfControl(control: string, quirks: ReadonlySet<QuirkName>): TrackKind | null {
  if (control === '' || control === VIDEO_TRACK) return 'video';
  if (quirks.has('extra-media') && control === AUDIO_TRACK) return 'audio';
  if (quirks.has('extra-media') && control === METADATA_TRACK) return 'metadata';
  return null;
}

export function packetizerOptions(quirks: ReadonlySet<QuirkName>, maxPayloadBytes: number): PacketizerOptions {
  return {
    maxPayloadBytes,
    marker: quirks.has('no-marker') ? 'none' : quirks.has('marker-every-packet') ? 'every-packet' : 'last-of-unit',
    annexBInPayload: quirks.has('annexb-in-payload'),
    fuAStartEnd: quirks.has('fu-a-start-end'),
    fuARestart: quirks.has('fu-a-restart'),
    parameterSetsAfterIdr: quirks.has('sps-after-idr'),
  };
}

/** The `;ssrc=` parameter of SETUP's Transport (RFC 2326 §12.39: 8 hex digits), as the quirks write it. */
export function ssrcParam(ssrc: number, quirks: ReadonlySet<QuirkName>): string {
  if (quirks.has('no-ssrc-in-setup')) return '';
  const announced = quirks.has('ssrc-mismatch') ? (ssrc ^ 0x5a5a5a5a) >>> 0 : ssrc;
  if (quirks.has('ssrc-hex-0x')) return `;ssrc=0x${hex8(announced)}`;
  if (quirks.has('ssrc-decimal')) return `;ssrc=${announced}`;
  return `;ssrc=${hex8(announced)}`;
}

export function hex8(value: number): string {
  return (value >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
