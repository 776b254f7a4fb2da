/**
 * Every misbehaviour of the project's test camera (src-main/rtsp/server/quirks.ts), one at a time,
 * through `probe` over UDP and TCP on real sockets: the right frame count and picture size, nothing
 * lost, and the client's tolerance reported by name in `quirks` where the client can see it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { probe, type ProbeReport } from '../../src-main/cli/probe-command.js';
import { QUIRK_NAMES, startRtspServer, type QuirkName, type RtspServer } from '../../src-main/rtsp/server/index.js';
import { makeClip, type Clip } from '../support/clips.js';

/**
 * What the client reports for each camera quirk (any one of the names), or null where the client
 * handles it without noticing (the bytes are legal, only unusual) and the frame count is the proof.
 */
const TOLERANCE: Record<QuirkName, readonly string[] | null> = {
  'no-marker': ['marker-missing'],
  'marker-every-packet': ['marker-every-packet'],
  'annexb-in-payload': ['annexb-in-payload'],
  'fu-a-start-end': ['fu-a-start-and-end'],
  'fu-a-restart': ['fu-a-restart', 'fu-a-missing-end'],
  // With sprop-parameter-sets in the SDP the parameter sets are known before the first IDR: nothing to report.
  'sps-after-idr': null,
  'unknown-pt-mixed': ['unknown-payload-type'],
  'big-interleaved': null,
  'seq-restart': ['sequence-restart'],
  'ts-jump': ['timestamp-jump'],
  'clock-drift-500ppm': null,
  'no-sprop': ['sprop-missing'],
  'stale-sprop': ['sprop-parameter-sets-differ'],
  'extra-media': ['sdp-extra-media'],
  'no-content-base': ['content-base-missing'],
  'relative-control': ['content-base-no-trailing-slash'],
  'no-content-type': ['content-type-missing'],
  'bare-lf': null,
  'lowercase-headers': null,
  'ssrc-mismatch': ['ssrc-mismatch'],
  'no-ssrc-in-setup': null,
  'ssrc-hex-0x': ['ssrc-0x-prefix'],
  'ssrc-decimal': ['ssrc-decimal'],
  'rtpinfo-mismatch': ['rtp-info-mismatch'],
  'no-get-parameter': ['no-get-parameter'],
  'udp-461': ['udp-refused-461'],
  'rtp-before-play-response': ['rtp-before-play-response'],
  'early-session-close': null,
  'require-user-agent': null,
};

/** Tolerances that show only when UDP was tried first, and only on TCP (where the wire orders them). */
const UDP_ONLY: ReadonlySet<string> = new Set(['udp-refused-461']);
const TCP_ONLY: ReadonlySet<string> = new Set(['rtp-before-play-response']);

const SECONDS = 2;
/** The camera ends a session idle for a third of this: keepalives must come more often than that. */
const SESSION_TIMEOUT_MS = 6000;

describe('probe through every quirk of the test camera', () => {
  let clip: Clip;
  let camera: RtspServer;
  before(async () => {
    // A one-second clip, so that quirks acting when the clip loops (seq-restart, ts-jump) act during a probe.
    // Low bitrate: P slices fit in one packet (fu-a-start-end acts on those), IDR slices do not (fu-a-restart).
    clip = await makeClip({ width: 640, height: 360, fps: 25, gopFrames: 25, bitrateKbps: 300, seconds: 1 });
    camera = await startRtspServer({
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      mounts: QUIRK_NAMES.map((name) => ({ path: `/${name}`, source: clip.path, quirks: [name] })),
    });
  });
  after(() => camera.close());

  test('the table names every quirk the camera has', () => {
    assert.deepEqual(Object.keys(TOLERANCE).sort(), [...QUIRK_NAMES].sort());
  });

  for (const name of QUIRK_NAMES) {
    const title = `${name}: right frames and size over UDP and TCP${TOLERANCE[name] ? `, reports ${TOLERANCE[name]!.join('|')}` : ''}`;
    test(title, async () => {
      const run = (transport: 'udp' | 'tcp') =>
        probe({
          url: camera.url(`/${name}`),
          // A camera that refuses UDP is reached by auto, which is what a user would run.
          transport: name === 'udp-461' && transport === 'udp' ? 'auto' : transport,
          seconds: SECONDS,
          json: true,
          timeoutMs: 5000,
        });
      const results = await Promise.all([run('udp'), run('tcp')]);
      results.forEach((r: ProbeReport, i) => {
        const asked = i === 0 ? 'udp' : 'tcp';
        const where = `${name} over ${asked}: ${JSON.stringify(r)}`;
        assert.equal(r.width, clip.width, where);
        assert.equal(r.height, clip.height, where);
        assert.equal(r.transport, name === 'udp-461' ? 'tcp' : asked, where);
        // No frame missing: the frame rate measured from RTP timestamps is the clip's (one frame missing in
        // 50 would make it 24.5). The count over wall time gets room for a loaded machine: the camera runs in
        // this process, and its frame clock can lag when the CPU is shared.
        assert.ok(r.fps !== null && Math.abs(r.fps - clip.fps) < 0.3, where);
        assert.ok(r.frames >= clip.fps * SECONDS * 0.8 && r.frames <= clip.fps * SECONDS + 3, where);
        assert.ok(r.keyframes >= SECONDS, where);
        // seq-restart jumps the sequence by 1000 + a random 16-bit number: a jump under RFC 3550 A.1's
        // MAX_DROPOUT (3000) is by the RFC a burst of loss, not a restart, and is rightly counted so.
        if (name !== 'seq-restart') assert.equal(r.lostPackets, 0, where);
        const expected = TOLERANCE[name];
        const elsewhere = asked === 'tcp' ? UDP_ONLY : TCP_ONLY;
        if (expected && !expected.every((q) => elsewhere.has(q))) {
          assert.ok(
            expected.some((q) => r.quirks.includes(q)),
            `${where}: expected one of ${expected.join(', ')} in quirks`,
          );
        }
      });
    });
  }
});
