/**
 * A small ONVIF camera for tests: answers WS-Discovery Probes on UDP with a ProbeMatches (unicast on an
 * ephemeral port, or multicast on 239.255.255.250:3702 inside a network namespace), and the device and media
 * SOAP calls over HTTP: GetSystemDateAndTime, GetCapabilities, GetDeviceInformation, GetProfiles, GetStreamUri.
 * It checks each WS-Security UsernameToken digest (and its Created time against its own clock) and answers a
 * wrong password with the NotAuthorized SOAP fault, as cameras do; or it wants HTTP Digest instead.
 *
 * It reads requests with regular expressions on purpose: it must not share the client's XML reader, so a bug
 * there cannot hide itself. Its answers are written in the gSOAP style most cameras' firmware produces
 * (SOAP-ENV/tt/trt/tds prefixes, every namespace declared on the envelope).
 *
 *   const camera = await startOnvifSimulator({ user: 'admin', password: 'pw', profiles: [...] });
 *   camera.xaddr     // http://127.0.0.1:40211/onvif/device_service
 *   camera.udpPort   // where a unicast probe goes
 *   await camera.close();
 */
import { createHash, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CameraAuthenticator } from '../../src-main/rtsp/server/server-auth.js';

export interface SimulatedProfile {
  token: string;
  name: string;
  /** `H264`, `H265`, `JPEG`; null for a profile without a video encoder (audio or metadata only). */
  encoding: string | null;
  width: number;
  height: number;
  fps: number;
  bitrateKbps: number;
  /** What GetStreamUri answers; null makes GetStreamUri answer a fault for this profile. */
  uri: string | null;
  videoSource?: string;
}

export interface OnvifSimulatorOptions {
  user: string;
  password: string;
  profiles: SimulatedProfile[];
  /** Scopes: `name`, `hardware`, and a `manufacturer` scope when given. */
  name?: string;
  hardware?: string;
  manufacturer?: string;
  endpoint?: string;
  /** 'unicast' (default): UDP on 127.0.0.1, ephemeral port. 'multicast': 0.0.0.0:3702 joined to 239.255.255.250. */
  discovery?: 'unicast' | 'multicast' | 'none';
  /** The camera's clock is this far from ours; it checks UsernameToken Created against its own clock. */
  clockOffsetMs?: number;
  /** How far Created may be from the camera's clock (default 5 minutes, what many cameras allow). */
  maxClockSkewMs?: number;
  /** Require HTTP Digest (RFC 2617) on every call but GetSystemDateAndTime instead of a UsernameToken. */
  httpDigest?: boolean;
  /** HTTP status of the NotAuthorized fault (cameras use 400, 401 or 500). Default 400. */
  authFaultStatus?: number;
  /** The media service's path (GetCapabilities names it); media calls anywhere else get a fault. */
  mediaPath?: string;
  /** The host GetCapabilities puts in the media XAddr (a camera that does not know its own address says 0.0.0.0). */
  mediaXaddrHost?: string;
  /** Datagrams sent to a prober before the real ProbeMatches (garbage, other messages), to test the reader. */
  extraDiscoveryAnswers?: string[];
  /** Answers a call with this text instead (malformed XML, HTML…), by operation name. */
  rawAnswers?: Record<string, { status: number; body: string }>;
  /** Answers ProbeMatches with this RelatesTo instead of the probe's MessageID. */
  relatesToOverride?: string;
  /** The probe Types it answers (local names); an untyped probe is always answered. Default both. */
  answersTypes?: Array<'NetworkVideoTransmitter' | 'Device'>;
}

export interface OnvifSimulator {
  xaddr: string;
  httpPort: number;
  /** UDP port of the discovery listener (3702 in multicast mode), 0 when off. */
  udpPort: number;
  endpoint: string;
  /** Operation names received, in order, with the path they were sent to. */
  calls: Array<{ operation: string; path: string; authenticated: boolean }>;
  /** Probes answered. */
  probes: number;
  close(): Promise<void>;
}

