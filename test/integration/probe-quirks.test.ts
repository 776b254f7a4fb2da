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
 * What the client reports for each camera quirk (any one of the names), or why it reports nothing: the
 * bytes are legal, only unusual, or the tolerance is one the client never has to use against this camera.
 * For those the right frame count and picture size are the proof.
 */
type Expected = { reports: readonly string[] } | { unseen: string };

const TOLERANCE: Record<QuirkName, Expected> = {
  'no-marker': { reports: ['marker-missing'] },
  'marker-every-packet': { reports: ['marker-every-packet'] },
  'annexb-in-payload': { reports: ['annexb-in-payload'] },
  'fu-a-start-end': { reports: ['fu-a-start-and-end'] },
  'fu-a-restart': { reports: ['fu-a-restart', 'fu-a-missing-end'] },
  'sps-after-idr': {
    unseen:
      'sprop-parameter-sets in the SDP give SPS and PPS before the first IDR; NAL order inside a picture is legal',
  },
  'unknown-pt-mixed': { reports: ['unknown-payload-type'] },
  'big-interleaved': { unseen: 'interleaved frames up to 64 KB are legal (RFC 2326 §10.12): read as any other' },
  'seq-restart': { reports: ['sequence-restart'] },
  'ts-jump': { reports: ['timestamp-jump'] },
  'clock-drift-500ppm': {
    unseen: '500 ppm is 1 ms in 2 s: inside RTP timing jitter; frames are timed by their own timestamps',
  },
  'no-sprop': { reports: ['sprop-missing'] },
  'stale-sprop': { reports: ['sprop-parameter-sets-differ'] },
  'extra-media': { reports: ['sdp-extra-media'] },
  'no-content-base': { reports: ['content-base-missing'] },
  'relative-control': { reports: ['content-base-no-trailing-slash'] },
  'no-content-type': { reports: ['content-type-missing'] },
  'bare-lf': { reports: ['line-endings-bare-lf'] },
  'lowercase-headers': { unseen: 'header names are case-insensitive (RFC 2326 §4.2, as HTTP): nothing to tolerate' },
  'ssrc-mismatch': { reports: ['ssrc-mismatch'] },
  'no-ssrc-in-setup': {
    unseen: "Transport's ssrc is optional (RFC 2326 §12.39); RTP-Info's ssrc or the wire gives it",
  },
  'ssrc-hex-0x': { reports: ['ssrc-0x-prefix'] },
  'ssrc-decimal': { reports: ['ssrc-decimal'] },
  'rtpinfo-mismatch': { reports: ['rtp-info-mismatch'] },
  'no-get-parameter': { reports: ['no-get-parameter'] },
  'udp-461': { reports: ['udp-refused-461'] },
  'rtp-before-play-response': { reports: ['rtp-before-play-response'] },
  'early-session-close': {
    unseen:
      'keepalives every quarter of the timeout come before the camera ends idle sessions at a third: the session never ends',
  },
  'require-user-agent': { unseen: 'ThinStream always sends User-Agent, so the camera never refuses it' },
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

  test('the table names every quirk the camera has; each the client cannot see says why', () => {
    assert.deepEqual(Object.keys(TOLERANCE).sort(), [...QUIRK_NAMES].sort());
    for (const [name, expected] of Object.entries(TOLERANCE)) {
      if ('unseen' in expected) assert.ok(expected.unseen.length > 20, `${name}: a reason`);
      else assert.ok(expected.reports.length > 0, `${name}: a tolerance name`);
    }
  });

  for (const name of QUIRK_NAMES) {
    const expected = TOLERANCE[name];
    const title = `${name}: right frames and size over UDP and TCP, ${'reports' in expected ? `reports ${expected.reports.join('|')}` : 'nothing to report'}`;
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
        const elsewhere = asked === 'tcp' ? UDP_ONLY : TCP_ONLY;
        if ('reports' in expected && !expected.reports.every((q) => elsewhere.has(q))) {
          assert.ok(
            expected.reports.some((q) => r.quirks.includes(q)),
            `${where}: expected one of ${expected.reports.join(', ')} in quirks`,
          );
        }
      });
    });
  }
});
