/**
 * Our RTSP server driven by a camera report (src-shared/camera-report.ts): it plays the recorded camera
 * back to a client, so a camera a user reported can be run against ThinStream here, in a test or with
 * `thinstream camera --replay report.json`.
 *
 *   const replay = await startReportReplay({ report, clip: 'clip.h264' });
 *   await probe({ url: replay.url(), transport: 'tcp', … });   // the recorded camera's result again
 *   await replay.close();
 *
 * Each control connection plays the next recorded connection's part (report-script.ts): requests are
 * answered with the recorded answers in order, matched by method (keepalives beyond the recorded ones get
 * the last recorded answer of their method); the camera's address in answers becomes the replay's; SETUP
 * over UDP binds a port pair and answers with its ports. The PLAY answer starts the recorded timeline:
 * packets recorded before the answer are sent before it, the rest at their recorded times after it, with
 * the recorded sequence numbers, timestamps, marker bits, payload types and SSRCs, on the recorded
 * channels (or UDP), and payloads made by PayloadSynthesizer from the report's shapes and a clip.
 * Not replayed: RTP header extensions, CSRCs and padding; RTCP beyond SR timing and BYE.
 */
import type dgram from 'node:dgram';
import net, { isIPv6, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { CameraReport, ReportPacket, ReportRtpPacket } from '../../../src-shared/camera-report.js';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { RtspStreamParser, interleavedHeader, type RtspRequest } from '../message.js';
import { RTP_HEADER_BYTES, buildSenderReport, writeRtpHeader, writeUint32 } from '../../rtp/rtp-writer.js';
import { parseTransportHeader } from '../transport-header.js';
import { ClipSource } from './clip-source.js';
import { DEMO_CLIP_PATH } from './demo-camera.js';
import { bindPortPair, connectUdp } from './media-transport.js';
import { PayloadSynthesizer } from './payload-synthesizer.js';
import { buildReplayScripts, rewriteResponse, type ConnectionScript, type TimelineEvent } from './report-script.js';

export interface ReportReplayOptions {
  report: CameraReport;
  /** Slices for the payloads: a clip or the path of an Annex-B file. Default: the demo clip. */
  clip?: ClipSource | string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  log?: (line: string) => void;
}

export interface ReportReplayStats {
  connections: number;
  requests: number;
  /** Requests answered from the script in order. */
  scripted: number;
  /** Requests the script had no answer for at that point (answered with a fallback), each logged. */
  unscripted: number;
  rtpSent: number;
  rtcpSent: number;
}

export interface ReportReplay {
  readonly port: number;
  /** The recorded camera's path on the replay: `rtsp://127.0.0.1:<port>/<recorded path>`. */
  url(): string;
  stats(): ReportReplayStats;
  close(): Promise<void>;
}

export async function startReportReplay(options: ReportReplayOptions): Promise<ReportReplay> {
  const clip =
    options.clip instanceof ClipSource ? options.clip : await ClipSource.fromFile(options.clip ?? DEMO_CLIP_PATH);
  const replay = new Replay(options, clip);
  await replay.listen(options.port ?? 0);
  return replay;
}

const SERVER_NAME = 'ThinStream-replay/0.1';

class Replay implements ReportReplay {
  readonly report: CameraReport;
  readonly clip: ClipSource;
  readonly scripts: ConnectionScript[];
  readonly host: string;
  readonly cameraHost: string;
  readonly path: string;
  readonly videoPt: number | null;
  readonly parameterSets: { sps: Uint8Array[]; pps: Uint8Array[] };
  readonly counters: ReportReplayStats = {
    connections: 0,
    requests: 0,
    scripted: 0,
    unscripted: 0,
    rtpSent: 0,
    rtcpSent: 0,
  };
  port = 0;
  private readonly server = net.createServer();
  private readonly connections = new Set<ReplayConnection>();
  private readonly logLine: (line: string) => void;

  constructor(options: ReportReplayOptions, clip: ClipSource) {
    this.report = options.report;
    this.clip = clip;
    this.scripts = buildReplayScripts(options.report);
    if (this.scripts.length === 0) {
      throw new ThinStreamError('BAD_REQUEST', 'the camera report has no dialogue to replay');
    }
    this.host = options.host ?? '127.0.0.1';
    const recorded = recordedUrl(options.report.probe.url);
    this.cameraHost = recorded.host;
    this.path = recorded.path;
    this.videoPt = videoPayloadType(options.report);
    this.parameterSets = {
      sps: options.report.parameterSets.sps.map((b) => new Uint8Array(Buffer.from(b, 'base64'))),
      pps: options.report.parameterSets.pps.map((b) => new Uint8Array(Buffer.from(b, 'base64'))),
    };
    this.logLine = options.log ?? (() => {});
    this.server.on('connection', (socket) => {
      const index = this.counters.connections++;
      const script = this.scripts[Math.min(index, this.scripts.length - 1)]!;
      const connection = new ReplayConnection(this, socket, script);
      this.connections.add(connection);
      socket.once('close', () => this.connections.delete(connection));
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.host, () => {
        this.server.off('error', reject);
        this.server.on('error', (err) => this.log(`listening socket: ${err.message}`));
        const address = this.server.address();
        this.port = typeof address === 'object' && address ? address.port : port;
        resolve();
      });
    });
  }

  get origin(): string {
    return `rtsp://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  url(): string {
    return `${this.origin}${this.path}`;
  }

  stats(): ReportReplayStats {
    return { ...this.counters };
  }

  log(line: string): void {
    this.logLine(line);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const c of this.connections) c.destroy();
      this.server.close(() => resolve());
    });
  }
}

/** One client connection playing one recorded connection's part. */
class ReplayConnection {
  private readonly replay: Replay;
  private readonly socket: Socket;
  private readonly script: ConnectionScript;
  private readonly parser: RtspStreamParser;
  private readonly synthesizer: PayloadSynthesizer;
  private cursor = 0;
  private answered = 0;
  private udp: { rtp: dgram.Socket; rtcp: dgram.Socket } | null = null;
  private queue: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(replay: Replay, socket: Socket, script: ConnectionScript) {
    this.replay = replay;
    this.socket = socket;
    this.script = script;
    this.synthesizer = new PayloadSynthesizer(replay.clip, replay.parameterSets);
    this.parser = new RtspStreamParser({
      onMessage: (m) => {
        if (m.kind === 'request') this.enqueue(m);
      },
      onInterleaved: () => undefined,
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk);
      } catch (err) {
        replay.log(`replay: not RTSP from the client, closing: ${(err as Error).message}`);
        this.destroy();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.stop());
  }

  destroy(): void {
    this.socket.destroy();
    this.stop();
  }

  private stop(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.udp?.rtp.close();
    this.udp?.rtcp.close();
    this.udp = null;
  }

  private enqueue(request: RtspRequest): void {
    this.queue = this.queue
      .then(() => this.handle(request))
      .catch((err: unknown) => this.replay.log(`replay: ${request.method} failed: ${(err as Error).message}`));
  }

  private async handle(request: RtspRequest): Promise<void> {
    if (this.closed) return;
    this.replay.counters.requests++;
    const { closeAfterExchanges } = this.script;
    if (closeAfterExchanges !== null && this.answered >= closeAfterExchanges) {
      this.replay.log(`replay: ${request.method}: the camera closed the connection here`);
      this.destroy();
      return;
    }
    const index = this.script.exchanges.findIndex((x, i) => i >= this.cursor && x.method === request.method);
    if (index === -1) {
      this.unscripted(request);
      return;
    }
    this.cursor = index + 1;
    this.answered++;
    this.replay.counters.scripted++;
    const exchange = this.script.exchanges[index]!;
    if (exchange.response === null) return; // the camera never answered this one
    if (request.method === 'SETUP' && exchange.status >= 200 && exchange.status < 300) {
      await this.setup(request, exchange.response);
      return;
    }
    if (index === this.script.playIndex) {
      const early = this.script.timeline.filter((e) => e.t < 0);
      for (const e of early) this.send(e);
      this.answer(request, exchange.response);
      this.runTimeline(early.length);
      return;
    }
    this.answer(request, exchange.response);
  }

  /** A request past the script (a keepalive more than recorded): the last recorded answer of its method, or 200/454. */
  private unscripted(request: RtspRequest): void {
    this.replay.counters.unscripted++;
    const last = this.script.exchanges.findLast((x) => x.method === request.method && x.response !== null);
    this.replay.log(
      `replay: ${request.method} ${request.uri}: not in the script here; ${last ? 'the last recorded answer' : 'a plain answer'}`,
    );
    if (last?.response) {
      this.answer(request, last.response);
      return;
    }
    const keepalive = ['OPTIONS', 'GET_PARAMETER', 'SET_PARAMETER', 'TEARDOWN'].includes(request.method);
    const cseq = request.headers.get('cseq');
    const session = request.headers.get('session');
    const lines = [keepalive ? 'RTSP/1.0 200 OK' : 'RTSP/1.0 454 Session Not Found', `Server: ${SERVER_NAME}`];
    if (cseq !== undefined) lines.push(`CSeq: ${cseq}`);
    if (session !== undefined) lines.push(`Session: ${session}`);
    this.write(Buffer.from(lines.join('\r\n') + '\r\n\r\n'));
  }

  private answer(request: RtspRequest, response: NonNullable<ConnectionScript['exchanges'][number]['response']>): void {
    this.write(
      rewriteResponse(response, {
        cameraHost: this.replay.cameraHost,
        origin: this.replay.origin,
        cseq: request.headers.get('cseq'),
      }),
    );
  }

  /** SETUP: the recorded transport. UDP binds a port pair sending to the client's ports; TCP needs nothing. */
  private async setup(
    request: RtspRequest,
    response: NonNullable<ConnectionScript['exchanges'][number]['response']>,
  ): Promise<void> {
    const recorded = response.headers.find(([name]) => name.toLowerCase() === 'transport')?.[1];
    const offer = parseTransportHeader(request.headers.get('transport') ?? '');
    const recordedSpec = recorded === undefined ? undefined : parseTransportHeader(recorded)[0];
    const udpRecorded =
      recordedSpec !== undefined
        ? recordedSpec.lowerTransport === 'UDP' && recordedSpec.interleaved === undefined
        : offer[0]?.lowerTransport === 'UDP';
    if (!udpRecorded) {
      this.answer(request, response);
      return;
    }
    const clientPorts = offer.find((s) => s.lowerTransport === 'UDP' && s.clientPort !== undefined)?.clientPort;
    if (clientPorts === undefined) {
      this.replay.counters.unscripted++;
      this.replay.log(
        `replay: SETUP: the report was recorded over UDP; the client offered ${request.headers.get('transport') ?? 'nothing'}`,
      );
      const cseq = request.headers.get('cseq') ?? '0';
      this.write(Buffer.from(`RTSP/1.0 461 Unsupported Transport\r\nCSeq: ${cseq}\r\nServer: ${SERVER_NAME}\r\n\r\n`));
      return;
    }
    const local = this.socket.localAddress ?? '127.0.0.1';
    const remote = this.socket.remoteAddress ?? '127.0.0.1';
    const [rtp, rtcp] = await bindPortPair(isIPv6(local) ? 'udp6' : 'udp4', local);
    try {
      await connectUdp(rtp, clientPorts[0], remote);
      await connectUdp(rtcp, clientPorts[1], remote);
    } catch (err) {
      rtp.close();
      rtcp.close();
      throw err;
    }
    for (const s of [rtp, rtcp]) {
      s.on('error', () => undefined); // ICMP unreachable once the client is gone
      s.on('message', () => undefined); // receiver reports
    }
    if (this.closed) {
      rtp.close();
      rtcp.close();
      return;
    }
    this.udp?.rtp.close();
    this.udp?.rtcp.close();
    this.udp = { rtp, rtcp };
    this.write(
      rewriteResponse(response, {
        cameraHost: this.replay.cameraHost,
        origin: this.replay.origin,
        cseq: request.headers.get('cseq'),
        udp: {
          clientPorts,
          serverPorts: [rtp.address().port, rtcp.address().port],
          serverAddress: local,
          clientAddress: remote,
        },
      }),
    );
  }

  /** Sends the timeline from event `from` on, each at its recorded time after now (the PLAY answer). */
  private runTimeline(from: number): void {
    const events = this.script.timeline;
    const startMs = performance.now();
    let next = from;
    const run = (): void => {
      this.timer = null;
      if (this.closed) return;
      const elapsedMs = performance.now() - startMs;
      while (next < events.length && events[next]!.t <= elapsedMs) {
        this.send(events[next++]!);
        if (this.closed) return;
      }
      if (next < events.length) this.timer = setTimeout(run, Math.max(0, events[next]!.t - elapsedMs));
    };
    run();
  }

  private send(event: TimelineEvent): void {
    if (event.kind === 'close') {
      this.replay.log(`replay: the camera closes the connection (${event.detail})`);
      this.destroy();
    } else if (event.kind === 'request') {
      this.write(
        rewriteResponse(event.message, {
          cameraHost: this.replay.cameraHost,
          origin: this.replay.origin,
          cseq: undefined,
        }),
      );
    } else {
      this.sendPacket(event.packet);
    }
  }

  private sendPacket(p: ReportPacket): void {
    const bytes = p.kind === 'rtp' ? this.rtpBytes(p) : rtcpBytes(p);
    if (p.kind === 'rtp') this.replay.counters.rtpSent++;
    else this.replay.counters.rtcpSent++;
    if (p.via === 'udp') {
      const socket = p.kind === 'rtp' ? this.udp?.rtp : this.udp?.rtcp;
      socket?.send(bytes);
      return;
    }
    if (bytes.byteLength > 0xffff) return;
    this.write(Buffer.concat([interleavedHeader(p.via, bytes.byteLength), bytes]));
  }

  private rtpBytes(p: ReportRtpPacket): Uint8Array {
    if (p.malformed === true) return new Uint8Array(p.bytes);
    const payload =
      this.replay.videoPt === null || p.pt === this.replay.videoPt
        ? this.synthesizer.payloadOf(p)
        : PayloadSynthesizer.otherPayload(p);
    const out = new Uint8Array(RTP_HEADER_BYTES + payload.byteLength);
    writeRtpHeader(out, 0, p.m, p.pt, p.seq, p.ts, p.ssrc);
    out.set(payload, RTP_HEADER_BYTES);
    return out;
  }

  private write(bytes: Uint8Array): void {
    if (!this.closed && !this.socket.destroyed) this.socket.write(bytes);
  }
}

/** RTCP: a sender report with the recorded timing, a BYE, else a receiver report; zeros for a malformed one. */
function rtcpBytes(p: Extract<ReportPacket, { kind: 'rtcp' }>): Uint8Array {
  if (p.malformed === true) return new Uint8Array(p.bytes);
  const ssrc = p.ssrc ?? 0;
  const parts: Uint8Array[] = [];
  if (p.sr !== undefined) {
    parts.push(
      buildSenderReport({
        ssrc,
        wallMs: p.sr.ntpMs,
        rtpTimestamp: p.sr.rtpTs,
        packetCount: p.sr.packets,
        octetCount: p.sr.octets,
        cname: 'thinstream-replay',
      }),
    );
  } else {
    // RFC 3550 §6.4.2: an empty receiver report, V=2 RC=0 PT=201 length=1.
    const rr = new Uint8Array(8);
    rr.set([0x80, 201, 0, 1]);
    writeUint32(rr, 4, ssrc);
    parts.push(rr);
  }
  if (p.types.includes(203)) {
    // §6.6: BYE, V=2 SC=1 PT=203 length=1.
    const bye = new Uint8Array(8);
    bye.set([0x81, 203, 0, 1]);
    writeUint32(bye, 4, ssrc);
    parts.push(bye);
  }
  return Buffer.concat(parts);
}

/** The H.264 payload type of the report's SDP (a=rtpmap:<pt> H264/…), or null when it has none. */
function videoPayloadType(report: CameraReport): number | null {
  const m = /a=rtpmap:(\d+)\s+H264\//i.exec(report.sdp ?? '');
  return m ? Number(m[1]) : null;
}

/** Host and path (with query) of the report's URL. */
function recordedUrl(text: string): { host: string; path: string } {
  try {
    const url = new URL(text);
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), path: `${url.pathname}${url.search}` };
  } catch {
    return { host: '', path: '/' };
  }
}