const SOAP12 = 'http://www.w3.org/2003/05/soap-envelope';
const NAMESPACES =
  `xmlns:SOAP-ENV="${SOAP12}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
  'xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
  'xmlns:wsdd="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
  'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" ' +
  'xmlns:ter="http://www.onvif.org/ver10/error" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"';
const DEVICE_PATH = '/onvif/device_service';
const PASSWORD_DIGEST_TYPE = /PasswordDigest$/;
const MEDIA_OPERATIONS = new Set(['GetProfiles', 'GetStreamUri']);

function envelope(body: string, header = ''): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<SOAP-ENV:Envelope ${NAMESPACES}>` +
    (header === '' ? '' : `<SOAP-ENV:Header>${header}</SOAP-ENV:Header>`) +
    `<SOAP-ENV:Body>${body}</SOAP-ENV:Body></SOAP-ENV:Envelope>`
  );
}

function fault(code: 'Sender' | 'Receiver', subcodes: string[], reason: string): string {
  let sub = '';
  for (const s of [...subcodes].reverse()) {
    sub = `<SOAP-ENV:Subcode><SOAP-ENV:Value>${s}</SOAP-ENV:Value>${sub}</SOAP-ENV:Subcode>`;
  }
  return envelope(
    `<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:${code}</SOAP-ENV:Value>${sub}</SOAP-ENV:Code>` +
      `<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">${reason}</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>`,
  );
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The first element in the request's Body: the operation. */
function operationOf(request: string): string | null {
  return /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)/.exec(request)?.[1] ?? null;
}

function tagText(request: string, name: string): string | null {
  const m = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${name}>`).exec(request);
  return m ? m[1]!.trim() : null;
}

function tagAttribute(request: string, name: string, attribute: string): string | null {
  const m = new RegExp(`<(?:[\\w-]+:)?${name}\\s[^>]*\\b${attribute}="([^"]*)"`).exec(request);
  return m ? m[1]! : null;
}

