/**
 * One RTSP session from connection to TEARDOWN (RFC 2326 §10): OPTIONS, DESCRIBE (redirects, 503
 * retries, authentication), SETUP of the H.264 track over UDP or TCP interleaved, PLAY; then keepalives
 * before the session timeout, RTCP receiver reports, and TEARDOWN on close. What each answer means is
 * read by session-answers.ts; this class does the I/O and the timing.
 */
import { randomInt } from 'node:crypto';
import { ThinStreamError } from '../../src-shared/errors.js';
import type { TransportKind } from '../../src-shared/stream-status.js';
import type { ControlUrls } from './control-url.js';
import type { RtspResponse } from './message.js';
import { RtspAuthenticator } from './rtsp-auth.js';
import { RtspConnection } from './rtsp-connection.js';
import { RtspStatusError } from './rtsp-error.js';
import type { RtpPacketSink, RtspConnectionTap, RtspSession, RtspSessionOptions } from './rtsp-session.js';
import { hostPort, parseRtspUrl, redactUrl, type RtspUrl } from './rtsp-url.js';
import type { H264Track } from './sdp.js';
import { readDescribeAnswer, readOptionsAnswer, readPlayAnswer, readSetupAnswer } from './session-answers.js';
import { keepaliveIntervalMs } from './session-header.js';
import { formatTransport } from './transport-header.js';
import { UdpRtpPortPair, type UdpRoute } from './udp-rtp-port-pair.js';

/** Drops everything: the sink until the track is known. */
const NO_SINK: RtpPacketSink = {
  pushRtp: () => undefined,
  pushRtcp: () => undefined,
  buildReceiverReport: () => null,
  setExpectedSsrc: () => undefined,
  setRtpInfo: () => undefined,
};

const DEFAULT_MAX_REDIRECTS = 5;
const DESCRIBE_503_RETRIES = 3;
const DEFAULT_RR_INTERVAL_MS = 5000;
const DEFAULT_UDP_FIRST_PACKET_MS = 3000;
const TEARDOWN_TIMEOUT_MS = 2000;

export class PlayingSession implements RtspSession {
  private readonly o: RtspSessionOptions;
  private url: RtspUrl;
  private readonly auth: RtspAuthenticator;
  private conn: RtspConnection | null = null;
  private route: UdpRoute | null = null;
  private privatePair: UdpRtpPortPair | null = null;
  private rtpChannel = 0;
  private rtcpChannel = 1;
  private keepaliveMethod: 'GET_PARAMETER' | 'OPTIONS' = 'OPTIONS';
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private reportTimer: NodeJS.Timeout | null = null;
  private readonly ourSsrc = randomInt(1, 0xffffffff);
  private playing = false;
  private playPending = false;
  private closing = false;
  private endedReported = false;
  private firstPacketWaiter: (() => void) | null = null;
  private firstPacketAbort: (() => void) | null = null;
  private setupDone = false;
  /** start() finished: from now on an end is reported through onEnded, before it by start() rejecting. */
  private started = false;
  private aborted = false;
  /** The private UDP pair closing, awaited by close() so no socket outlives it. */
  private pairClosed: Promise<void> = Promise.resolve();
  private readonly quirksSeen = new Set<string>();
  /** The camera report's view of the current connection, when one is recorded. */
  private connTap: RtspConnectionTap | null = null;

  transport: TransportKind = 'tcp';
  track!: H264Track;
  urls!: ControlUrls;
  sdp = '';
  sink: RtpPacketSink = NO_SINK;
  lastPacketMs = 0;
  rtpPackets = 0;
  sessionTimeoutSec: number | undefined;

  constructor(options: RtspSessionOptions, url: RtspUrl) {
    this.o = options;
    this.url = url;
    const user = options.user ?? url.user;
    const password = options.user !== undefined || options.password !== undefined ? options.password : url.password;
    this.auth = new RtspAuthenticator(user, password);
  }

  private get requestTimeoutMs(): number {
    return this.o.requestTimeoutMs ?? this.o.connectTimeoutMs;
  }

  /** Reports each tolerance once per session: some fire per packet. */
  private quirk(name: string, detail: string): void {
    if (this.quirksSeen.has(name)) return;
    this.quirksSeen.add(name);
    this.o.onQuirk(name, detail);
  }

  async start(want: TransportKind): Promise<void> {
    const describe = await this.describe();
    this.readDescription(describe);
    await this.setup(want);
    await this.play();
    if (this.transport === 'udp' && this.o.transport === 'auto') await this.awaitFirstUdpPacket();
    this.scheduleKeepalive();
    this.scheduleReports();
    this.started = true;
  }

