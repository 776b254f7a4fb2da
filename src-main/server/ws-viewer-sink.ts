/**
 * A WebSocket as a hub ViewerSink: frames go out as binary messages, text as text messages; queued bytes
 * are what ws and the socket hold unsent. A unit's message is written straight to the connection's socket
 * as one pooled buffer, WebSocket header included (ws-frame-pool.ts): `ws` would write header and payload as
 * two buffers, which a TLS socket joins into a new one. That keeps the order of everything on the socket,
 * because `ws` writes synchronously when it compresses nothing (`perMessageDeflate: false`, http-app.ts) and
 * is given no Blobs, and it keeps `bufferedAmount` true, which counts the socket's queue. Also a liveness check: a viewer that answers no ping within the
 * idle time is ended (a vanished phone must not hold a slot for ever).
 */
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { HubUnit, ViewerSink } from '../streams/hub.js';

/** WebSocket close codes (RFC 6455 §7.4.1). */
export const WS_CLOSE_NORMAL = 1000;
export const WS_CLOSE_GOING_AWAY = 1001;
export const WS_CLOSE_POLICY = 1008;
export const WS_CLOSE_ERROR = 1011;
export const WS_CLOSE_TRY_AGAIN = 1013;

export class WsViewerSink implements ViewerSink {
  /** It sends the unit's wire frame, a copy, and keeps nothing of the unit. */
  readonly leaseAware = true;
  private pingTimer: NodeJS.Timeout | null = null;
  private alive = true;

  constructor(
    private readonly socket: WebSocket,
    /** The connection `socket` speaks over (the upgraded request's socket). */
    private readonly raw: Duplex,
  ) {}

  pendingBytes(): number {
    return this.socket.bufferedAmount;
  }

  sendUnit(unit: HubUnit): number {
    if (this.socket.readyState !== this.socket.OPEN) return 0;
    const frame = unit.socketFrame();
    frame.retain();
    this.raw.write(frame.message, frame.written);
    return frame.payloadBytes;
  }

  sendText(text: string): void {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text, { binary: false });
  }

  close(reason: string): void {
    this.stopLiveness();
    if (this.socket.readyState === this.socket.OPEN) {
      this.socket.close(reason === 'send queue stuck' ? WS_CLOSE_POLICY : WS_CLOSE_GOING_AWAY, reason.slice(0, 120));
      // A stuck peer may never answer the close: end the socket if it has not closed in a while.
      const timer = setTimeout(() => this.socket.terminate(), 5000);
      timer.unref();
      this.socket.once('close', () => clearTimeout(timer));
    }
  }

  /** Pings every `idleMs / 2`; a viewer that did not answer the previous ping is terminated. */
  startLiveness(idleMs: number): void {
    if (idleMs <= 0) return;
    this.socket.on('pong', () => {
      this.alive = true;
    });
    this.pingTimer = setInterval(
      () => {
        if (!this.alive) {
          this.socket.terminate();
          return;
        }
        this.alive = false;
        this.socket.ping();
      },
      Math.max(1000, idleMs / 2),
    );
    this.pingTimer.unref();
    this.socket.once('close', () => this.stopLiveness());
  }

  private stopLiveness(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }
}
