/**
 * One playing RTSP session (RFC 2326 §10): OPTIONS, DESCRIBE (with redirects and authentication),
 * SETUP of the H.264 track over UDP or TCP interleaved, PLAY; then keepalives before the session
 * timeout, RTCP receiver reports, and TEARDOWN on close. Packets go to an RtpPacketSink (the
 * RtpReceiver). `auto` tries UDP and falls back to TCP on 461 or when no packet arrives in time.
 *
 * A session does not reconnect: when it ends by itself it calls onEnded once, and the stream
 * supervisor decides what to do next.
 */
import { randomInt } from 'node:crypto';
import { ThinStreamError } from '../../src-shared/errors.js';
import type { TransportKind } from '../../src-shared/stream-status.js';
import { resolveControlUrls, type ControlUrls } from './control-url.js';
import type { RtspResponse } from './message.js';
import { RtspAuthenticator } from './rtsp-auth.js';
import { RtspConnection } from './rtsp-connection.js';
import { RtspStatusError } from './rtsp-error.js';
import { findRtpInfoFor, parseRtpInfoHeader } from './rtp-info-header.js';
import { parseRtspUrl, redactUrl, type RtspUrl } from './rtsp-url.js';
import { parseSdp, selectH264Track, type H264Track } from './sdp.js';
import { keepaliveIntervalMs, parseSessionHeader } from './session-header.js';
import { formatTransport, parseTransportHeader, type TransportSpec } from './transport-header.js';
import { UdpRtpPortPair, type UdpRoute } from './udp-rtp-port-pair.js';

/** What a session feeds: the RtpReceiver's surface (src-main/rtp/rtp-receiver.ts) that RTSP drives. */
export interface RtpPacketSink {
  pushRtp(packet: Uint8Array, arrivalMs: number): void;
  pushRtcp(packet: Uint8Array, arrivalMs: number): void;
  buildReceiverReport(ourSsrc: number, nowMs: number): Uint8Array | null;
  setExpectedSsrc(ssrc: number): void;
  setRtpInfo(info: { seq?: number; rtptime?: number }): void;
}

export interface RtspSessionOptions {
  url: string;
  /** From config; override the URL's own credentials. */
  user?: string;
  password?: string;
  /** `cam-door/1-high`, named in every error and log line. */
  label: string;
  transport: 'udp' | 'tcp' | 'auto';
  /** The shared server port pair; without one, UDP sessions open a private pair on ephemeral ports. */
  udpPorts?: UdpRtpPortPair;
  connectTimeoutMs: number;
  /** Per request; connectTimeoutMs when absent. */
  requestTimeoutMs?: number;
  /** `auto`: how long UDP may stay silent after PLAY before falling back to TCP. */
  udpFirstPacketTimeoutMs?: number;
  receiverReportIntervalMs?: number;
  maxRedirects?: number;
  userAgent?: string;
  tlsRejectUnauthorized?: boolean;
  /** Aborts an opening session at once (the supervisor closing): sockets closed, the promise rejects. */
  signal?: AbortSignal;
  /** Makes the packet sink once the track is known (payload type, clock rate, parameter sets). */
  createSink(track: H264Track, transport: TransportKind): RtpPacketSink;
  onQuirk(name: string, detail: string): void;
  /** The session stopped by itself (connection lost, keepalive refused); not called after close(). */
  onEnded(error: ThinStreamError): void;
  log?(line: string): void;
}

export interface RtspSession {
  readonly transport: TransportKind;
  readonly track: H264Track;
  readonly urls: ControlUrls;
  /** The DESCRIBE answer's SDP text, for camera reports. */
  readonly sdp: string;
  readonly sink: RtpPacketSink;
  /** Arrival time of the newest RTP packet (ms since the epoch), 0 before the first. */
  readonly lastPacketMs: number;
  readonly rtpPackets: number;
  readonly sessionTimeoutSec: number | undefined;
  /** Sends TEARDOWN (bounded by the request timeout, at most 2 s) and closes every socket and timer. */
  close(): Promise<void>;
}

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

