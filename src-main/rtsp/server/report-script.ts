/**
 * What a replayed camera report (report-replay.ts) says and sends, worked out from the report before any
 * client connects. Pure: a CameraReport in, per-connection scripts out, and the rewriting of a recorded
 * response for the request that asks for it (CSeq, the camera's address → ours, UDP ports).
 *
 * Each control connection of the report is one script: the requests ThinStream sent with the camera's
 * answers, in order (an authentication round — 401 then the same request again — is left out: the replay
 * asks for no password; a final 401 is kept, so a refused login replays as one), and the camera's timeline
 * after its PLAY answer: RTP and RTCP packets, requests the camera sent, and the camera closing the
 * connection, each at its recorded time after the PLAY answer (negative: before it).
 */
import type {
  CameraReport,
  ReportConnectionEvent,
  ReportMessage,
  ReportPacket,
} from '../../../src-shared/camera-report.js';

export interface ScriptExchange {
  /** The request method ThinStream sent (`SETUP`). */
  method: string;
  /** The camera's answer, or null when it never answered. */
  response: ReportMessage | null;
  /** Status of the answer (0 when none). */
  status: number;
}

export type TimelineEvent =
  | { t: number; kind: 'packet'; packet: ReportPacket }
  | { t: number; kind: 'request'; message: ReportMessage }
  | { t: number; kind: 'close'; detail: string };

export interface ConnectionScript {
  conn: number;
  exchanges: ScriptExchange[];
  /** Index in `exchanges` of the PLAY whose answer starts the timeline, or -1. */
  playIndex: number;
  /** Events relative to the PLAY answer (ms), in order. */
  timeline: TimelineEvent[];
  /**
   * The camera closed the connection before any PLAY answer: after answering this many exchanges, the
   * next request closes the connection unanswered. Null when it did not.
   */
  closeAfterExchanges: number | null;
}

export function buildReplayScripts(report: CameraReport): ConnectionScript[] {
  const conns = new Set<number>();
  for (const e of report.dialogue) conns.add(e.conn);
  for (const p of report.packets) conns.add(p.conn);
  return [...conns].sort((a, b) => a - b).map((conn) => scriptOf(report, conn));
}

function scriptOf(report: CameraReport, conn: number): ConnectionScript {
  const exchanges: Array<ScriptExchange & { answeredAt: number }> = [];
  const serverRequests: ReportMessage[] = [];
  let cameraClose: ReportConnectionEvent | null = null;
  for (const e of report.dialogue) {
    if (e.conn !== conn) continue;
    if (e.kind === 'close') {
      if (e.by === 'camera') cameraClose ??= e;
      continue;
    }
    if (e.kind !== 'message') continue;
    const isRequest = !e.line.startsWith('RTSP/');
    if (e.dir === 'sent' && isRequest) {
      exchanges.push({ method: e.line.split(' ')[0] ?? '', response: null, status: 0, answeredAt: Infinity });
    } else if (e.dir === 'received' && !isRequest) {
      // ThinStream sends one request at a time: an answer belongs to the latest unanswered one.
      const open = exchanges.findLast((x) => x.response === null);
      if (open !== undefined) {
        open.response = e;
        open.status = statusOf(e.line);
        open.answeredAt = e.t;
      }
    } else if (e.dir === 'received' && isRequest) {
      serverRequests.push(e);
    }
  }
  // 401 followed by the same method again: the authentication round, not replayed.
  const kept = exchanges.filter(
    (x, i) => !(x.status === 401 && exchanges.slice(i + 1).some((later) => later.method === x.method)),
  );
  const playIndex = kept.findIndex((x) => x.method === 'PLAY' && x.status >= 200 && x.status < 300);
  const playAt = playIndex === -1 ? null : kept[playIndex]!.answeredAt;
  const timeline: TimelineEvent[] = [];
  let closeAfterExchanges: number | null = null;
  if (playAt !== null) {
    for (const p of report.packets) if (p.conn === conn) timeline.push({ t: p.t - playAt, kind: 'packet', packet: p });
    for (const m of serverRequests) timeline.push({ t: m.t - playAt, kind: 'request', message: m });
    if (cameraClose !== null) timeline.push({ t: cameraClose.t - playAt, kind: 'close', detail: cameraClose.detail });
    timeline.sort((a, b) => a.t - b.t);
  } else if (cameraClose !== null) {
    const closeAt = cameraClose.t;
    closeAfterExchanges = kept.filter((x) => x.answeredAt <= closeAt).length;
  }
  return {
    conn,
    exchanges: kept.map(({ method, response, status }) => ({ method, response, status })),
    playIndex,
    timeline,
    closeAfterExchanges,
  };
}

