/**
 * A bare RTSP client for testing our camera byte by byte: sends requests, keeps every byte it receives
 * (to check line endings and header case), the order of responses and interleaved frames, and the RTP
 * packets of UDP sessions. Built on the shared message code; no tolerance, no depacketizing.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { RtspHeaders, RtspStreamParser, serializeRequest, type RtspResponse } from '../../../src-main/rtsp/message.js';

export interface RtpPacketView {
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

/** Reads the 12-byte RTP fixed header (RFC 3550 §5.1); no CSRC or extension in our camera's packets. */
export function readRtp(packet: Uint8Array): RtpPacketView {
  if (packet.byteLength < 12 || packet[0]! >> 6 !== 2) throw new Error(`not RTP: ${packet.byteLength} bytes`);
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return {
    marker: (packet[1]! & 0x80) !== 0,
    payloadType: packet[1]! & 0x7f,
    seq: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: packet.subarray(12),
  };
}

export type WireEvent = { kind: 'response'; status: number } | { kind: 'interleaved'; channel: number };

export class RawRtspClient {
  /** Every byte received, as latin1 text. */
  raw = '';
  readonly events: WireEvent[] = [];
  readonly interleaved: Array<{ channel: number; data: Uint8Array }> = [];
  readonly socket: net.Socket;
  private readonly parser: RtspStreamParser;
  private readonly waiting: Array<(response: RtspResponse) => void> = [];
  private cseq = 0;
  private closedFlag = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.parser = new RtspStreamParser({
      onMessage: (message) => {
        if (message.kind !== 'response') return;
        this.events.push({ kind: 'response', status: message.status });
        this.waiting.shift()?.(message);
      },
      onInterleaved: (channel, data, start, end) => {
        this.events.push({ kind: 'interleaved', channel });
        this.interleaved.push({ channel, data: data.slice(start, end) });
      },
    });
    socket.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('latin1');
      this.parser.push(chunk);
    });
    socket.on('close', () => (this.closedFlag = true));
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawRtspClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => {
        socket.off('error', reject);
        resolve(new RawRtspClient(socket));
      });
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Sends a request (CSeq added) and resolves with its response; rejects after `timeoutMs`. */
  request(method: string, uri: string, headers: Record<string, string> = {}, timeoutMs = 5000): Promise<RtspResponse> {
    // A User-Agent unless the test says otherwise (`'User-Agent': ''` sends none).
    const entries = Object.entries(headers).filter(([name, value]) => !(name === 'User-Agent' && value === ''));
    const h = new RtspHeaders([['CSeq', String(++this.cseq)], ...entries]);
    if (!('User-Agent' in headers)) h.set('User-Agent', 'thinstream-test');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method} ${uri}: no response in ${timeoutMs} ms`)), timeoutMs);
      this.waiting.push((response) => {
        clearTimeout(timer);
        resolve(response);
      });
      this.socket.write(serializeRequest({ method, uri, headers: h, body: new Uint8Array(0) }));
    });
  }

  /** Sends bytes as they are (an interleaved RTCP frame from the client, garbage, …). */
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits until `count` interleaved frames on `channel` have arrived. */
  async waitForInterleaved(count: number, channel = 0, timeoutMs = 5000): Promise<RtpPacketView[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frames = this.interleaved.filter((f) => f.channel === channel);
      if (frames.length >= count)
        return frames.slice(0, count).map((f) => (channel % 2 === 0 ? readRtp(f.data) : rtcpView(f.data)));
      if (Date.now() > deadline)
        throw new Error(`only ${frames.length} of ${count} interleaved frames on channel ${channel}`);
      await sleep(10);
    }
  }

  /** Waits until the server closes the connection; false if it did not within `timeoutMs`. */
  async waitForClose(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag && Date.now() < deadline) await sleep(20);
    return this.closedFlag;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An RTCP packet shown through the same shape, for tests that only look at type and SSRC. */
function rtcpView(packet: Uint8Array): RtpPacketView {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  return {
    marker: false,
    payloadType: packet[1]!,
    seq: 0,
    timestamp: packet.byteLength >= 20 ? view.getUint32(16) : 0,
    ssrc: packet.byteLength >= 8 ? view.getUint32(4) : 0,
    payload: packet,
  };
}

/** A client's RTP/RTCP port pair for UDP sessions, collecting what arrives. */
export class UdpReceiver {
  readonly rtp: RtpPacketView[] = [];
  readonly rtcp: Array<{ from: number; data: Uint8Array }> = [];
  readonly rtpFromPorts = new Set<number>();
  private constructor(
    private readonly rtpSocket: dgram.Socket,
    private readonly rtcpSocket: dgram.Socket,
  ) {
    rtpSocket.on('message', (msg, info) => {
      this.rtpFromPorts.add(info.port);
      this.rtp.push(readRtp(new Uint8Array(msg)));
    });
    rtcpSocket.on('message', (msg, info) => this.rtcp.push({ from: info.port, data: new Uint8Array(msg) }));
  }

  static async open(): Promise<UdpReceiver> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const a = dgram.createSocket('udp4');
      const port = await new Promise<number>((resolve) => a.bind(0, '127.0.0.1', () => resolve(a.address().port)));
      if (port % 2 === 0) {
        const b = dgram.createSocket('udp4');
        const ok = await new Promise<boolean>((resolve) => {
          b.once('error', () => resolve(false));
          b.bind(port + 1, '127.0.0.1', () => resolve(true));
        });
        if (ok) return new UdpReceiver(a, b);
        b.close();
      }
      a.close();
    }
    throw new Error('no even/odd UDP port pair');
  }

  get ports(): [number, number] {
    return [this.rtpSocket.address().port, this.rtcpSocket.address().port];
  }

  async waitForRtp(count: number, timeoutMs = 5000): Promise<RtpPacketView[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.rtp.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${this.rtp.length} of ${count} RTP packets over UDP`);
      await sleep(10);
    }
    return this.rtp.slice(0, count);
  }

  close(): void {
    this.rtpSocket.close();
    this.rtcpSocket.close();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Plays a mount over TCP interleaved (channels 0-1) and returns the client and its session id. */
export async function playOverTcp(
  port: number,
  url: string,
  headers: Record<string, string> = {},
): Promise<{
  client: RawRtspClient;
  session: string;
  setup: RtspResponse;
  play: RtspResponse;
  describe: RtspResponse;
}> {
  const client = await RawRtspClient.connect(port);
  const describe = await client.request('DESCRIBE', url, { Accept: 'application/sdp', ...headers });
  if (describe.status !== 200) throw new Error(`DESCRIBE ${url}: ${describe.status}`);
  const setup = await client.request('SETUP', `${url}/trackID=0`, {
    Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1',
    ...headers,
  });
  if (setup.status !== 200) throw new Error(`SETUP ${url}: ${setup.status}`);
  const session = setup.headers.get('session')!.split(';')[0]!;
  const play = await client.request('PLAY', url, { Session: session, Range: 'npt=0.000-', ...headers });
  return { client, session, setup, play, describe };
}
