/**
 * One viewer WebSocket (src-shared/live-wire.ts): a JSON description, then one binary message per access unit.
 * A dropped socket reconnects by itself with exponential backoff until closed; the owner keeps showing the last
 * picture meanwhile and is told the state.
 */
import { readAccessUnitMessage } from '../../src-shared/live-wire.js';
import type { AccessUnitHeader, ServerTextMessage, StreamDescriptionMessage } from '../../src-shared/live-wire.js';
import type { ErrorInfo } from '../../src-shared/errors.js';

export type SocketState = 'connecting' | 'open' | 'reconnecting' | 'ended' | 'closed';

export interface StreamSocketHandlers {
  onDescription(description: StreamDescriptionMessage): void;
  onAccessUnit(header: AccessUnitHeader, annexB: Uint8Array): void;
  onState(state: SocketState, detail: string | null): void;
  /** The camera's own state as the server reports it (`live`, `reconnecting`, …). */
  onStreamState?(state: string, error: ErrorInfo | null): void;
  onSkipped?(droppedUnits: number): void;
}

export interface StreamSocketOptions {
  /** Reconnect after a drop (live). Playback sockets end instead. */
  reconnect: boolean;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

function parseText(data: string): ServerTextMessage | null {
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value === 'object' && value !== null && 'type' in value && typeof value.type === 'string') {
      return value as ServerTextMessage;
    }
  } catch {
    // Not JSON: ignored, the stream goes on.
  }
  return null;
}

export class StreamSocket {
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private closed = false;
  private url: string;
  private readonly handlers: StreamSocketHandlers;
  private readonly options: Required<StreamSocketOptions>;
  /** Bytes and units received since open (for the tile's bitrate and fps). */
  bytesIn = 0;
  unitsIn = 0;

  constructor(url: string, handlers: StreamSocketHandlers, options: StreamSocketOptions) {
    this.url = url;
    this.handlers = handlers;
    this.options = { reconnectMinMs: 500, reconnectMaxMs: 10_000, ...options };
    this.open('connecting');
  }

  /** Send a control message (playback: seek, pause, speed, step). Ignored while not connected. */
  send(message: object): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Replace the URL (playback: a new start time) and reconnect now. */
  reopen(url: string): void {
    if (this.closed) return;
    this.url = url;
    this.teardownSocket();
    this.attempt = 0;
    this.open('connecting');
  }

  private open(state: SocketState): void {
    this.handlers.onState(state, null);
    const ws = new WebSocket(this.url);
    ws.binaryType = 'arraybuffer';
    this.socket = ws;
    ws.onopen = () => {
      if (ws !== this.socket) return;
      this.attempt = 0;
      this.handlers.onState('open', null);
    };
    ws.onmessage = (event: MessageEvent<unknown>) => {
      if (ws !== this.socket) return;
      const data = event.data;
      if (data instanceof ArrayBuffer) {
        const unit = readAccessUnitMessage(new Uint8Array(data));
        if (unit === null) return;
        this.bytesIn += data.byteLength;
        this.unitsIn++;
        this.handlers.onAccessUnit(unit.header, unit.annexB);
      } else if (typeof data === 'string') {
        const message = parseText(data);
        if (message === null) return;
        switch (message.type) {
          case 'description':
            this.handlers.onDescription(message);
            break;
          case 'state':
            this.handlers.onStreamState?.(message.state, message.error);
            break;
          case 'skipped':
            this.handlers.onSkipped?.(message.droppedUnits);
            break;
          case 'end':
            this.handlers.onState('ended', message.reason);
            break;
          case 'error':
            this.handlers.onStreamState?.('failed', message.error);
            break;
        }
      }
    };
    ws.onclose = (event) => {
      if (ws !== this.socket || this.closed) return;
      this.socket = null;
      if (!this.options.reconnect) {
        this.handlers.onState('ended', event.reason || `connection closed (${event.code})`);
        return;
      }
      // Backoff doubles from min to max, with jitter so a grid of tiles does not reconnect in lockstep.
      const base = Math.min(this.options.reconnectMaxMs, this.options.reconnectMinMs * 2 ** this.attempt);
      const delayMs = Math.round(base * (0.75 + Math.random() * 0.5));
      this.attempt++;
      this.handlers.onState('reconnecting', event.reason || `connection lost (${event.code}); retrying`);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.closed) this.open('reconnecting');
      }, delayMs);
    };
  }

  private teardownSocket(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const ws = this.socket;
    this.socket = null;
    if (ws !== null) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close(1000, 'viewer closed');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.teardownSocket();
    this.handlers.onState('closed', null);
  }
}