/** Opens a playing session, trying UDP then TCP for `auto`. */
export async function openRtspSession(options: RtspSessionOptions): Promise<RtspSession> {
  const url = parseRtspUrl(options.url);
  if (options.transport === 'udp') {
    try {
      return await playOnce(options, url, 'udp');
    } catch (err) {
      if (err instanceof ThinStreamError && err.code === 'RTSP_TRANSPORT_UNSUPPORTED') {
        throw new ThinStreamError(err.code, `${err.message}; the camera may take TCP (transport tcp or auto)`, {
          cause: err,
        });
      }
      throw err;
    }
  }
  if (options.transport === 'tcp') return playOnce(options, url, 'tcp');
  try {
    return await playOnce(options, url, 'udp');
  } catch (err) {
    if (!(err instanceof ThinStreamError)) throw err;
    if (err.code === 'RTSP_TRANSPORT_UNSUPPORTED') {
      options.onQuirk('udp-refused-461', 'the camera refused UDP (461); using TCP');
    } else if (err.code === 'RTP_NO_DATA') {
      options.onQuirk('udp-no-data', err.message);
    } else {
      throw err;
    }
    if (options.signal?.aborted) throw err;
    return playOnce(options, url, 'tcp');
  }
}

async function playOnce(options: RtspSessionOptions, startUrl: RtspUrl, want: TransportKind): Promise<RtspSession> {
  const signal = options.signal;
  const aborted = () =>
    new ThinStreamError('RTSP_SESSION_LOST', `${options.label}: connection attempt abandoned (the stream is closing)`);
  if (signal?.aborted) throw aborted();
  const session = new PlayingSession(options, startUrl);
  const onAbort = () => session.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await session.start(want);
    if (signal?.aborted) throw aborted();
    return session;
  } catch (err) {
    await session.close();
    throw signal?.aborted ? aborted() : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

class PlayingSession implements RtspSession {
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
    const conn = await RtspConnection.open({
      url: this.url,
      label: this.o.label,
      connectTimeoutMs: this.o.connectTimeoutMs,
      requestTimeoutMs: this.requestTimeoutMs,
      authenticator: this.auth,
      ...(this.o.userAgent === undefined ? {} : { userAgent: this.o.userAgent }),
      ...(this.o.tlsRejectUnauthorized === undefined ? {} : { tlsRejectUnauthorized: this.o.tlsRejectUnauthorized }),
      onInterleaved: (channel, payload) => this.onInterleaved(channel, payload),
      onClosed: (error) => this.ended(error),
      onQuirk: (name, detail) => this.quirk(name, detail),
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
    const publicMethods = (response.headers.get('public') ?? '').toUpperCase();
    if (/\bGET_PARAMETER\b/.test(publicMethods)) {
      this.keepaliveMethod = 'GET_PARAMETER';
    } else {
      this.keepaliveMethod = 'OPTIONS';
      this.quirk('no-get-parameter', `Public: ${publicMethods || '(absent)'}; keepalive with OPTIONS`);
    }
    return null;
  }

  private readDescription(response: RtspResponse): void {
    const contentType = response.headers.get('content-type');
    if (contentType === undefined) this.quirk('content-type-missing', 'DESCRIBE answer without Content-Type');
    else if (!/application\/sdp/i.test(contentType)) this.quirk('content-type-wrong', `Content-Type: ${contentType}`);
    this.sdp = new TextDecoder().decode(response.body);
    if (this.sdp.trim() === '') {
      throw new ThinStreamError('SDP_INVALID', `${this.o.label}: the camera's DESCRIBE answer has no SDP body`);
    }
    let sdp;
    try {
      sdp = parseSdp(this.sdp);
    } catch (err) {
      if (err instanceof ThinStreamError) {
        throw new ThinStreamError(err.code, `${this.o.label}: ${err.message}`, { cause: err });
      }
      throw err;
    }
    this.track = selectH264Track(sdp, this.o.label);
    for (const q of this.track.quirks) this.quirk(q, `payload type ${this.track.payloadType}`);
    if (this.track.ignoredMedia.length > 0) {
      this.quirk('sdp-extra-media', `ignored ${this.track.ignoredMedia.join(', ')}`);
    }
    if (this.track.spropParameterSets === undefined) {
      this.quirk('sprop-missing', 'no sprop-parameter-sets in SDP; waiting for in-band SPS/PPS');
    }
    this.urls = resolveControlUrls({
      requestUrl: this.url.href,
      contentBase: response.headers.get('content-base'),
      contentLocation: response.headers.get('content-location'),
      sessionControl: sdp.control,
      mediaControl: this.track.control,
    });
    for (const q of this.urls.quirks) this.quirk(q, `track URL ${redactUrl(this.urls.track)}`);
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
    const sessionText = response.headers.get('session');
    const session = sessionText === undefined ? null : parseSessionHeader(sessionText);
    if (session === null) {
      this.quirk('session-missing', `SETUP answer Session: ${sessionText ?? '(absent)'}`);
    } else {
      conn.sessionId = session.id;
      this.sessionTimeoutSec = session.timeoutSec;
    }
    const transportText = response.headers.get('transport');
    const spec: TransportSpec | undefined =
      transportText === undefined ? undefined : parseTransportHeader(transportText)[0];
    if (spec === undefined) this.quirk('transport-missing', 'SETUP answer without Transport; assuming the offer');
    const gotTcp = spec ? spec.lowerTransport === 'TCP' || spec.interleaved !== undefined : want === 'tcp';
    this.transport = gotTcp ? 'tcp' : 'udp';
    if (this.transport !== want)
      this.quirk('transport-changed', `asked for ${want}, the camera chose ${this.transport}`);
    this.sink = this.o.createSink(this.track, this.transport);
    if (spec?.ssrc !== undefined) {
      if (spec.ssrcFormat === 'decimal') this.quirk('ssrc-decimal', `ssrc=${transportText}`);
      if (spec.ssrcFormat === '0x') this.quirk('ssrc-0x-prefix', `Transport: ${transportText}`);
      this.sink.setExpectedSsrc(spec.ssrc);
    }
    if (this.transport === 'tcp') {
      const channels = spec?.interleaved;
      if (channels) [this.rtpChannel, this.rtcpChannel] = channels;
      else this.quirk('interleaved-missing', 'SETUP answer names no interleaved channels; assuming 0-1');
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
      onRtp: (packet, arrivalMs) => this.onRtp(packet, arrivalMs),
      onRtcp: (packet, arrivalMs) => this.onRtcp(packet, arrivalMs),
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
    const rtpInfo = response.headers.get('rtp-info');
    if (rtpInfo === undefined) return;
    const entries = parseRtpInfoHeader(rtpInfo);
    const entry = findRtpInfoFor(entries, this.urls.track);
    if (entry === undefined) {
      this.quirk('rtp-info-unmatched', `RTP-Info names no URL like ${redactUrl(this.urls.track)}`);
      return;
    }
    const info: { seq?: number; rtptime?: number } = {};
    if (entry.seq !== undefined) info.seq = entry.seq;
    if (entry.rtptime !== undefined) info.rtptime = entry.rtptime;
    this.sink.setRtpInfo(info);
    if (entry.ssrc !== undefined) {
      this.sink.setExpectedSsrc(entry.ssrc);
      this.route?.setSsrc(entry.ssrc);
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

  private onInterleaved(channel: number, payload: Uint8Array): void {
    const arrivalMs = Date.now();
    if (this.playPending) this.quirk('rtp-before-play-response', `interleaved channel ${channel}`);
    if (!this.setupDone || this.transport !== 'tcp') {
      this.quirk('interleaved-unexpected', `channel ${channel}, ${payload.byteLength} bytes outside a TCP session`);
      return;
    }
    if (channel === this.rtpChannel) this.onRtp(payload, arrivalMs);
    else if (channel === this.rtcpChannel) this.onRtcp(payload, arrivalMs);
    else
      this.quirk(
        'unexpected-interleaved-channel',
        `channel ${channel} (expected ${this.rtpChannel}-${this.rtcpChannel})`,
      );
  }

  private onRtp(packet: Uint8Array, arrivalMs: number): void {
    if (this.closing) return;
    this.rtpPackets++;
    this.lastPacketMs = arrivalMs;
    this.sink.pushRtp(packet, arrivalMs);
    this.firstPacketWaiter?.();
  }

  private onRtcp(packet: Uint8Array, arrivalMs: number): void {
    if (this.closing) return;
    this.sink.pushRtcp(packet, arrivalMs);
  }

  /** §12.37: the session dies after `timeout` seconds without a request; refresh at half of it. */
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
