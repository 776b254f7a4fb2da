/**
 * ThinStream's own RTSP camera: serves H.264 clips in a loop at real time over UDP and TCP interleaved,
 * with Basic or Digest auth and switchable camera quirks. One server is the demo camera (issue 6), the
 * benchmark farm (issue 7, many mounts in one process) and the quirky test camera (issue 9).
 *
 *   const camera = await startRtspServer({ port: 0, mounts: [{ path: '/stream', source: 'clip.h264' }] });
 *   camera.url('/stream')  // rtsp://127.0.0.1:40123/stream
 *   await camera.close();
 */
import net from 'node:net';
import { ThinStreamError } from '../../../src-shared/errors.js';
import { ClipSource } from './clip-source.js';
import { FrameTicker } from './frame-ticker.js';
import { normalizeMountPath, type ResolvedMount } from './mount.js';
import { checkQuirkConflicts, parseQuirks, type QuirkName } from './quirks.js';
import { RtspConnection, type ServerContext } from './rtsp-connection.js';
import type { RtspSession, SessionEndReason } from './rtsp-session.js';
import { CameraAuthenticator, type CameraCredentials } from './server-auth.js';
import type { SenderCounters } from './video-sender.js';

export interface RtspServerMountOptions {
  /** `/stream`, `/cam1`… */
  path: string;
  /** A clip, or the path of an Annex-B `.h264` file (mounts naming the same file share one clip). */
  source: ClipSource | string;
  auth?: CameraCredentials;
  /** Quirk names for this mount, added to the server's. */
  quirks?: Iterable<string>;
}

export interface RtspServerOptions {
  /** Default 127.0.0.1 (loopback). */
  host?: string;
  /** Default 0: the OS picks a free port. */
  port?: number;
  mounts: RtspServerMountOptions[];
  /** Quirk names for every mount. */
  quirks?: Iterable<string>;
  /** Advertised session timeout; a session idle this long is ended. Default 60 s. */
  sessionTimeoutMs?: number;
  /** Largest RTP payload (UDP and TCP). Default 1400. */
  maxPayloadBytes?: number;
  /** Default 5 s. */
  senderReportIntervalMs?: number;
  /** Bytes a TCP client may leave unread before its frames are dropped to the next keyframe. */
  tcpBufferLimitBytes?: number;
  log?: (line: string) => void;
}

export interface RtspServerStats extends SenderCounters {
  connections: number;
  sessions: number;
  playing: number;
  sessionsOpened: number;
  sessionsTimedOut: number;
}

export interface RtspServer {
  readonly host: string;
  readonly port: number;
  /** `rtsp://host:port/path`, with `user:password@` when given. */
  url(path?: string, credentials?: { user: string; password: string }): string;
  stats(): RtspServerStats;
  /** Ends every session, closes every connection and socket, stops every timer. */
  close(): Promise<void>;
}

export async function startRtspServer(options: RtspServerOptions): Promise<RtspServer> {
  const serverQuirks = parseQuirks(options.quirks);
  checkQuirkConflicts(serverQuirks);
  if (options.mounts.length === 0) throw new ThinStreamError('BAD_REQUEST', 'the camera needs at least one mount');
  const clips = new Map<string, Promise<ClipSource>>();
  const mounts: ResolvedMount[] = [];
  for (const m of options.mounts) {
    const quirks = new Set<QuirkName>([...serverQuirks, ...parseQuirks(m.quirks)]);
    checkQuirkConflicts(quirks);
    let source: ClipSource;
    if (typeof m.source === 'string') {
      let loading = clips.get(m.source);
      if (!loading) clips.set(m.source, (loading = ClipSource.fromFile(m.source)));
      source = await loading;
    } else {
      source = m.source;
    }
    const path = normalizeMountPath(m.path);
    if (mounts.some((other) => other.path === path))
      throw new ThinStreamError('BAD_REQUEST', `mount ${path} is given twice`);
    mounts.push({ path, source, auth: m.auth ? new CameraAuthenticator(m.auth) : null, quirks });
  }
  const server = new CameraServer(options, mounts, serverQuirks);
  await server.listen(options.port ?? 0);
  return server;
}

