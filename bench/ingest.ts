/**
 * `npm run bench:ingest [-- --passes 20] [--profile] [--json]`
 *
 * The RTP → access-unit path alone (issue 2, issue 7's hot path): a 1080p 4 Mbit/s GOP-2s clip made with
 * ffmpeg (cached, the camera farm's clip), packetized once by ffmpeg's own RTP muxer to a UDP socket on
 * loopback, then pushed through RtpReceiver again and again. Prints packets per second and CPU
 * microseconds per frame (process.cpuUsage), per variant: the RTP header parser alone, the receiver on
 * TCP settings (no reordering queue), on UDP settings (queue of 16) in order, and with 2% of packets
 * swapped. Allocation per frame is measured in a child with a young generation large enough that no
 * collection runs during a pass (heap growth = bytes allocated). `--profile` prints the CPU profile's top
 * functions for the UDP variant.
 */
import { spawnSync } from 'node:child_process';
import { cpus, tmpdir, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RtpPacketView, parseRtpPacket } from '../src-main/rtp/rtp-packet.js';
import { RtpReceiver } from '../src-main/rtp/rtp-receiver.js';
import { makeClip } from '../test/support/clips.js';
import { FARM_CLIP } from '../test/support/camera-farm.js';
import { captureFfmpegRtp } from '../test/rtp/support/ffmpeg-rtp.js';
import { cpuProfileTop } from './ingest-profile.js';
import { ffmpegUdpIngest, remuxToMp4, thinstreamUdpIngest, type UdpIngestResult } from './ingest-vs-ffmpeg.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const { values } = parseArgs({
  options: {
    passes: { type: 'string', default: '20' },
    profile: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    udp: { type: 'boolean', default: true },
    'udp-loops': { type: 'string', default: '4' },
    'alloc-child': { type: 'string' },
  },
});

interface Stream {
  clipPath: string;
  sdp: string;
  packets: Buffer[];
  sprop: string | undefined;
  payloadType: number;
  frames: number;
  bytes: number;
  seconds: number;
}

interface Variant {
  name: string;
  reorderQueueSize: number | null;
  /** Packets swapped with their successor, per thousand. */
  swapPerMille: number;
}

const VARIANTS: Variant[] = [
  { name: 'RTP header parse only', reorderQueueSize: null, swapPerMille: 0 },
  { name: 'RtpReceiver, TCP (queue 0)', reorderQueueSize: 0, swapPerMille: 0 },
  { name: 'RtpReceiver, UDP (queue 16)', reorderQueueSize: 16, swapPerMille: 0 },
  { name: 'RtpReceiver, UDP, 2% swapped', reorderQueueSize: 16, swapPerMille: 20 },
];

async function packetizedClip(): Promise<Stream> {
  const clip = await makeClip(FARM_CLIP);
  // ffmpeg reads the raw clip at 4x real time: fast, and well within what loopback UDP carries without loss.
  for (const readrate of [4, 1]) {
    const c = await captureFfmpegRtp(clip.path, { readrate, packetBytes: 1400 });
    const seqs = c.rtp.map((p) => p.data.readUInt16BE(2));
    const gaps = seqs.filter((s, i) => i > 0 && s !== ((seqs[i - 1]! + 1) & 0xffff)).length;
    if (gaps === 0) {
      const packets = c.rtp.map((p) => p.data);
      return {
        clipPath: clip.path,
        sdp: c.sdp,
        packets,
        sprop: c.spropParameterSets,
        payloadType: c.payloadType,
        frames: clip.frames,
        bytes: packets.reduce((a, p) => a + p.byteLength, 0),
        seconds: clip.seconds,
      };
    }
  }
  throw new Error('ffmpeg RTP capture lost packets on loopback at every read rate tried');
}

