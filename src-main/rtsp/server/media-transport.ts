/**
 * How a camera session's RTP and RTCP leave the server: over a pair of UDP sockets connected to the
 * client's ports (RFC 2326 §12.39 client_port/server_port), or interleaved on the RTSP connection
 * (§10.12). Each packet is sent as a gathered write of a 12-byte header (16 on TCP, with the `$` prefix)
 * and the shared payload: no payload bytes are copied.
 *
 * Headers are written into slots of a ring allocated once per session. A slot is reused only after the
 * send that used it has completed: on TCP the ring counts slots in flight (released by a write callback
 * per frame); on UDP the ring is larger than the socket's bounded send queue. `hasRoom` says whether a
 * whole frame fits now; when it does not, the sender drops to the next keyframe (never buffers without bound).
 */
import dgram from 'node:dgram';
import type { Socket } from 'node:net';
import { interleavedHeader } from '../message.js';
import { RTP_HEADER_BYTES, writeRtpHeader } from '../../rtp/rtp-writer.js';

export interface MediaTransport {
  readonly kind: 'udp' | 'tcp';
  /** True when a frame of `packets` packets and `bytes` payload bytes can be sent now without queueing past the bound. */
  hasRoom(packets: number, bytes: number): boolean;
  beginFrame(): void;
  sendRtp(
    marker: boolean,
    payloadType: number,
    seq: number,
    timestamp: number,
    ssrc: number,
    payload: Uint8Array,
  ): void;
  endFrame(): void;
  sendRtcp(packet: Uint8Array): void;
  close(): void;
}

class HeaderRing {
  readonly size: number;
  private readonly views: Uint8Array[];
  private next = 0;

  constructor(slotBytes: number, minSlots: number) {
    let size = 256;
    while (size < minSlots) size *= 2;
    this.size = size;
    const slab = Buffer.allocUnsafeSlow(slotBytes * size);
    this.views = [];
    for (let i = 0; i < size; i++) this.views.push(slab.subarray(i * slotBytes, (i + 1) * slotBytes));
  }

  take(): Uint8Array {
    const view = this.views[this.next]!;
    this.next = (this.next + 1) & (this.size - 1);
    return view;
  }
}

/** Datagrams a UDP session may have queued in libuv before frames are dropped (loopback rarely queues any). */
const UDP_SEND_QUEUE_BOUND = 1024;

export interface UdpTransportOptions {
  family: 'udp4' | 'udp6';
  localAddress: string;
  remoteAddress: string;
  clientPorts: [number, number];
  /** The most packets one frame of the clip needs. */
  maxPacketsPerFrame: number;
  /** An RTCP packet from the client (a receiver report): the session is alive. */
  onRtcp(): void;
  /** The socket failed (e.g. ICMP port unreachable: the client is gone). */
  onError(err: Error): void;
}

export class UdpTransport implements MediaTransport {
  readonly kind = 'udp';
  readonly serverPorts: [number, number];
  private readonly rtp: dgram.Socket;
  private readonly rtcp: dgram.Socket;
  private readonly ring: HeaderRing;
  private readonly gather: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  private closed = false;

  private constructor(rtp: dgram.Socket, rtcp: dgram.Socket, options: UdpTransportOptions) {
    this.rtp = rtp;
    this.rtcp = rtcp;
    this.serverPorts = [rtp.address().port, rtcp.address().port];
    this.ring = new HeaderRing(RTP_HEADER_BYTES, UDP_SEND_QUEUE_BOUND + options.maxPacketsPerFrame + 64);
    const onError = (err: Error): void => {
      if (!this.closed) options.onError(err);
    };
    rtp.on('error', onError);
    rtcp.on('error', onError);
    rtp.on('message', () => {}); // NAT punch packets from clients such as ffmpeg: nothing to do
    rtcp.on('message', () => options.onRtcp());
  }

  /** Binds an even/odd port pair (RTP even, RTCP the next odd, RFC 3550 §11) and connects it to the client. */
  static async open(options: UdpTransportOptions): Promise<UdpTransport> {
    const [rtp, rtcp] = await bindPortPair(options.family, options.localAddress);
    try {
      await connectUdp(rtp, options.clientPorts[0], options.remoteAddress);
      await connectUdp(rtcp, options.clientPorts[1], options.remoteAddress);
    } catch (err) {
      rtp.close();
      rtcp.close();
      throw err;
    }
    return new UdpTransport(rtp, rtcp, options);
  }

  hasRoom(packets: number): boolean {
    return this.rtp.getSendQueueCount() + packets <= UDP_SEND_QUEUE_BOUND;
  }

  beginFrame(): void {}

