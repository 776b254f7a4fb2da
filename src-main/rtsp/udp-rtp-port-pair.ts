/**
 * The shared UDP server ports of the original (`rtsp.rtp.server.ports` and `rtsp.rtcp.port`): one RTP
 * socket and one RTCP socket for every camera, offered to each in SETUP as `client_port=<rtp>-<rtcp>`.
 * Datagrams are demultiplexed to the stream they belong to by source address, source port (the camera's
 * `server_port`) and SSRC, in that order of preference.
 *
 * RFC 3550 §11 wants RTP on an even port and RTCP on the next odd one; the configured pair is accepted
 * as given, since the Transport header can name any two ports (`client_port=8000-8001` is conventional).
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4 } from 'node:net';
import { ThinStreamError } from '../../src-shared/errors.js';
import { plainBytes } from './plain-bytes.js';

export interface UdpRtpPortPairOptions {
  /** Local address to bind; `0.0.0.0` by default (`::` for an IPv6 pair). */
  host?: string;
  /** 0 picks an ephemeral port (tests). */
  rtpPort: number;
  rtcpPort: number;
}

export interface UdpRouteOptions {
  /** Stream label, for logs. */
  label: string;
  /** Where the camera's packets come from (the RTSP peer, or SETUP's `source=`). */
  sourceAddress: string;
  /** The camera's `server_port` pair from SETUP, when it sent one. */
  serverRtpPort?: number;
  serverRtcpPort?: number;
  onRtp(packet: Uint8Array, arrivalMs: number): void;
  onRtcp(packet: Uint8Array, arrivalMs: number): void;
}

/** One stream's subscription to the pair. */
export interface UdpRoute {
  /** SSRC announced in SETUP or RTP-Info, used to tell streams from one address and port apart. */
  setSsrc(ssrc: number): void;
  /** Sends an RTCP packet (a receiver report) to the camera's RTCP port from our RTCP socket. */
  sendRtcp(packet: Uint8Array): void;
  close(): void;
}

interface Route {
  options: UdpRouteOptions;
  address: string;
  ssrc: number | null;
  closed: boolean;
}

export interface UdpPortPairStats {
  /** Datagrams no stream claimed (a camera we tore down, a stranger). */
  unrouted: number;
  /** Datagrams too short to carry an SSRC. */
  runts: number;
}

export class UdpRtpPortPair {
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly stats: UdpPortPairStats = { unrouted: 0, runts: 0 };
  private readonly rtp: Socket;
  private readonly rtcp: Socket;
  private readonly routes = new Set<Route>();
  /** Reused per datagram: the hot path allocates nothing. */
  private readonly candidates: Route[] = [];
  private closed = false;

  private constructor(rtp: Socket, rtcp: Socket) {
    this.rtp = rtp;
    this.rtcp = rtcp;
    this.rtpPort = rtp.address().port;
    this.rtcpPort = rtcp.address().port;
    rtp.on('message', (msg, rinfo) => this.dispatch(plainBytes(msg), rinfo.address, rinfo.port, false));
    rtcp.on('message', (msg, rinfo) => this.dispatch(plainBytes(msg), rinfo.address, rinfo.port, true));
    // A datagram socket's errors after bind (ICMP unreachable on some systems) must not end the process.
    rtp.on('error', () => undefined);
    rtcp.on('error', () => undefined);
  }

  /** Binds both sockets; rejects with RTSP_CONNECT_FAILED naming the port when one is taken. */
  static async open(options: UdpRtpPortPairOptions): Promise<UdpRtpPortPair> {
    const host = options.host ?? '0.0.0.0';
    const type = isIPv4(host) ? 'udp4' : 'udp6';
    const rtp = await bind(type, host, options.rtpPort, 'RTP');
    let rtcp: Socket;
    try {
      rtcp = await bind(type, host, options.rtcpPort, 'RTCP');
    } catch (err) {
      rtp.close();
      throw err;
    }
    for (const s of [rtp, rtcp]) {
      try {
        s.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        // The OS may cap the buffer; the default still works at lower rates.
      }
    }
    return new UdpRtpPortPair(rtp, rtcp);
  }