function order(stream: Stream, swapPerMille: number): Buffer[] {
  const out = stream.packets.slice();
  if (swapPerMille === 0) return out;
  // Deterministic: every (1000 / swapPerMille)-th packet trades places with the next.
  const every = Math.round(1000 / swapPerMille);
  for (let i = 3; i + 1 < out.length; i += every) [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
  return out;
}

/**
 * The path under test for one variant: one receiver for every pass, as one camera's long-lived stream.
 * Between passes the packets' sequence numbers and timestamps move on by a clip's worth, so the receiver
 * sees one continuous stream (steady state, not the first seconds of a stream).
 */
class Runner {
  frames = 0;
  private readonly receiver: RtpReceiver | null;
  private readonly view = new RtpPacketView();
  private nowMs = 1_000_000;

  constructor(
    private readonly stream: Stream,
    private readonly packets: Buffer[],
    v: Variant,
  ) {
    this.receiver =
      v.reorderQueueSize === null
        ? null
        : new RtpReceiver({
            streamLabel: 'bench/1',
            clockRate: 90000,
            payloadType: stream.payloadType,
            reorderQueueSize: v.reorderQueueSize,
            spropParameterSets: stream.sprop,
            onAccessUnit: () => {
              this.frames++;
            },
            onFormat: () => {},
          });
  }

  pass(): void {
    const r = this.receiver;
    if (r === null) {
      let sum = 0;
      for (const p of this.packets) sum += parseRtpPacket(p, this.view).payloadLength;
      if (sum > 0) this.frames += this.stream.frames;
      return;
    }
    const stepMs = (this.stream.seconds * 1000) / this.packets.length;
    for (const p of this.packets) r.pushRtp(p, (this.nowMs += stepMs));
  }

  /** Moves every packet on by one clip: sequence numbers by the packet count, timestamps by its duration. */
  advance(): void {
    const seqStep = this.stream.packets.length;
    const tsStep = this.stream.seconds * 90000;
    for (const p of this.stream.packets) {
      p.writeUInt16BE((p.readUInt16BE(2) + seqStep) & 0xffff, 2);
      p.writeUInt32BE((p.readUInt32BE(4) + tsStep) % 4294967296, 4);
    }
  }

  flush(): void {
    this.receiver?.flush();
  }
}

interface Row {
  variant: string;
  passes: number;
  framesPerPass: number;
  packetsPerSecond: number;
  cpuUsPerFrame: number;
  cpuNsPerPacket: number;
  camerasPerCore: number;
  allocBytesPerFrame: number | null;
  allocBytesPerPacket: number | null;
}

function measure(stream: Stream, v: Variant, passes: number): Row {
  const runner = new Runner(stream, order(stream, v.swapPerMille), v);
  for (let i = 0; i < 3; i++) {
    runner.pass(); // warm up the JIT
    runner.advance();
  }
  let cpuUs = 0;
  for (let i = 0; i < passes; i++) {
    const before = process.cpuUsage();
    runner.pass();
    const cpu = process.cpuUsage(before);
    cpuUs += cpu.user + cpu.system;
    runner.advance();
  }
  runner.flush();
  const expected = (passes + 3) * stream.frames;
  if (runner.frames !== expected) throw new Error(`${v.name}: ${runner.frames} frames out of ${expected}`);
  const totalPackets = passes * stream.packets.length;
  const totalFrames = passes * stream.frames;
  return {
    variant: v.name,
    passes,
    framesPerPass: stream.frames,
    packetsPerSecond: Math.round(totalPackets / (cpuUs / 1e6)),
    cpuUsPerFrame: round(cpuUs / totalFrames, 2),
    cpuNsPerPacket: Math.round((cpuUs * 1000) / totalPackets),
    // Video seconds handled per CPU second: how many such cameras one core keeps up with on this path.
    camerasPerCore: Math.round((passes * stream.seconds) / (cpuUs / 1e6)),
    allocBytesPerFrame: null,
    allocBytesPerPacket: null,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/**
 * In the child: bytes of JS heap allocated per pass of each variant, with a young generation large enough
 * that no collection runs during the measured passes (heap growth = bytes allocated). ArrayBuffers (the FU-A
 * slabs) live outside the JS heap and are not counted here.
 */
function allocChild(stream: Stream): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const out: Record<string, { bytes: number }> = {};
  const passes = 4;
  for (const v of VARIANTS) {
    const runner = new Runner(stream, order(stream, v.swapPerMille), v);
    for (let i = 0; i < 3; i++) {
      runner.pass();
      runner.advance();
    }
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < passes; i++) {
      runner.pass();
      runner.advance();
    }
    out[v.name] = { bytes: (process.memoryUsage().heapUsed - before) / passes };
  }
  process.stdout.write(JSON.stringify(out));
}

async function main(): Promise<void> {
  const stream = await packetizedClip();
  if (values['alloc-child'] !== undefined) {
    allocChild(stream);
    return;
  }
  const passes = Number(values.passes);
  const rows = VARIANTS.map((v) => measure(stream, v, passes));

  // Allocation: a child process with a 1 GB young generation, so a pass runs without a collection.
  const child = spawnSync(
    process.execPath,
    ['--max-semi-space-size=512', '--min-semi-space-size=512', process.argv[1]!, '--alloc-child', '1'],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  if (child.status === 0) {
    const alloc = JSON.parse(child.stdout) as Record<string, { bytes: number }>;
    for (const row of rows) {
      const a = alloc[row.variant];
      if (!a) continue;
      row.allocBytesPerFrame = Math.round(a.bytes / stream.frames);
      row.allocBytesPerPacket = Math.round(a.bytes / stream.packets.length);
    }
  } else {
    process.stderr.write(`allocation child failed: ${child.stderr}\n`);
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpus().length} CPUs (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;
  const clipText = `clip: ${FARM_CLIP.width}x${FARM_CLIP.height} ${FARM_CLIP.fps} fps, ${FARM_CLIP.bitrateKbps} kbit/s, GOP ${FARM_CLIP.gopFrames}, ${stream.seconds} s = ${stream.frames} frames, ${stream.packets.length} RTP packets (${Math.round(stream.bytes / stream.packets.length)} B avg), ffmpeg RTP muxer`;
  // The same stream over real UDP sockets: ours and ffmpeg's receiving process, each alone.
  let udp: UdpIngestResult[] = [];
  if (values.udp) {
    const dir = mkdtempSync(join(tmpdir(), 'thinstream-ingest-'));
    try {
      const o = {
        clipPath: await remuxToMp4(stream.clipPath, dir),
        framesPerLoop: stream.frames,
        loops: Number(values['udp-loops']),
        readrate: 4,
        sdp: stream.sdp,
      };
      udp = [await thinstreamUdpIngest(o), await thinstreamUdpIngest(o, true), await ffmpegUdpIngest(o)];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ machine, clip: clipText, rows, udp }, null, 2)}\n`);
  } else {
    console.log(`bench:ingest — ${machine}`);
    console.log(clipText);
    console.log(`${passes} passes per variant after 3 warm-up passes; CPU = process.cpuUsage (user + system)\n`);
    const header = [
      'variant',
      'packets/s',
      'CPU µs/frame',
      'CPU ns/packet',
      'cameras/core',
      'alloc B/frame',
      'alloc B/packet',
    ];
    const lines = rows.map((r) => [
      r.variant,
      r.packetsPerSecond.toLocaleString('en-US'),
      r.cpuUsPerFrame.toFixed(2),
      String(r.cpuNsPerPacket),
      r.camerasPerCore.toLocaleString('en-US'),
      r.allocBytesPerFrame === null ? '-' : r.allocBytesPerFrame.toLocaleString('en-US'),
      r.allocBytesPerPacket === null ? '-' : String(r.allocBytesPerPacket),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    const fmt = (cells: string[]): string =>
      cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    console.log(fmt(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const l of lines) console.log(fmt(l));
    if (udp.length === 3) {
      const [ours, , theirs] = udp as [UdpIngestResult, UdpIngestResult, UdpIngestResult];
      console.log(
        `\nOver UDP on loopback, the clip ${values['udp-loops']} times at 4x real time from ffmpeg's RTP muxer; CPU of the receiving process:`,
      );
      for (const r of udp) {
        console.log(
          `${r.receiver.padEnd(27)}  frames ${String(r.framesReceived).padStart(5)}/${r.framesSent}  CPU ${r.cpuMs.toFixed(0).padStart(5)} ms  ${r.cpuUsPerFrame.toFixed(1).padStart(7)} µs/frame`,
        );
      }
      console.log(`ThinStream / ffmpeg CPU: ${(ours.cpuMs / theirs.cpuMs).toFixed(2)}`);
    }
  }

  if (values.profile) {
    const v = VARIANTS[2]!;
    const runner = new Runner(stream, order(stream, 0), v);
    const top = await cpuProfileTop(() => {
      for (let i = 0; i < passes; i++) {
        runner.pass();
        runner.advance();
      }
    }, 12);
    console.log(`\nCPU profile of "${v.name}", ${passes} passes: top functions by self time`);
    for (const t of top) console.log(`${t.percent.toFixed(1).padStart(5)}%  ${t.name}  ${t.where}`);
  }
}

await main();