  /** Connects, OPTIONS, DESCRIBE, following redirects (3xx + Location) a bounded number of times. */
  private async describe(): Promise<RtspResponse> {
    const maxRedirects = this.o.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    const seen: string[] = [];
    for (let hop = 0; ; hop++) {
      const conn = await this.connect();
      const options = await this.optionsOrRedirect(conn);
      const response = options ?? (await this.describeOnce(conn));
      if (response.status < 300) return response;
      // §11.3.2, §11.3.3: 301/302/303/305/307 carry the new place in Location.
      const location = response.headers.get('location');
      const where = `${this.o.label}: ${redactUrl(this.url.href)}`;
      if (location === undefined) {
        throw new RtspStatusError(
          'RTSP_STATUS',
          `${where}: the camera redirected (${response.status}) without a Location`,
          {
            status: response.status,
            method: 'DESCRIBE',
            url: this.url.href,
          },
        );
      }
      seen.push(this.url.href);
      if (hop >= maxRedirects || seen.includes(location)) {
        throw new ThinStreamError(
          'RTSP_REDIRECT_LOOP',
          `${where}: more than ${maxRedirects} redirects, or a loop (${seen.map(redactUrl).join(' → ')} → ${redactUrl(location)})`,
        );
      }
      this.o.log?.(`${this.o.label}: redirected (${response.status}) to ${redactUrl(location)}`);
      const next = parseRtspUrl(new URL(location, this.url.href).href);
      this.url = next;
      conn.close();
      this.conn = null;
    }
  }

