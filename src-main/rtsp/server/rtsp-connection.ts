/**
 * One client's RTSP connection to the camera: parses requests (message.ts), answers OPTIONS, DESCRIBE,
 * SETUP, PLAY, GET_PARAMETER and TEARDOWN (RFC 2326 §10) one at a time in order, and carries the
 * interleaved RTP/RTCP of its TCP sessions. The quirks of the mount a request names change the answers.
 */
import { randomBytes } from 'node:crypto';
import { isIPv6, type Socket } from 'node:net';
import { RtspParseError, RtspStreamParser, type RtspRequest } from '../message.js';
import { parseTransportHeader } from '../transport-header.js';
import type { FrameTicker } from './frame-ticker.js';
import { TcpTransport, UdpTransport, type MediaTransport } from './media-transport.js';
import { originOfRequestUri, resolveMount, type ResolvedMount } from './mount.js';
import type { QuirkName } from './quirks.js';
import { writeResponse } from './response-writer.js';
import { RtspSession, type SessionEndReason } from './rtsp-session.js';
import { VIDEO_PAYLOAD_TYPE, buildSessionDescription } from './session-description.js';
import { VideoSender, type SenderCounters } from './video-sender.js';
import {
  controlOfTrack,
  hex8,
  packetizerOptions,
  publicMethods,
  sessionHeaders,
  sessionIdOf,
  ssrcParam,
  tcpSpec,
  trackOfControl,
  type Headers,
} from './camera-answers.js';
import { AudioSender } from './audio-sender.js';

/** What a connection needs from its server. */
export interface ServerContext {
  readonly mounts: readonly ResolvedMount[];
  readonly serverQuirks: ReadonlySet<QuirkName>;
  readonly sessionTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly senderReportIntervalMs: number;
  readonly tcpBufferLimitBytes: number | undefined;
  readonly counters: SenderCounters;
  log(line: string): void;
  findSession(id: string): RtspSession | undefined;
  addSession(session: RtspSession): void;
  endSession(session: RtspSession, reason: SessionEndReason, detail?: string): void;
  tickerFor(fps: number): FrameTicker;
}

const SERVER_NAME = 'ThinStream-camera/0.1';
/** The largest RTP packet an interleaved frame's 16-bit length allows (§10.12), for `big-interleaved`. */
const MAX_INTERLEAVED_PAYLOAD_BYTES = 0xffff - 12;