export async function startOnvifSimulator(o: OnvifSimulatorOptions): Promise<OnvifSimulator> {
  const endpoint = o.endpoint ?? `urn:uuid:${randomUUID()}`;
  const mediaPath = o.mediaPath ?? '/onvif/media_service';
  const maxSkewMs = o.maxClockSkewMs ?? 5 * 60_000;
  const cameraNow = () => Date.now() + (o.clockOffsetMs ?? 0);
  const digest = o.httpDigest
    ? new CameraAuthenticator({ scheme: 'digest', user: o.user, password: o.password })
    : null;
  const usedNonces = new Set<string>();
  const calls: OnvifSimulator['calls'] = [];
  let probes = 0;

  /** Why a UsernameToken is refused, or null when it is right (WSS UsernameToken Profile 1.0 §3.1). */
  const tokenProblem = (request: string): string | null => {
    const user = tagText(request, 'Username');
    const password = tagText(request, 'Password');
    const nonce = tagText(request, 'Nonce');
    const created = tagText(request, 'Created');
    if (user === null || password === null || nonce === null || created === null) return 'no UsernameToken';
    if (!PASSWORD_DIGEST_TYPE.test(tagAttribute(request, 'Password', 'Type') ?? '')) return 'not a PasswordDigest';
    const createdMs = Date.parse(created);
    if (!Number.isFinite(createdMs) || Math.abs(createdMs - cameraNow()) > maxSkewMs) return 'Created out of range';
    if (usedNonces.has(nonce)) return 'nonce used before';
    const expected = createHash('sha1')
      .update(Buffer.from(nonce, 'base64'))
      .update(created + o.password)
      .digest('base64');
    if (user !== o.user || password !== expected) return 'wrong user or password';
    usedNonces.add(nonce);
    return null;
  };

  const answer = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', ...headers });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, request: string) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const operation = operationOf(request);
    if (req.method !== 'POST' || (path !== DEVICE_PATH && path !== mediaPath)) {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<html><body>Not Found</body></html>');
      return;
    }
    if (operation === null) {
      answer(res, 400, fault('Sender', ['ter:InvalidArgVal'], 'No operation in the SOAP Body'));
      return;
    }
    let authenticated = false;
    if (operation !== 'GetSystemDateAndTime') {
      if (digest) {
        const result = digest.check('POST', req.headers.authorization);
        if (!result.ok) {
          calls.push({ operation, path, authenticated });
          res.writeHead(401, { 'WWW-Authenticate': result.challenge, 'Content-Type': 'text/plain' });
          res.end('401 Unauthorized');
          return;
        }
      } else {
        const problem = tokenProblem(request);
        if (problem !== null) {
          calls.push({ operation, path, authenticated });
          answer(
            res,
            o.authFaultStatus ?? 400,
            fault('Sender', ['ter:NotAuthorized'], `Sender not Authorized (${problem})`),
          );
          return;
        }
      }
      authenticated = true;
    }
    calls.push({ operation, path, authenticated });
    const raw = o.rawAnswers?.[operation];
    if (raw) {
      res.writeHead(raw.status, { 'Content-Type': 'application/soap+xml' });
      res.end(raw.body);
      return;
    }
    if (MEDIA_OPERATIONS.has(operation) !== (path === mediaPath)) {
      answer(res, 400, fault('Sender', ['ter:ActionNotSupported'], `${operation} is not served at ${path}`));
      return;
    }
    const body = respond(operation, request);
    if (body === null) {
      answer(res, 400, fault('Sender', ['ter:InvalidArgVal', 'ter:NoProfile'], 'The requested profile does not exist'));
      return;
    }
    answer(res, 200, envelope(body));
  };

  const respond = (operation: string, request: string): string | null => {
    switch (operation) {
      case 'GetSystemDateAndTime': {
        const d = new Date(cameraNow());
        return (
          '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>' +
          '<tt:DaylightSavings>false</tt:DaylightSavings><tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>' +
          `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
          `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
          '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>'
        );
      }
      case 'GetCapabilities': {
        const host = o.mediaXaddrHost ?? '127.0.0.1';
        return (
          '<tds:GetCapabilitiesResponse><tds:Capabilities>' +
          `<tt:Device><tt:XAddr>http://127.0.0.1:${httpPort}${DEVICE_PATH}</tt:XAddr></tt:Device>` +
          `<tt:Media><tt:XAddr>http://${host}:${httpPort}${mediaPath}</tt:XAddr><tt:StreamingCapabilities>` +
          '<tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP>' +
          '</tt:StreamingCapabilities></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>'
        );
      }
      case 'GetDeviceInformation':
        return (
          `<tds:GetDeviceInformationResponse><tds:Manufacturer>${xmlText(o.manufacturer ?? 'SimCam')}</tds:Manufacturer>` +
          `<tds:Model>${xmlText(o.hardware ?? 'SIM-1')}</tds:Model><tds:FirmwareVersion>V1.0.0 build 260101</tds:FirmwareVersion>` +
          '<tds:SerialNumber>SIM0001</tds:SerialNumber><tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>'
        );
      case 'GetProfiles':
        return `<trt:GetProfilesResponse>${o.profiles.map(profileXml).join('')}</trt:GetProfilesResponse>`;
      case 'GetStreamUri': {
        const token = tagText(request, 'ProfileToken');
        const profile = o.profiles.find((p) => p.token === token);
        if (profile === undefined || profile.uri === null) return null;
        return (
          `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${xmlText(profile.uri)}</tt:Uri>` +
          '<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot>' +
          '<tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>'
        );
      }
      default:
        return null;
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = Buffer.concat(chunks).toString('utf8');
      const op = operationOf(request);
      if (
        op !== null &&
        !['GetSystemDateAndTime', 'GetCapabilities', 'GetDeviceInformation', 'GetProfiles', 'GetStreamUri'].includes(op)
      ) {
        calls.push({ operation: op, path: req.url ?? '/', authenticated: false });
        answer(res, 400, fault('Sender', ['ter:ActionNotSupported'], `${op} is not supported`));
        return;
      }
      handle(req, res, request);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const httpPort = (server.address() as AddressInfo).port;
  const xaddr = `http://127.0.0.1:${httpPort}${DEVICE_PATH}`;

  let udp: Socket | null = null;
  let udpPort = 0;
  const mode = o.discovery ?? 'unicast';
  if (mode !== 'none') {
    udp = createSocket({ type: 'udp4', reuseAddr: true });
    const socket = udp;
    socket.on('message', (msg, rinfo) => {
      const text = msg.toString('utf8');
      if (operationOf(text) !== 'Probe') return;
      const asked = (tagText(text, 'Types') ?? '')
        .split(/\s+/)
        .filter((t) => t !== '')
        .map((t) => t.replace(/^.*:/, ''));
      const answers: string[] = o.answersTypes ?? ['NetworkVideoTransmitter', 'Device'];
      if (asked.length > 0 && !asked.some((t) => answers.includes(t))) return;
      const messageId = tagText(text, 'MessageID') ?? '';
      probes++;
      for (const extra of o.extraDiscoveryAnswers ?? [])
        socket.send(Buffer.from(extra, 'utf8'), rinfo.port, rinfo.address);
      const scopes = [
        'onvif://www.onvif.org/type/video_encoder',
        'onvif://www.onvif.org/Profile/Streaming',
        `onvif://www.onvif.org/name/${encodeURIComponent(o.name ?? 'SimCam')}`,
        `onvif://www.onvif.org/hardware/${encodeURIComponent(o.hardware ?? 'SIM-1')}`,
        'onvif://www.onvif.org/location/',
        ...(o.manufacturer ? [`onvif://www.onvif.org/manufacturer/${encodeURIComponent(o.manufacturer)}`] : []),
      ];
      const header =
        `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
        `<wsa:RelatesTo>${xmlText(o.relatesToOverride ?? messageId)}</wsa:RelatesTo>` +
        '<wsa:To SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
        '<wsa:Action SOAP-ENV:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action>' +
        '<wsdd:AppSequence MessageNumber="7" InstanceId="1"></wsdd:AppSequence>';
      const body =
        '<wsdd:ProbeMatches><wsdd:ProbeMatch>' +
        `<wsa:EndpointReference><wsa:Address>${endpoint}</wsa:Address></wsa:EndpointReference>` +
        '<wsdd:Types>dn:NetworkVideoTransmitter tds:Device</wsdd:Types>' +
        `<wsdd:Scopes>${scopes.join(' ')}</wsdd:Scopes>` +
        `<wsdd:XAddrs>${xaddr}</wsdd:XAddrs>` +
        '<wsdd:MetadataVersion>1</wsdd:MetadataVersion>' +
        '</wsdd:ProbeMatch></wsdd:ProbeMatches>';
      socket.send(Buffer.from(envelope(body, header), 'utf8'), rinfo.port, rinfo.address);
    });
    if (mode === 'multicast') {
      await new Promise<void>((resolve) => socket.bind(3702, '0.0.0.0', resolve));
      socket.addMembership('239.255.255.250');
    } else {
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    }
    udpPort = socket.address().port;
  }

  return {
    xaddr,
    httpPort,
    udpPort,
    endpoint,
    calls,
    get probes() {
      return probes;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (udp) await new Promise<void>((resolve) => udp!.close(() => resolve()));
    },
  };
}

function profileXml(p: SimulatedProfile): string {
  const source = p.videoSource ?? 'VideoSource_1';
  const encoder =
    p.encoding === null
      ? ''
      : `<tt:VideoEncoderConfiguration token="VideoEncoder_${p.token}"><tt:Name>VideoEncoder_${p.token}</tt:Name>` +
        `<tt:UseCount>1</tt:UseCount><tt:Encoding>${p.encoding}</tt:Encoding>` +
        `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>` +
        '<tt:Quality>3.000000</tt:Quality>' +
        `<tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
        `<tt:BitrateLimit>${p.bitrateKbps}</tt:BitrateLimit></tt:RateControl>` +
        '<tt:H264><tt:GovLength>50</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>' +
        '<tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>';
  return (
    `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${xmlText(p.name)}</tt:Name>` +
    `<tt:VideoSourceConfiguration token="VideoSourceConfig_1"><tt:Name>VideoSourceConfig</tt:Name><tt:UseCount>2</tt:UseCount>` +
    `<tt:SourceToken>${source}</tt:SourceToken><tt:Bounds x="0" y="0" width="${p.width}" height="${p.height}"></tt:Bounds>` +
    `</tt:VideoSourceConfiguration>${encoder}</trt:Profiles>`
  );
}