  sendRtp(
    marker: boolean,
    payloadType: number,
    seq: number,
    timestamp: number,
    ssrc: number,
    payload: Uint8Array,
  ): void {
    const header = this.ring.take();
    writeRtpHeader(header, 0, marker, payloadType, seq, timestamp, ssrc);
    this.gather[0] = header;
    this.gather[1] = payload;
    // Node copies the list; the header slot stays untouched until the ring comes round (see HeaderRing).
    this.rtp.send(this.gather);
  }

  endFrame(): void {}

  sendRtcp(packet: Uint8Array): void {
    this.rtcp.send(packet);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rtp.close();
    this.rtcp.close();
  }
}

export async function bindPortPair(family: 'udp4' | 'udp6', address: string): Promise<[dgram.Socket, dgram.Socket]> {
  for (let attempt = 0; attempt < 64; attempt++) {
    const rtp = dgram.createSocket(family);
    const rtpPort = await bind(rtp, 0, address).catch(() => -1);
    if (rtpPort < 0 || rtpPort % 2 !== 0 || rtpPort === 65535) {
      rtp.close();
      continue;
    }
    const rtcp = dgram.createSocket(family);
    if ((await bind(rtcp, rtpPort + 1, address).catch(() => -1)) === rtpPort + 1) return [rtp, rtcp];
    rtp.close();
    rtcp.close();
  }
  throw new Error(`no free even/odd UDP port pair on ${address} after 64 attempts`);
}

function bind(socket: dgram.Socket, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.bind(port, address, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}

export function connectUdp(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.connect(port, address, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

const EMPTY = Buffer.alloc(0);
const INTERLEAVED_PREFIX_BYTES = 4;

export interface TcpTransportOptions {
  socket: Socket;
  channels: [number, number];
  maxPacketsPerFrame: number;
  maxFrameBytes: number;
  /** Bytes the connection may hold unsent before frames are dropped. Default: 4 frames of the largest size, at least 1 MiB. */
  bufferLimitBytes?: number;
}

export class TcpTransport implements MediaTransport {
  readonly kind = 'tcp';
  readonly channels: [number, number];
  private readonly socket: Socket;
  private readonly ring: HeaderRing;
  private readonly limitBytes: number;
  /** Header slots written but not yet flushed to the kernel, and the count per frame in a FIFO. */
  private slotsInFlight = 0;
  private readonly frameSlots: Uint32Array;
  private frameHead = 0;
  private frameTail = 0;
  private framePackets = 0;
  private readonly onFrameFlushed = (): void => {
    this.slotsInFlight -= this.frameSlots[this.frameHead]!;
    this.frameHead = (this.frameHead + 1) % this.frameSlots.length;
  };

  constructor(options: TcpTransportOptions) {
    this.socket = options.socket;
    this.channels = options.channels;
    this.limitBytes = options.bufferLimitBytes ?? Math.max(1 << 20, 4 * options.maxFrameBytes);
    this.ring = new HeaderRing(INTERLEAVED_PREFIX_BYTES + RTP_HEADER_BYTES, 8 * options.maxPacketsPerFrame + 1024);
    this.frameSlots = new Uint32Array(this.ring.size + 1);
  }

  hasRoom(packets: number, bytes: number): boolean {
    return (
      !this.socket.destroyed &&
      this.socket.writableLength + bytes <= this.limitBytes &&
      this.slotsInFlight + packets <= this.ring.size
    );
  }

  beginFrame(): void {
    this.framePackets = 0;
    this.socket.cork();
  }

  sendRtp(
    marker: boolean,
    payloadType: number,
    seq: number,
    timestamp: number,
    ssrc: number,
    payload: Uint8Array,
  ): void {
    const slot = this.ring.take();
    const length = RTP_HEADER_BYTES + payload.byteLength;
    slot[0] = 0x24; // '$', §10.12
    slot[1] = this.channels[0];
    slot[2] = length >>> 8;
    slot[3] = length & 0xff;
    writeRtpHeader(slot, INTERLEAVED_PREFIX_BYTES, marker, payloadType, seq, timestamp, ssrc);
    this.socket.write(slot);
    this.socket.write(payload);
    this.framePackets++;
  }

  endFrame(): void {
    this.slotsInFlight += this.framePackets;
    this.frameSlots[this.frameTail] = this.framePackets;
    this.frameTail = (this.frameTail + 1) % this.frameSlots.length;
    // The callback runs once everything before it has been handed to the kernel.
    this.socket.write(EMPTY, this.onFrameFlushed);
    this.socket.uncork();
  }

  sendRtcp(packet: Uint8Array): void {
    if (this.socket.destroyed) return;
    this.socket.cork();
    this.socket.write(interleavedHeader(this.channels[1], packet.byteLength));
    this.socket.write(packet);
    this.socket.uncork();
  }

  close(): void {
    // The connection belongs to the RTSP session's client; it is closed by the connection, not here.
  }
}