  route(options: UdpRouteOptions): UdpRoute {
    if (this.closed) throw new ThinStreamError('INTERNAL', `${options.label}: the UDP port pair is closed`);
    const route: Route = { options, address: normalizeAddress(options.sourceAddress), ssrc: null, closed: false };
    this.routes.add(route);
    return {
      setSsrc: (ssrc) => {
        route.ssrc = ssrc >>> 0;
      },
      sendRtcp: (packet) => {
        const port = options.serverRtcpPort;
        if (route.closed || this.closed || port === undefined) return;
        this.rtcp.send(packet, port, options.sourceAddress, () => undefined);
      },
      close: () => {
        route.closed = true;
        this.routes.delete(route);
      },
    };
  }

  /** Streams currently routed, for telemetry. */
  get routeCount(): number {
    return this.routes.size;
  }

  private dispatch(packet: Uint8Array, fromAddress: string, fromPort: number, isRtcp: boolean): void {
    const arrivalMs = Date.now();
    // RTP: SSRC at bytes 8..11 (RFC 3550 §5.1); RTCP: the sender's SSRC at bytes 4..7 (§6.4).
    const ssrcOffset = isRtcp ? 4 : 8;
    if (packet.byteLength < ssrcOffset + 4) {
      this.stats.runts++;
      return;
    }
    const ssrc =
      ((packet[ssrcOffset]! << 24) |
        (packet[ssrcOffset + 1]! << 16) |
        (packet[ssrcOffset + 2]! << 8) |
        packet[ssrcOffset + 3]!) >>>
      0;
    const address = normalizeAddress(fromAddress);
    const candidates = this.candidates;
    candidates.length = 0;
    for (const r of this.routes) if (r.address === address) candidates.push(r);
    // Narrow by the camera's port, then by SSRC. A lone stream on an address takes what comes from it
    // (cameras that send from other ports than they announced); among several, a packet nobody's port
    // or SSRC claims is not guessed at. Streams that cannot be told apart (one camera stream set up
    // twice on one pair) each get the packet.
    if (candidates.length > 1) {
      const byPort = narrow(
        candidates,
        (r) => (isRtcp ? r.options.serverRtcpPort : r.options.serverRtpPort) === fromPort,
      );
      if (candidates.length > 1 && !narrow(candidates, (r) => r.ssrc === ssrc)) {
        if (!byPort) candidates.length = 0;
        else narrow(candidates, (r) => r.ssrc === null);
      }
    }
    if (candidates.length === 0) {
      this.stats.unrouted++;
      return;
    }
    for (const r of candidates) {
      if (isRtcp) r.options.onRtcp(packet, arrivalMs);
      else r.options.onRtp(packet, arrivalMs);
    }
    candidates.length = 0;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.routes.clear();
    return Promise.all([closeSocket(this.rtp), closeSocket(this.rtcp)]).then(() => undefined);
  }
}

function bind(type: 'udp4' | 'udp6', host: string, port: number, what: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type, reuseAddr: false });
    const onError = (err: Error) => {
      socket.close();
      reject(
        new ThinStreamError('RTSP_CONNECT_FAILED', `cannot listen for ${what} on UDP ${host}:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function closeSocket(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** Keeps the routes that match, when any does; says whether any did. */
function narrow(routes: Route[], matches: (r: Route) => boolean): boolean {
  let kept = 0;
  for (const r of routes) if (matches(r)) routes[kept++] = r;
  if (kept > 0) routes.length = kept;
  return kept > 0;
}

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) and `10.0.0.1` are one camera. */
export function normalizeAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && isIPv4(lower.slice(7)) ? lower.slice(7) : lower;
}