class CameraServer implements RtspServer, ServerContext {
  readonly host: string;
  port = 0;
  readonly mounts: readonly ResolvedMount[];
  readonly serverQuirks: ReadonlySet<QuirkName>;
  readonly sessionTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly senderReportIntervalMs: number;
  readonly tcpBufferLimitBytes: number | undefined;
  readonly counters: SenderCounters = { packetsSent: 0, bytesSent: 0, framesSent: 0, framesDropped: 0 };
  private readonly net = net.createServer();
  private readonly connections = new Map<number, RtspConnection>();
  private readonly sessions = new Map<string, RtspSession>();
  private readonly tickers = new Map<number, FrameTicker>();
  private readonly logLine: (line: string) => void;
  private sweepTimer: NodeJS.Timeout | null = null;
  private nextConnectionId = 1;
  private sessionsOpened = 0;
  private sessionsTimedOut = 0;
  private closing: Promise<void> | null = null;

  constructor(options: RtspServerOptions, mounts: ResolvedMount[], serverQuirks: ReadonlySet<QuirkName>) {
    this.host = options.host ?? '127.0.0.1';
    this.mounts = mounts;
    this.serverQuirks = serverQuirks;
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 60_000;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 1400;
    this.senderReportIntervalMs = options.senderReportIntervalMs ?? 5000;
    this.tcpBufferLimitBytes = options.tcpBufferLimitBytes;
    this.logLine = options.log ?? (() => {});
    this.net.on('connection', (socket) => {
      const id = this.nextConnectionId++;
      const connection = new RtspConnection(id, socket, this);
      this.connections.set(id, connection);
      socket.once('close', () => this.connections.delete(id));
    });
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.net.once('error', reject);
      this.net.listen(port, this.host, () => {
        this.net.off('error', reject);
        this.net.on('error', (err) => this.log(`listening socket: ${err.message}`));
        const address = this.net.address();
        this.port = typeof address === 'object' && address ? address.port : port;
        const sweepMs = Math.max(100, Math.min(1000, Math.floor(this.sessionTimeoutMs / 6)));
        this.sweepTimer = setInterval(() => this.sweep(), sweepMs);
        resolve();
      });
    });
  }

  url(path = '/', credentials?: { user: string; password: string }): string {
    const host = this.host === '0.0.0.0' ? '127.0.0.1' : this.host === '::' ? '::1' : this.host;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    const auth = credentials
      ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`
      : '';
    return `rtsp://${auth}${hostPart}:${this.port}${normalizeMountPath(path)}`;
  }

  stats(): RtspServerStats {
    let playing = 0;
    for (const session of this.sessions.values()) if (session.playing) playing++;
    return {
      ...this.counters,
      connections: this.connections.size,
      sessions: this.sessions.size,
      playing,
      sessionsOpened: this.sessionsOpened,
      sessionsTimedOut: this.sessionsTimedOut,
    };
  }

  log(line: string): void {
    this.logLine(line);
  }

  findSession(id: string): RtspSession | undefined {
    return this.sessions.get(id);
  }

  addSession(session: RtspSession): void {
    this.sessions.set(session.id, session);
    this.sessionsOpened++;
  }

  endSession(session: RtspSession, reason: SessionEndReason, detail?: string): void {
    if (session.ended) return;
    session.end();
    this.sessions.delete(session.id);
    if (reason === 'timeout') this.sessionsTimedOut++;
    if (reason !== 'server-closed') {
      this.log(`session ${session.id} on ${session.mount.path} ended: ${reason}${detail ? ` (${detail})` : ''}`);
    }
    const ticker = this.tickers.get(session.mount.source.fps);
    if (ticker && ticker.size === 0) this.tickers.delete(ticker.fps);
  }

  tickerFor(fps: number): FrameTicker {
    let ticker = this.tickers.get(fps);
    if (!ticker) this.tickers.set(fps, (ticker = new FrameTicker(fps)));
    return ticker;
  }

  private sweep(): void {
    const now = Date.now();
    for (const session of [...this.sessions.values()]) {
      if (now - session.lastActivityMs <= session.idleLimitMs) continue;
      const idleS = ((now - session.lastActivityMs) / 1000).toFixed(1);
      this.endSession(session, 'timeout', `no keepalive for ${idleS} s`);
      // A camera that times a session out drops its interleaved connection with it.
      const tcp = [...session.tracks.values()].some((t) => t.transport.kind === 'tcp');
      if (tcp) this.connections.get(session.connectionId)?.destroy();
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.sweepTimer) clearInterval(this.sweepTimer);
      for (const session of [...this.sessions.values()]) this.endSession(session, 'server-closed');
      for (const ticker of this.tickers.values()) ticker.stop();
      this.tickers.clear();
      this.net.close(() => resolve());
      for (const connection of this.connections.values()) connection.destroy();
    });
    return this.closing;
  }
}