  /**
   * DESCRIBE, asked again after a 503 (§7.1.1: the server is busy) up to DESCRIBE_503_RETRIES times, waiting
   * Retry-After (at most 2 s) or half a second. Cameras and GStreamer answer 503 while a shared stream is
   * still being torn down for another client; the quirk is `describe-503-retry`.
   */
  private async describeOnce(conn: RtspConnection): Promise<RtspResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await conn.request('DESCRIBE', this.url.href, [['Accept', 'application/sdp']]);
      } catch (err) {
        if (!(err instanceof RtspStatusError) || err.status !== 503 || attempt >= DESCRIBE_503_RETRIES) throw err;
        this.quirk('describe-503-retry', err.message);
        const waitMs = Math.min(2000, err.retryAfterSec === undefined ? 500 : err.retryAfterSec * 1000);
        await new Promise((r) => setTimeout(r, waitMs));
        this.requireConn();
      }
    }
  }

  private async connect(): Promise<RtspConnection> {
    this.connTap = this.o.tap?.connectionOpened(hostPort(this.url)) ?? null;
    const conn = await RtspConnection.open({
      url: this.url,
      label: this.o.label,
      connectTimeoutMs: this.o.connectTimeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      authenticator: this.auth,
      ...(this.o.userAgent === undefined ? {} : { userAgent: this.o.userAgent }),
      ...(this.o.tlsRejectUnauthorized === undefined ? {} : { tlsRejectUnauthorized: this.o.tlsRejectUnauthorized }),
      onInterleaved: (channel, data, start, end, arrivalMs) => this.onInterleaved(channel, data, start, end, arrivalMs),
      onClosed: (error) => this.ended(error),
      onQuirk: (name, detail) => this.quirk(name, detail),
      ...(this.connTap === null ? {} : { tap: this.connTap }),
    });
    this.conn = conn;
    if (this.aborted) conn.close();
    return this.requireConn();
  }

  /**
   * OPTIONS first (§10.1): it tells which keepalive the camera takes. A camera that refuses OPTIONS is
   * tolerated (quirk `options-refused`); a redirect answer is returned for the caller to follow.
   */
  private async optionsOrRedirect(conn: RtspConnection): Promise<RtspResponse | null> {
    let response: RtspResponse;
    try {
      response = await conn.request('OPTIONS', this.url.href);
    } catch (err) {
      if (err instanceof RtspStatusError && err.code === 'RTSP_STATUS') {
        this.quirk('options-refused', err.message);
        return null;
      }
      throw err;
    }
    if (response.status >= 300) return response;
    const answer = readOptionsAnswer(response);
    this.keepaliveMethod = answer.keepalive;
    for (const [name, detail] of answer.quirks) this.quirk(name, detail);
    return null;
  }

  private readDescription(response: RtspResponse): void {
    const answer = readDescribeAnswer(response, this.url.href, this.o.label);
    this.sdp = answer.sdp;
    this.track = answer.track;
    this.urls = answer.urls;
    for (const [name, detail] of answer.quirks) this.quirk(name, detail);
  }

  private async setup(want: TransportKind): Promise<void> {
    const conn = this.requireConn();
    let pair: UdpRtpPortPair | undefined;
    let offer: string;
    if (want === 'udp') {
      pair = this.o.udpPorts ?? (this.privatePair = await UdpRtpPortPair.open({ rtpPort: 0, rtcpPort: 0 }));
      offer = formatTransport({ profile: 'RTP/AVP', unicast: true, clientPort: [pair.rtpPort, pair.rtcpPort] });
    } else {
      offer = formatTransport({ profile: 'RTP/AVP/TCP', unicast: true, interleaved: [0, 1] });
    }
    let response: RtspResponse;
    try {
      response = await conn.request('SETUP', this.urls.track, [['Transport', offer]]);
    } catch (err) {
      // `auto` and a camera that answers 461 to UDP: ask for TCP on the same connection (§12.39).
      if (!(err instanceof RtspStatusError && err.status === 461 && want === 'udp' && this.o.transport === 'auto')) {
        throw err;
      }
      this.quirk('udp-refused-461', 'the camera refused UDP (461); using TCP');
      if (this.privatePair) this.pairClosed = this.privatePair.close();
      this.privatePair = null;
      return this.setup('tcp');
    }
    const answer = readSetupAnswer(response, want);
    for (const [name, detail] of answer.quirks) this.quirk(name, detail);
    if (answer.session !== null) {
      conn.sessionId = answer.session.id;
      this.sessionTimeoutSec = answer.session.timeoutSec;
    }
    const spec = answer.spec;
    this.transport = answer.transport;
    this.sink = this.o.createSink(this.track, this.transport);
    if (spec?.ssrc !== undefined) this.sink.setExpectedSsrc(spec.ssrc);
    if (this.transport === 'tcp') {
      [this.rtpChannel, this.rtcpChannel] = answer.channels;
      this.setupDone = true;
      return;
    }
    if (pair === undefined) {
      throw new ThinStreamError('RTSP_TRANSPORT_UNSUPPORTED', `${this.o.label}: the camera chose UDP for a TCP offer`);
    }
    const source = spec?.source !== undefined && spec.source !== '' ? spec.source : conn.remoteAddress;
    this.route = pair.route({
      label: this.o.label,
      sourceAddress: source,
      ...(spec?.serverPort ? { serverRtpPort: spec.serverPort[0], serverRtcpPort: spec.serverPort[1] } : {}),
      onRtp: (packet, arrivalMs) => {
        this.connTap?.packet('udp', 'rtp', packet);
        this.onRtp(packet, arrivalMs);
      },
      onRtcp: (packet, arrivalMs) => {
        this.connTap?.packet('udp', 'rtcp', packet);
        this.onRtcp(packet, arrivalMs);
      },
    });
    if (spec?.ssrc !== undefined) this.route.setSsrc(spec.ssrc);
    this.setupDone = true;
  }

  private async play(): Promise<void> {
    const conn = this.requireConn();
    this.playPending = true;
    let response: RtspResponse;
    try {
      response = await conn.request('PLAY', this.urls.aggregate, [['Range', 'npt=0.000-']]);
    } finally {
      this.playPending = false;
    }
    this.playing = true;
    const answer = readPlayAnswer(response, this.urls.track);
    for (const [name, detail] of answer.quirks) this.quirk(name, detail);
    this.sink.setRtpInfo(answer.rtpInfo);
    if (answer.ssrc !== undefined) {
      this.sink.setExpectedSsrc(answer.ssrc);
      this.route?.setSsrc(answer.ssrc);
    }
  }

  private awaitFirstUdpPacket(): Promise<void> {
    if (this.rtpPackets > 0) return Promise.resolve();
    const waitMs = this.o.udpFirstPacketTimeoutMs ?? DEFAULT_UDP_FIRST_PACKET_MS;
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.firstPacketWaiter = this.firstPacketAbort = null;
      };
      const timer = setTimeout(() => {
        done();
        reject(new ThinStreamError('RTP_NO_DATA', `${this.o.label}: no RTP over UDP within ${waitMs} ms of PLAY`));
      }, waitMs);
      this.firstPacketWaiter = () => {
        done();
        resolve();
      };
      this.firstPacketAbort = () => {
        done();
        reject(new ThinStreamError('RTSP_SESSION_LOST', `${this.o.label}: connection attempt abandoned`));
      };
    });
  }

  private onInterleaved(channel: number, data: Uint8Array, start: number, end: number, arrivalMs: number): void {
    if (this.connTap !== null) {
      const hint = channel === this.rtpChannel ? 'rtp' : channel === this.rtcpChannel ? 'rtcp' : null;
      this.connTap.packet(channel, hint, data.subarray(start, end));
    }
    if (this.playPending) this.quirk('rtp-before-play-response', `interleaved channel ${channel}`);
    if (!this.setupDone || this.transport !== 'tcp') {
      this.quirk('interleaved-unexpected', `channel ${channel}, ${end - start} bytes outside a TCP session`);
      return;
    }
    if (channel === this.rtpChannel) this.onRtp(data, arrivalMs, start, end);
    else if (channel === this.rtcpChannel) this.onRtcp(data.subarray(start, end), arrivalMs);
    else
      this.quirk(
        'unexpected-interleaved-channel',
        `channel ${channel} (expected ${this.rtpChannel}-${this.rtcpChannel})`,
      );
  }

  private onRtp(packet: Uint8Array, arrivalMs: number, start = 0, end = packet.byteLength): void {
    if (this.closing) return;
    this.rtpPackets++;
    this.lastPacketMs = arrivalMs;
    try {
      this.sink.pushRtp(packet, arrivalMs, start, end);
    } catch (err) {
      this.sinkFailed(err);
      return;
    }
    this.firstPacketWaiter?.();
  }

  private onRtcp(packet: Uint8Array, arrivalMs: number): void {
    if (this.closing) return;
    try {
      this.sink.pushRtcp(packet, arrivalMs);
    } catch (err) {
      this.sinkFailed(err);
    }
  }

  /**
   * The sink must not throw (RtpReceiver counts bad packets instead); if it does anyway, this session
   * ends with the reason rather than the exception reaching a socket's event handler and the process.
   */
  private sinkFailed(err: unknown): void {
    const detail = err instanceof Error ? err.message : String(err);
    this.ended(
      new ThinStreamError('RTP_INVALID', `${this.o.label}: the RTP receiver failed: ${detail}`, { cause: err }),
    );
  }

  /** §12.37: the session dies after `timeout` seconds without a request; refresh at a quarter of it. */
  private scheduleKeepalive(): void {
    const intervalMs = keepaliveIntervalMs(this.sessionTimeoutSec);
    this.keepaliveTimer = setInterval(() => void this.keepalive(), intervalMs);
  }

  private async keepalive(): Promise<void> {
    const conn = this.conn;
    if (conn === null || this.closing) return;
    const method = this.keepaliveMethod;
    try {
      await conn.request(method, method === 'OPTIONS' ? this.url.href : this.urls.aggregate);
    } catch (err) {
      if (this.closing) return;
      if (err instanceof RtspStatusError && err.code === 'RTSP_STATUS' && method === 'GET_PARAMETER') {
        this.quirk('get-parameter-refused', err.message);
        this.keepaliveMethod = 'OPTIONS';
        return;
      }
      this.ended(
        err instanceof ThinStreamError
          ? err
          : new ThinStreamError('RTSP_SESSION_LOST', `${this.o.label}: keepalive failed`, { cause: err }),
      );
    }
  }

  /** RFC 3550 §6.2: receiver reports every few seconds tell the camera we are alive and what we lost. */
  private scheduleReports(): void {
    const intervalMs = this.o.receiverReportIntervalMs ?? DEFAULT_RR_INTERVAL_MS;
    this.reportTimer = setInterval(() => this.sendReceiverReport(), intervalMs);
  }

  private sendReceiverReport(): void {
    if (this.closing) return;
    const report = this.sink.buildReceiverReport(this.ourSsrc, Date.now());
    if (report === null) return;
    if (this.transport === 'tcp') this.conn?.writeInterleaved(this.rtcpChannel, report);
    else this.route?.sendRtcp(report);
  }

  private requireConn(): RtspConnection {
    if (this.conn === null || this.conn.closed || this.aborted) {
      throw new ThinStreamError('RTSP_SESSION_LOST', `${this.o.label}: the connection to the camera closed`);
    }
    return this.conn;
  }

  private ended(error: ThinStreamError): void {
    if (this.closing || this.endedReported) return;
    this.endedReported = true;
    this.release();
    if (this.started) this.o.onEnded(error);
    else this.firstPacketAbort?.();
  }

  /** Stops an opening session at once: no TEARDOWN, the pending request fails, start() rejects. */
  abort(): void {
    this.aborted = true;
    this.conn?.close();
    this.firstPacketAbort?.();
  }

  /** Frees timers, the UDP route and the socket without a TEARDOWN. */
  private release(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    if (this.reportTimer) clearInterval(this.reportTimer);
    this.keepaliveTimer = this.reportTimer = null;
    this.route?.close();
    this.route = null;
    this.conn?.close();
    if (this.privatePair) this.pairClosed = this.privatePair.close();
    this.privatePair = null;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.firstPacketAbort?.();
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    if (this.reportTimer) clearInterval(this.reportTimer);
    const conn = this.conn;
    if (conn !== null && !conn.closed && conn.sessionId !== null) {
      try {
        await conn.request('TEARDOWN', this.urls.aggregate, [], Math.min(this.requestTimeoutMs, TEARDOWN_TIMEOUT_MS));
      } catch {
        // The camera may already be gone; closing the socket ends the session on its side too.
      }
    }
    this.release();
    await this.pairClosed;
  }
}
