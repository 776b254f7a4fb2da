/**
 * A relay between an RTSP client and a real camera that injects the faults a real camera on a real
 * network produces and GStreamer will not: lost and reordered RTP packets, and a camera that goes
 * silent. Everything else passes through: the dialogue (re-serialized, so requests are recorded),
 * interleaved frames on TCP, and UDP (SETUP's client_port and server_port are rewritten so RTP and RTCP
 * flow through the relay's own sockets in both directions).
 *
 * Faults apply to RTP packets from the camera (interleaved on an even channel, or UDP on the RTP port),
 * numbered from 0 in arrival order per client connection.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import {
  RtspHeaders,
  RtspStreamParser,
  interleavedHeader,
  serializeRequest,
  serializeResponse,
  type RtspMessage,
} from '../../src-main/rtsp/message.js';
import { formatTransport, parseTransportHeader } from '../../src-main/rtsp/transport-header.js';

export interface FaultPlan {
  /** Drop RTP packet number `index`. */
  drop?(index: number): boolean;
  /** Hold packet `index` and send it after the next one (a swap of neighbours). */
  swap?(index: number): boolean;
  /** While true, every RTP and RTCP packet from the camera is discarded (a camera gone silent). */
  silent?(): boolean;
  /** Answer every request with `302 Moved Temporarily` and this Location instead of relaying (§11.3.3). */
  redirectTo?: string;
  /** Discard all RTP and RTCP over UDP (a firewall that lets only the RTSP connection through). */
  blockUdp?: boolean;
  /** On TCP, after every 25th RTP packet, also send a small frame on this interleaved channel. */
  strayChannel?: number;
  /** Once the PLAY answer went out, send the client a request of this method (servers may, §10). */
  serverRequest?: string;
}

export interface FaultRelayStats {
  /** Request methods seen from clients, in order (`OPTIONS`, `DESCRIBE`, …, `TEARDOWN`). */
  methods: string[];
  /** The same requests with their Session header, when they had one. */
  requests: Array<{ method: string; session?: string }>;
  rtpPackets: number;
  dropped: number;
  swapped: number;
  /** Client connections accepted so far. */
  connections: number;
  /** RTCP receiver reports (RFC 3550 §6.4.2, packet type 201) from clients, over TCP or UDP. */
  receiverReports: number;
  /** Responses the client sent to the relay's own requests (`serverRequest`), by status. */
  clientResponses: number[];
  /** Stray frames sent on `strayChannel`. */
  strayFrames: number;
}

export interface FaultRelay {
  port: number;
  /** rtsp://[user:pass@]127.0.0.1:<relay port><path> */
  url(path: string, credentials?: { user: string; password: string }): string;
  stats: FaultRelayStats;
  close(): Promise<void>;
}

