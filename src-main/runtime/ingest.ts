/**
 * Camera ingest for the runtime: the one shared UDP RTP/RTCP port pair (the original's `rtsp.rtp.server.ports`
 * and `rtcp.port`), a StreamSupervisor per stream version on it, and the config editor's "Test connection"
 * (the same probe as `thinstream probe`). A pair that cannot be bound (a port in use) is logged and every
 * camera uses TCP interleaved instead: one bad setting does not stop the recorder. Every stream's NAL units live
 * in slabs from one shared pool, reused once the GOP cache and the recorder are done with them (slab-pool.ts).
 */
import type { ProbeRequest, ProbeResult } from '../../src-shared/api.js';
import type { ResolvedConfig, ResolvedStreamVersion } from '../../src-shared/config/resolved-config.js';
import { ThinStreamError, toErrorInfo } from '../../src-shared/errors.js';
import { SlabPool } from '../codec/h264/slab-pool.js';
import type { CameraReport } from '../../src-shared/camera-report.js';
import { probe, probeWithReport, type ProbeOptions } from '../cli/probe-command.js';
import { redactUrl } from '../rtsp/rtsp-url.js';
import { UdpRtpPortPair } from '../rtsp/udp-rtp-port-pair.js';
import { StreamSupervisor } from '../streams/stream-supervisor.js';
import type { StreamSource } from './stream-set.js';

const USER_AGENT = 'ThinStream';

export class RuntimeIngest {
  /** Shared by every stream. */
  readonly slabPool = new SlabPool();

  private constructor(
    private readonly udp: UdpRtpPortPair | null,
    private readonly log: (line: string) => void,
  ) {}

  static async start(
    config: ResolvedConfig,
    override: { rtpPort: number; rtcpPort: number } | null,
    log: (line: string) => void,
  ): Promise<RuntimeIngest> {
    if (!config.rtp.rtspEnabled || !config.rtp.udpEnabled) return new RuntimeIngest(null, log);
    const rtpPort = override?.rtpPort ?? config.rtp.ports[0] ?? 0;
    const rtcpPort = override?.rtcpPort ?? config.rtp.rtcpPort ?? 0;
    try {
      const udp = await UdpRtpPortPair.open({ rtpPort, rtcpPort });
      log(`ingest: RTP on UDP ${udp.rtpPort}, RTCP on ${udp.rtcpPort}`);
      return new RuntimeIngest(udp, log);
    } catch (err) {
      log(`ingest: cannot use UDP ports ${rtpPort}/${rtcpPort} (${toErrorInfo(err).message}); cameras will use TCP`);
      return new RuntimeIngest(null, log);
    }
  }

  supervisor(version: ResolvedStreamVersion): StreamSource {
    return new StreamSupervisor({
      streamId: version.streamId,
      url: version.url,
      ...(version.user === undefined ? {} : { user: version.user }),
      ...(version.password === undefined ? {} : { password: version.password }),
      transport: this.udp === null ? 'tcp' : version.transport,
      ...(this.udp === null ? {} : { udpPorts: this.udp }),
      assumeConnDroppedAfterMs: version.assumeConnDroppedAfterMs,
      connectTimeoutMs: version.connectTimeoutMs,
      reorderQueueSize: version.reorderQueueSize,
      userAgent: USER_AGENT,
      log: this.log,
      slabPool: this.slabPool,
    });
  }

  /** "Test connection": the stored password of `deviceUid` is used when the request has none. */
  async probe(request: ProbeRequest, config: ResolvedConfig): Promise<ProbeResult> {
    const r = await probe(probeOptions(request, config));
    return {
      codec: r.codec,
      profile: r.profile ?? '',
      width: r.width ?? 0,
      height: r.height ?? 0,
      fps: r.fps,
      frames: r.frames,
      keyframes: r.keyframes,
      bitrateKbps: r.bitrateKbps,
      lostPackets: r.lostPackets,
      transport: r.transport,
      firstFrameMs: r.firstFrameMs ?? 0,
      quirks: r.quirks,
    };
  }

  /** "Download camera report": the same probe, recorded and redacted; a failing camera's report carries the error. */
  async probeReport(request: ProbeRequest, config: ResolvedConfig): Promise<CameraReport> {
    const { report } = await probeWithReport(probeOptions(request, config));
    this.log(`ingest: camera report for ${redactUrl(request.url)}: ${report.error ? report.error.code : 'ok'}`);
    return report;
  }

  close(): Promise<void> {
    this.udp?.close();
    return Promise.resolve();
  }
}

/** The probe's options for a request from the config editor; the stored password of `deviceUid` when none is sent. */
function probeOptions(request: ProbeRequest, config: ResolvedConfig): ProbeOptions {
  let user = request.user;
  let password = request.password;
  if (password === undefined && request.deviceUid !== undefined) {
    const stored = config.streams.find((v) => v.deviceUid === request.deviceUid);
    if (stored === undefined) {
      throw new ThinStreamError('STREAM_NOT_FOUND', `There is no camera ${JSON.stringify(request.deviceUid)}.`);
    }
    password = stored.password;
    user ??= stored.user;
  }
  return {
    url: request.url,
    transport: request.transport ?? 'auto',
    seconds: request.seconds ?? 3,
    json: true,
    timeoutMs: 5000,
    ...(user === undefined ? {} : { user }),
    ...(password === undefined ? {} : { password }),
  };
}
