/**
 * ffmpeg's own RTP muxer as a real sender: `ffmpeg -readrate N -i clip -c copy -f rtp rtp://127.0.0.1:P`
 * to UDP sockets on loopback that this helper binds (ephemeral ports), with the SDP ffmpeg writes.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './ffmpeg.js';

export interface CapturedPacket {
  data: Buffer;
  arrivalMs: number;
}

export interface FfmpegRtpCapture {
  sdp: string;
  /** a=fmtp sprop-parameter-sets, when ffmpeg wrote one. */
  spropParameterSets: string | undefined;
  payloadType: number;
  rtp: CapturedPacket[];
  rtcp: CapturedPacket[];
}

export interface FfmpegRtpOptions {
  /** Input speed relative to real time (1 = real time, like `-re`). */
  readrate?: number;
  /** RTP payload size limit (ffmpeg's pkt_size, default 1200). */
  packetBytes?: number;
  /** Convert to Annex B, so SPS/PPS go in-band before each keyframe (`h264_mp4toannexb`). */
  inBandParameterSets?: boolean;
  /** Called for each RTP/RTCP packet as it arrives (a live consumer). */
  onRtp?(data: Buffer, arrivalMs: number): void;
  onRtcp?(data: Buffer, arrivalMs: number): void;
  timeoutMs?: number;
}

function bind(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}

/** Sends `input` (an MP4 or Annex B file) through ffmpeg's RTP muxer to loopback and collects every packet. */
export async function captureFfmpegRtp(input: string, o: FfmpegRtpOptions = {}): Promise<FfmpegRtpCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'thinstream-rtp-'));
  const rtpSocket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const rtcpSocket = createSocket('udp4');
  const rtp: CapturedPacket[] = [];
  const rtcp: CapturedPacket[] = [];
  try {
    const rtpPort = await bind(rtpSocket);
    const rtcpPort = await bind(rtcpSocket);
    rtpSocket.on('message', (data) => {
      const arrivalMs = Date.now();
      rtp.push({ data, arrivalMs });
      o.onRtp?.(data, arrivalMs);
    });
    rtcpSocket.on('message', (data) => {
      const arrivalMs = Date.now();
      rtcp.push({ data, arrivalMs });
      o.onRtcp?.(data, arrivalMs);
    });
    const sdpPath = join(dir, 'stream.sdp');
    const args = ['-hide_banner', '-loglevel', 'error', '-readrate', String(o.readrate ?? 1), '-i', input];
    args.push('-map', '0:v:0', '-c:v', 'copy');
    if (o.inBandParameterSets) args.push('-bsf:v', 'h264_mp4toannexb');
    args.push('-f', 'rtp', '-sdp_file', sdpPath);
    args.push(`rtp://127.0.0.1:${rtpPort}?rtcpport=${rtcpPort}&pkt_size=${o.packetBytes ?? 1200}`);
    await run('ffmpeg', args, o.timeoutMs ?? 120_000);
    // Let the last datagrams in flight land.
    await new Promise((r) => setTimeout(r, 100));
    const sdp = readFileSync(sdpPath, 'utf8');
    const sprop = /sprop-parameter-sets=([^;\s]+)/.exec(sdp)?.[1];
    const pt = Number(/^m=video \d+ RTP\/AVP (\d+)/m.exec(sdp)?.[1] ?? 96);
    return { sdp, spropParameterSets: sprop, payloadType: pt, rtp, rtcp };
  } finally {
    rtpSocket.close();
    rtcpSocket.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