export async function startFaultRelay(
  target: { host: string; port: number },
  plan: FaultPlan = {},
): Promise<FaultRelay> {
  const stats: FaultRelayStats = {
    methods: [],
    requests: [],
    rtpPackets: 0,
    dropped: 0,
    swapped: 0,
    connections: 0,
    receiverReports: 0,
    clientResponses: [],
    strayFrames: 0,
  };
  const sockets = new Set<Socket>();
  const udpSockets = new Set<UdpSocket>();
  const server: Server = createServer((client) => {
    stats.connections++;
    relayConnection(client, target, plan, stats, sockets, udpSockets);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    url: (path, c) =>
      `rtsp://${c ? `${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@` : ''}127.0.0.1:${port}${path}`,
    stats,
    async close() {
      for (const s of sockets) s.destroy();
      for (const u of udpSockets) u.close();
      udpSockets.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function relayConnection(
  client: Socket,
  target: { host: string; port: number },
  plan: FaultPlan,
  stats: FaultRelayStats,
  sockets: Set<Socket>,
  udpSockets: Set<UdpSocket>,
): void {
  const camera = connect(target.port, target.host);
  sockets.add(client);
  sockets.add(camera);
  const methodsByCseq = new Map<string, string>();
  /** UDP plumbing per SETUP: the client's ports, the camera's, and the relay's pair facing both. */
  const udpSessions: Array<{
    clientRtp: number;
    clientRtcp: number;
    rtp: UdpSocket;
    rtcp: UdpSocket;
    cameraRtcp: number;
  }> = [];
  let rtpIndex = 0;
  let held: { send: () => void } | null = null;

  /** Passes one RTP packet through the fault plan. */
  const rtp = (send: () => void) => {
    if (plan.silent?.()) return;
    const index = rtpIndex++;
    stats.rtpPackets++;
    if (plan.drop?.(index)) {
      stats.dropped++;
      return;
    }
    if (held === null && plan.swap?.(index)) {
      held = { send };
      stats.swapped++;
      return;
    }
    send();
    const h = held as { send: () => void } | null;
    held = null;
    h?.send();
  };

  const end = () => {
    client.destroy();
    camera.destroy();
    sockets.delete(client);
    sockets.delete(camera);
    for (const u of udpSessions) {
      for (const s of [u.rtp, u.rtcp]) {
        if (udpSockets.delete(s)) s.close();
      }
    }
  };
  client.on('error', end);
  camera.on('error', end);
  client.on('close', end);
  camera.on('close', end);

  /** Writes to the camera in order; a UDP SETUP waits for the relay's sockets to be bound. */
  let toCamera: Promise<void> = Promise.resolve();
  const fromClient = new RtspStreamParser({
    onMessage: (m) => {
      if (m.kind === 'response') {
        // An answer to the relay's own request: recorded, not passed to the camera.
        stats.clientResponses.push(m.status);
        return;
      }
      stats.methods.push(m.method);
      const session = m.headers.get('session');
      stats.requests.push(session === undefined ? { method: m.method } : { method: m.method, session });
      methodsByCseq.set(m.headers.get('cseq') ?? '', m.method);
      if (plan.redirectTo !== undefined) {
        const headers = new RtspHeaders([
          ['CSeq', m.headers.get('cseq') ?? '0'],
          ['Location', plan.redirectTo],
        ]);
        client.write(serializeResponse({ status: 302, reason: 'Moved Temporarily', headers, body: new Uint8Array(0) }));
        return;
      }
      toCamera = toCamera.then(async () => {
        const transport = m.headers.get('transport');
        const offer = transport === undefined ? undefined : parseTransportHeader(transport)[0];
        if (m.method === 'SETUP' && offer?.lowerTransport === 'UDP' && offer.clientPort) {
          const [rtpSocket, rtcpSocket] = await Promise.all([bindUdp(udpSockets), bindUdp(udpSockets)]);
          udpSessions.push({
            clientRtp: offer.clientPort[0],
            clientRtcp: offer.clientPort[1],
            rtp: rtpSocket,
            rtcp: rtcpSocket,
            cameraRtcp: 0,
          });
          // The camera sends to the relay's pair instead of the client's.
          m.headers.set(
            'Transport',
            formatTransport({ ...offer, clientPort: [portOf(rtpSocket), portOf(rtcpSocket)] }),
          );
        }
        camera.write(serializeRequest(m));
      });
    },
    onInterleaved: (channel, data, start, end) => {
      const payload = data.subarray(start, end);
      if (isReceiverReport(payload)) stats.receiverReports++;
      const bytes = frame(channel, payload);
      toCamera = toCamera.then(() => {
        camera.write(bytes);
      });
    },
  });
  const fromCamera = new RtspStreamParser({
    onMessage: (m: RtspMessage) => {
      if (m.kind !== 'response') return;
      const method = methodsByCseq.get(m.headers.get('cseq') ?? '');
      const transport = m.headers.get('transport');
      const udp = udpSessions[udpSessions.length - 1];
      if (method === 'SETUP' && transport !== undefined && udp !== undefined) {
        const answer = parseTransportHeader(transport)[0];
        if (answer?.serverPort) {
          const [cameraRtp, cameraRtcp] = answer.serverPort;
          udp.cameraRtcp = cameraRtcp;
          wireUdp(udp, cameraRtp, cameraRtcp, plan.blockUdp ? () => undefined : rtp, () => stats.receiverReports++);
          m.headers.set(
            'Transport',
            formatTransport({
              ...answer,
              clientPort: [udp.clientRtp, udp.clientRtcp],
              serverPort: [portOf(udp.rtp), portOf(udp.rtcp)],
            }),
          );
        }
      }
      client.write(serializeResponse({ ...m, headers: new RtspHeaders(m.headers.entries()) }));
      if (method === 'PLAY' && plan.serverRequest !== undefined) {
        const headers = new RtspHeaders([['CSeq', '9001']]);
        const session = m.headers.get('session');
        if (session !== undefined) headers.append('Session', session);
        client.write(serializeRequest({ method: plan.serverRequest, uri: '*', headers, body: new Uint8Array(0) }));
      }
    },
    onInterleaved: (channel, data, start, end) => {
      const bytes = frame(channel, data.subarray(start, end));
      if (channel % 2 === 0) {
        rtp(() => client.write(bytes));
        if (plan.strayChannel !== undefined && stats.rtpPackets % 25 === 0) {
          stats.strayFrames++;
          client.write(frame(plan.strayChannel, Uint8Array.of(0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1)));
        }
      } else if (!plan.silent?.()) client.write(bytes);
    },
  });
  client.on('data', (chunk: Buffer) => {
    try {
      fromClient.push(chunk);
    } catch {
      end();
    }
  });
  camera.on('data', (chunk: Buffer) => {
    try {
      fromCamera.push(chunk);
    } catch {
      end();
    }
  });
}

/** RTP camera→relay→client through the fault plan; RTCP both ways (SR to the client, RR to the camera). */
function wireUdp(
  udp: { clientRtp: number; clientRtcp: number; rtp: UdpSocket; rtcp: UdpSocket },
  cameraRtp: number,
  cameraRtcp: number,
  rtp: (send: () => void) => void,
  onReceiverReport: () => void,
): void {
  udp.rtp.on('message', (msg, from) => {
    if (from.port === udp.clientRtp) udp.rtp.send(msg, cameraRtp, '127.0.0.1');
    else rtp(() => udp.rtp.send(msg, udp.clientRtp, '127.0.0.1'));
  });
  udp.rtcp.on('message', (msg, from) => {
    if (from.port === cameraRtcp) {
      udp.rtcp.send(msg, udp.clientRtcp, '127.0.0.1');
      return;
    }
    if (isReceiverReport(msg)) onReceiverReport();
    udp.rtcp.send(msg, cameraRtcp, '127.0.0.1');
  });
}

/** A compound RTCP packet starting with a receiver report: version 2, packet type 201 (RFC 3550 §6.4.2). */
function isReceiverReport(packet: Uint8Array): boolean {
  return packet.byteLength >= 8 && packet[0]! >> 6 === 2 && packet[1] === 201;
}

function bindUdp(all: Set<UdpSocket>): Promise<UdpSocket> {
  const s = createSocket('udp4');
  s.on('error', () => undefined);
  all.add(s);
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

function portOf(s: UdpSocket): number {
  return s.address().port;
}

function frame(channel: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.byteLength);
  out.set(interleavedHeader(channel, payload.byteLength), 0);
  out.set(payload, 4);
  return out;
}