export class RtspConnection {
  readonly id: number;
  private readonly socket: Socket;
  private readonly ctx: ServerContext;
  private readonly parser: RtspStreamParser;
  private readonly label: string;
  private readonly sessions = new Set<RtspSession>();
  private readonly usedChannels = new Set<number>();
  /** Requests are answered in order; SETUP waits for UDP sockets to bind. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(id: number, socket: Socket, ctx: ServerContext) {
    this.id = id;
    this.socket = socket;
    this.ctx = ctx;
    const remote = socket.remoteAddress ?? '?';
    this.label = `${isIPv6(remote) ? `[${remote}]` : remote}:${socket.remotePort}`;
    this.parser = new RtspStreamParser({
      onMessage: (message) => {
        if (message.kind === 'request') this.enqueue(message);
      },
      onInterleaved: () => this.onClientMedia(),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // A client that goes away without TEARDOWN is ordinary; other socket errors are worth a line.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') ctx.log(`connection ${this.label}: ${err.message}`);
    });
    socket.on('close', () => this.onClose());
  }

  /** Closes the connection and ends its sessions (server shutdown). */
  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      this.parser.push(chunk);
    } catch (err) {
      const reason = err instanceof RtspParseError ? err.message : String(err);
      this.ctx.log(`connection ${this.label}: not RTSP, closing: ${reason}`);
      this.send(writeResponse({ status: 400, headers: [['Server', SERVER_NAME]] }, this.ctx.serverQuirks));
      this.socket.end();
    }
  }

  /** RTCP receiver reports (or anything) from the client on its interleaved channels: its sessions are alive. */
  private onClientMedia(): void {
    const now = Date.now();
    for (const session of this.sessions) {
      if (!session.mount.quirks.has('early-session-close')) session.touch(now);
    }
  }

  private onClose(): void {
    this.closed = true;
    for (const session of this.sessions) {
      const tcp = [...session.tracks.values()].some((t) => t.transport.kind === 'tcp');
      // UDP sessions outlive their connection until TEARDOWN or timeout (RFC 2326 §3.4); TCP ones cannot.
      if (tcp || session.tracks.size === 0) this.ctx.endSession(session, 'connection-closed');
    }
  }

  private enqueue(request: RtspRequest): void {
    this.queue = this.queue
      .then(() => this.handle(request))
      .catch((err: unknown) => {
        this.ctx.log(`connection ${this.label}: ${request.method} ${request.uri} failed: ${(err as Error).message}`);
        this.reply(request, 500, [], this.ctx.serverQuirks);
      });
  }

  private send(bytes: Uint8Array): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }

  private reply(
    request: RtspRequest,
    status: number,
    headers: Headers,
    quirks: ReadonlySet<QuirkName>,
    body?: string,
  ): void {
    const all: Headers = [['CSeq', request.headers.get('cseq') ?? '0'], ['Server', SERVER_NAME], ...headers];
    this.send(writeResponse(body === undefined ? { status, headers: all } : { status, headers: all, body }, quirks));
  }

  private async handle(request: RtspRequest): Promise<void> {
    if (this.closed) return;
    const resolved = request.uri === '*' ? null : resolveMount(request.uri, this.ctx.mounts);
    const quirks = resolved?.mount.quirks ?? this.ctx.serverQuirks;
    if (quirks.has('require-user-agent') && !request.headers.has('user-agent')) {
      this.ctx.log(`${request.method} ${request.uri} from ${this.label}: refused, no User-Agent`);
      return this.reply(request, 400, [], quirks);
    }
    // §12.37: any request that names the session keeps it alive, OPTIONS included (the keepalive of clients
    // that see no GET_PARAMETER in Public, as ffmpeg and VLC send it).
    const session = this.sessionOf(request);
    if (session) session.touch(Date.now());
    if (request.method === 'OPTIONS') {
      return this.reply(request, 200, [['Public', publicMethods(quirks)], ...sessionHeaders(session)], quirks);
    }
    if (!resolved) return this.reply(request, 404, [], quirks);
    const { mount, control } = resolved;
    if (mount.auth) {
      const result = mount.auth.check(request.method, request.headers.get('authorization'));
      if (!result.ok) {
        if (request.headers.has('authorization')) this.ctx.log(`${request.method} ${request.uri}: ${result.reason}`);
        return this.reply(request, 401, [['WWW-Authenticate', result.challenge]], quirks);
      }
    }
    switch (request.method) {
      case 'DESCRIBE':
        return this.describe(request, mount);
      case 'SETUP':
        return this.setup(request, mount, control, session);
      case 'PLAY':
        return this.play(request, mount, session);
      case 'GET_PARAMETER':
        if (quirks.has('no-get-parameter')) return this.reply(request, 501, [], quirks);
        return this.reply(request, 200, sessionHeaders(session), quirks);
      case 'TEARDOWN':
        if (session) {
          this.sessions.delete(session);
          this.ctx.endSession(session, 'teardown');
        }
        return this.reply(request, 200, [], quirks);
      default:
        return this.reply(request, 501, [['Public', publicMethods(quirks)]], quirks);
    }
  }

  /** The session a request names; undefined when it names none or one we do not know. */
  private sessionOf(request: RtspRequest): RtspSession | undefined {
    const id = sessionIdOf(request);
    return id === null ? undefined : this.ctx.findSession(id);
  }

  private describe(request: RtspRequest, mount: ResolvedMount): void {
    const quirks = mount.quirks;
    const source = mount.source;
    const origin = originOfRequestUri(request.uri, this.fallbackOrigin());
    const baseUrl = `${origin}${mount.path === '/' ? '' : mount.path}/`;
    const sdp = buildSessionDescription({
      sessionId: String(Date.now()),
      address: this.socket.localAddress ?? '0.0.0.0',
      baseUrl,
      fps: source.fps,
      width: source.width,
      height: source.height,
      profileLevelId: source.profileLevelId,
      spropParameterSets: source.spropParameterSets,
      quirks,
    });
    const headers: Headers = [];
    if (quirks.has('relative-control')) headers.push(['Content-Base', baseUrl.slice(0, -1)]);
    else if (!quirks.has('no-content-base')) headers.push(['Content-Base', baseUrl]);
    if (!quirks.has('no-content-type')) headers.push(['Content-Type', 'application/sdp']);
    this.reply(request, 200, headers, quirks, sdp);
  }

  private async setup(
    request: RtspRequest,
    mount: ResolvedMount,
    control: string,
    existing: RtspSession | undefined,
  ): Promise<void> {
    const quirks = mount.quirks;
    const kind = trackOfControl(control, quirks);
    if (kind === null) return this.reply(request, 404, [], quirks);
    if (sessionIdOf(request) !== null && (!existing || existing.mount !== mount)) {
      return this.reply(request, 454, [], quirks);
    }
    if (existing?.playing) return this.reply(request, 455, sessionHeaders(existing), quirks);
    const specs = parseTransportHeader(request.headers.get('transport') ?? '');
    const spec = specs.find(
      (s) =>
        (s.lowerTransport === 'TCP' && s.profile.startsWith('RTP/AVP')) ||
        (s.lowerTransport === 'UDP' && s.unicast && s.clientPort !== undefined && !quirks.has('udp-461')),
    );
    if (!spec) {
      this.ctx.log(
        `SETUP ${request.uri}: no acceptable transport in ${JSON.stringify(request.headers.get('transport'))}`,
      );
      return this.reply(request, 461, sessionHeaders(existing), quirks);
    }
    if (spec.clientPort && !tcpSpec(spec) && (spec.clientPort[0] === 0 || spec.clientPort[1] === 0)) {
      this.ctx.log(`SETUP ${request.uri}: client_port ${spec.clientPort.join('-')} is not a port pair`);
      return this.reply(request, 400, sessionHeaders(existing), quirks);
    }
    const session = existing ?? new RtspSession(mount, this.id, this.ctx.sessionTimeoutMs, Date.now());
    const tcp = tcpSpec(spec);
    const maxPayloadBytes =
      tcp && quirks.has('big-interleaved') ? MAX_INTERLEAVED_PAYLOAD_BYTES : this.ctx.maxPayloadBytes;
    const clip = mount.source.packetized(packetizerOptions(quirks, maxPayloadBytes));
    let transport: MediaTransport;
    let transportParams: string;
    if (tcp) {
      const channels = spec.interleaved ?? this.freeChannels();
      // §10.12: the channel is one byte.
      if (channels[0] > 255 || channels[1] > 255) return this.reply(request, 461, sessionHeaders(existing), quirks);
      this.usedChannels.add(channels[0]).add(channels[1]);
      transport = new TcpTransport({
        socket: this.socket,
        channels,
        maxPacketsPerFrame: clip.maxPacketsPerFrame + 1,
        maxFrameBytes: clip.maxFrameBytes,
        ...(this.ctx.tcpBufferLimitBytes === undefined ? {} : { bufferLimitBytes: this.ctx.tcpBufferLimitBytes }),
      });
      transportParams = `RTP/AVP/TCP;unicast;interleaved=${channels[0]}-${channels[1]}`;
    } else {
      const local = this.socket.localAddress ?? '127.0.0.1';
      const udp = await UdpTransport.open({
        family: isIPv6(local) ? 'udp6' : 'udp4',
        localAddress: local,
        remoteAddress: this.socket.remoteAddress ?? '127.0.0.1',
        clientPorts: spec.clientPort!,
        maxPacketsPerFrame: clip.maxPacketsPerFrame + 1,
        onRtcp: () => {
          if (!quirks.has('early-session-close')) session.touch(Date.now());
        },
        onError: (err) => this.ctx.endSession(session, 'transport-error', err.message),
      });
      if (this.closed) {
        udp.close();
        return;
      }
      transport = udp;
      const [rtp, rtcp] = udp.serverPorts;
      transportParams = `RTP/AVP;unicast;client_port=${spec.clientPort![0]}-${spec.clientPort![1]};server_port=${rtp}-${rtcp}`;
    }
    const cname = `thinstream-camera@${this.socket.localAddress ?? 'localhost'}`;
    let sender: VideoSender | AudioSender | null = null;
    if (kind === 'video') {
      sender = new VideoSender({
        clip,
        fps: mount.source.fps,
        payloadType: VIDEO_PAYLOAD_TYPE,
        transport,
        quirks,
        cname,
        senderReportIntervalMs: this.ctx.senderReportIntervalMs,
        counters: this.ctx.counters,
      });
    } else if (kind === 'audio') {
      sender = new AudioSender({
        fps: mount.source.fps,
        transport,
        cname,
        senderReportIntervalMs: this.ctx.senderReportIntervalMs,
        counters: this.ctx.counters,
      });
    }
    const ssrc = sender?.ssrc ?? randomBytes(4).readUInt32BE(0);
    const transportHeader = transportParams + ssrcParam(ssrc, quirks) + ';mode="PLAY"';
    session.tracks.get(kind)?.transport.close();
    session.tracks.set(kind, { kind, transport, transportHeader, sender, control: controlOfTrack(kind) });
    if (!existing) {
      this.sessions.add(session);
      this.ctx.addSession(session);
    }
    this.reply(request, 200, [['Transport', transportHeader], ...sessionHeaders(session)], quirks);
  }

  private play(request: RtspRequest, mount: ResolvedMount, session: RtspSession | undefined): void {
    const quirks = mount.quirks;
    if (!session) return this.reply(request, 454, [], quirks);
    if (session.tracks.size === 0) return this.reply(request, 455, sessionHeaders(session), quirks);
    const headers: Headers = [['Range', 'npt=0.000-'], ...sessionHeaders(session)];
    const origin = originOfRequestUri(request.uri, this.fallbackOrigin());
    const base = `${origin}${mount.path === '/' ? '' : mount.path}/`;
    const infos: string[] = [];
    for (const track of session.tracks.values()) {
      if (!track.sender) continue;
      let seq = track.sender.firstSeq;
      let rtptime = track.sender.firstTimestamp;
      if (quirks.has('rtpinfo-mismatch')) {
        seq = (seq + 1000) & 0xffff;
        rtptime = (rtptime + 900_000) >>> 0;
      }
      let info = `url=${base}${track.control};seq=${seq};rtptime=${rtptime}`;
      if (quirks.has('no-ssrc-in-setup')) info += `;ssrc=${hex8(track.sender.ssrc)}`;
      infos.push(info);
    }
    // §12.33: one entry per stream, separated by commas.
    if (infos.length > 0) headers.push(['RTP-Info', infos.join(',')]);
    const video = session.video?.sender;
    if (!session.playing && video instanceof VideoSender && quirks.has('rtp-before-play-response')) {
      video.sendFrame(Date.now());
    }
    const wasPlaying = session.playing;
    this.reply(request, 200, headers, quirks);
    if (!wasPlaying) {
      session.play(this.ctx.tickerFor(mount.source.fps));
      this.ctx.log(
        `session ${session.id} on ${mount.path}: playing to ${this.label} over ${session.video?.transport.kind ?? '-'}`,
      );
    }
  }

  private freeChannels(): [number, number] {
    let channel = 0;
    while (this.usedChannels.has(channel) || this.usedChannels.has(channel + 1)) channel += 2;
    return [channel, channel + 1];
  }

  private fallbackOrigin(): string {
    const address = this.socket.localAddress ?? '127.0.0.1';
    return `rtsp://${isIPv6(address) ? `[${address}]` : address}:${this.socket.localPort ?? 554}`;
  }
}