function statusOf(line: string): number {
  const m = /^RTSP\/\d\.\d\s+(\d{3})/.exec(line);
  return m ? Number(m[1]) : 0;
}

/** Where the replay runs and who asks: what a recorded answer is rewritten for. */
export interface ReplayContext {
  /** The recorded camera's host (from the report's URL), matched in any URL of an answer. */
  cameraHost: string;
  /** `rtsp://127.0.0.1:8554`: the replay's origin. */
  origin: string;
  /** The request's CSeq, in place of the recorded one; undefined keeps the recorded (a request the camera sends). */
  cseq: string | undefined;
  /** SETUP over UDP: the client's ports and ours, and the addresses. */
  udp?: { clientPorts: [number, number]; serverPorts: [number, number]; serverAddress: string; clientAddress: string };
}

/** A recorded answer as bytes for this request: CSeq, URLs, UDP ports and Content-Length rewritten; LF kept. */
export function rewriteResponse(m: ReportMessage, ctx: ReplayContext): Uint8Array {
  const body = rewriteUrls(m.body, ctx);
  const bodyBytes = new TextEncoder().encode(body);
  const eol = m.bareLf === true ? '\n' : '\r\n';
  let head = m.line + eol;
  for (const [name, value] of m.headers) {
    const key = name.toLowerCase();
    let v: string;
    if (key === 'cseq') {
      v = ctx.cseq ?? value;
    } else if (key === 'content-length') {
      v = String(bodyBytes.byteLength);
    } else if (key === 'location') {
      v = value.replace(/^rtsps?:\/\/[^/?#]*/i, ctx.origin);
    } else if (key === 'transport' && ctx.udp !== undefined) {
      v = rewriteUdpTransport(rewriteUrls(value, ctx), ctx.udp);
    } else {
      v = rewriteUrls(value, ctx);
    }
    head += `${name}: ${v}${eol}`;
  }
  head += eol;
  const headBytes = new TextEncoder().encode(head);
  const out = new Uint8Array(headBytes.byteLength + bodyBytes.byteLength);
  out.set(headBytes, 0);
  out.set(bodyBytes, headBytes.byteLength);
  return out;
}

/** `rtsp://<camera host>[:port]` → the replay's origin, wherever it appears (Content-Base, SDP, RTP-Info). */
export function rewriteUrls(text: string, ctx: Pick<ReplayContext, 'cameraHost' | 'origin'>): string {
  const host = ctx.cameraHost.includes(':') ? `\\[${escapeRegExp(ctx.cameraHost)}\\]` : escapeRegExp(ctx.cameraHost);
  return text.replace(new RegExp(`rtsps?://${host}(?::\\d+)?(?=[/?#;,"\\s]|$)`, 'gi'), ctx.origin);
}

/** §12.39: the client's ports for client_port, ours for server_port, our address as source. */
function rewriteUdpTransport(value: string, udp: NonNullable<ReplayContext['udp']>): string {
  return value
    .replace(/client_port=\d+(?:-\d+)?/i, `client_port=${udp.clientPorts[0]}-${udp.clientPorts[1]}`)
    .replace(/server_port=\d+(?:-\d+)?/i, `server_port=${udp.serverPorts[0]}-${udp.serverPorts[1]}`)
    .replace(/source=[^;,]*/i, `source=${udp.serverAddress}`)
    .replace(/destination=[^;,]*/i, `destination=${udp.clientAddress}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
