/**
 * The Transport header (RFC 2326 §12.39): what the client offers in SETUP and what the server chose.
 *   RTP/AVP;unicast;client_port=5000-5001
 *   RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=1A2B3C4D;mode="PLAY"
 * A client may offer several, separated by commas, in order of preference.
 */
export interface TransportSpec {
  /** `RTP/AVP`, `RTP/AVP/UDP` and `RTP/AVP/TCP`; `RTP/SAVP` and others are kept as written. */
  profile: string;
  lowerTransport: 'UDP' | 'TCP';
  unicast: boolean;
  interleaved?: [number, number];
  clientPort?: [number, number];
  serverPort?: [number, number];
  /** SSRC as an unsigned 32-bit number; absent when not sent or not readable. */
  ssrc?: number;
  /** How `ssrc` was written, for quirk reporting: RFC hex, `0x` hex, or decimal (cameras that ignore the RFC). */
  ssrcFormat?: 'hex' | '0x' | 'decimal';
  source?: string;
  destination?: string;
  mode?: string;
  ttl?: number;
  /** Parameters this parser does not know, kept for logging. */
  other: Record<string, string>;
}

export function parseTransportHeader(value: string): TransportSpec[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(parseOneTransport);
}

function parseOneTransport(text: string): TransportSpec {
  const [protocol = '', ...params] = text.split(';').map((p) => p.trim());
  const upper = protocol.toUpperCase();
  const spec: TransportSpec = {
    profile: upper,
    lowerTransport: upper.endsWith('/TCP') ? 'TCP' : 'UDP',
    unicast: true,
    other: {},
  };
  for (const param of params) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const name = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
    const raw = eq === -1 ? '' : param.slice(eq + 1).trim();
    const valueText = raw.replace(/^"(.*)"$/, '$1');
    switch (name) {
      case 'unicast':
        spec.unicast = true;
        break;
      case 'multicast':
        spec.unicast = false;
        break;
      case 'interleaved':
        assignRange(spec, 'interleaved', valueText);
        break;
      case 'client_port':
        assignRange(spec, 'clientPort', valueText);
        break;
      case 'server_port':
        assignRange(spec, 'serverPort', valueText);
        break;
      case 'ssrc': {
        const ssrc = parseSsrc(valueText);
        if (ssrc) {
          spec.ssrc = ssrc.value;
          spec.ssrcFormat = ssrc.format;
        }
        break;
      }
      case 'source':
        spec.source = valueText;
        break;
      case 'destination':
        spec.destination = valueText;
        break;
      case 'mode':
        spec.mode = valueText.toUpperCase();
        break;
      case 'ttl': {
        const ttl = Number(valueText);
        if (Number.isInteger(ttl)) spec.ttl = ttl;
        break;
      }
      default:
        spec.other[name] = valueText;
    }
  }
  return spec;
}

/** `a-b` or a lone `a` (then b = a + 1, as some cameras write one port or one channel). */
export function parseRange(text: string): [number, number] | undefined {
  const match = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(text.trim());
  if (!match) return undefined;
  const a = Number(match[1]);
  const b = match[2] === undefined ? a + 1 : Number(match[2]);
  return a <= 65535 && b <= 65535 ? [a, b] : undefined;
}

function assignRange(spec: TransportSpec, key: 'interleaved' | 'clientPort' | 'serverPort', text: string): void {
  const range = parseRange(text);
  if (range) spec[key] = range;
}

/**
 * RFC 2326 says the SSRC is 8 hex digits. Cameras also send `0x`-prefixed hex, fewer digits, leading
 * zeros, and plain decimal; decimal is assumed only when the text cannot be 32-bit hex.
 */
export function parseSsrc(text: string): { value: number; format: 'hex' | '0x' | 'decimal' } | undefined {
  const t = text.trim();
  if (/^0x[0-9a-f]{1,8}$/i.test(t)) return { value: parseInt(t.slice(2), 16) >>> 0, format: '0x' };
  if (/^[0-9a-f]{1,8}$/i.test(t)) return { value: parseInt(t, 16) >>> 0, format: 'hex' };
  if (/^\d{9,10}$/.test(t)) {
    const value = Number(t);
    if (value <= 0xffffffff) return { value, format: 'decimal' };
  }
  return undefined;
}

/** Writes one transport spec the way servers and clients expect it. */
export function formatTransport(
  spec: Omit<TransportSpec, 'other' | 'lowerTransport'> & { other?: Record<string, string> },
): string {
  const parts = [spec.profile, spec.unicast ? 'unicast' : 'multicast'];
  if (spec.destination !== undefined) parts.push(`destination=${spec.destination}`);
  if (spec.source !== undefined) parts.push(`source=${spec.source}`);
  if (spec.interleaved) parts.push(`interleaved=${spec.interleaved[0]}-${spec.interleaved[1]}`);
  if (spec.clientPort) parts.push(`client_port=${spec.clientPort[0]}-${spec.clientPort[1]}`);
  if (spec.serverPort) parts.push(`server_port=${spec.serverPort[0]}-${spec.serverPort[1]}`);
  if (spec.ssrc !== undefined) parts.push(`ssrc=${(spec.ssrc >>> 0).toString(16).toUpperCase().padStart(8, '0')}`);
  if (spec.ttl !== undefined) parts.push(`ttl=${spec.ttl}`);
  if (spec.mode !== undefined) parts.push(`mode="${spec.mode}"`);
  for (const [k, v] of Object.entries(spec.other ?? {})) parts.push(v === '' ? k : `${k}=${v}`);
  return parts.join(';');
}
