#!/usr/bin/env node
// Makes sure the programs the tests run against are here: GStreamer's RTSP server (the camera),
// ffmpeg/ffprobe (the cross-check), Chromium (the renderer), openssl, VLC, and mkfs for xfs and btrfs.
// As root on Debian it installs what is missing; otherwise it names the packages and fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const DEBIAN_PACKAGES = [
  'gstreamer1.0-rtsp',
  'gir1.2-gst-rtsp-server-1.0',
  'python3-gi',
  'gstreamer1.0-plugins-base',
  'gstreamer1.0-plugins-good',
  'gstreamer1.0-plugins-ugly',
  'gstreamer1.0-plugins-bad',
  'gstreamer1.0-x', // Debian 12 ships timeoverlay (the Pango plugin) here; the test camera stamps its frames with it
  'gstreamer1.0-tools',
  'ffmpeg',
  'chromium',
  'openssl',
  'vlc-bin',
  'vlc-plugin-base',
  'iproute2',
  'procps',
  'xfsprogs', // mkfs.xfs and mkfs.btrfs: direct-I/O recordings are tested on loop-mounted xfs and btrfs too
  'btrfs-progs',
];

const PY = '/usr/bin/python3';

function ok(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

function missing() {
  const lacks = [];
  const gst = `import gi
gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer
Gst.init(None)
for name in ('videotestsrc', 'timeoverlay', 'x264enc', 'rtph264pay', 'h264parse', 'rtph264depay'):
    assert Gst.ElementFactory.find(name), name`;
  if (!existsSync(PY) || !ok(PY, ['-c', gst]))
    lacks.push('GStreamer RTSP server with x264enc and timeoverlay (Python bindings)');
  if (!ok('ffmpeg', ['-version'])) lacks.push('ffmpeg');
  if (!ok('ffprobe', ['-version'])) lacks.push('ffprobe');
  if (!existsSync('/usr/bin/chromium')) lacks.push('chromium');
  if (!ok('openssl', ['version'])) lacks.push('openssl');
  if (!existsSync('/usr/bin/cvlc') && !existsSync('/usr/bin/vlc')) lacks.push('vlc');
  if (!ok('ip', ['-V'])) lacks.push('iproute2');
  if (!existsSync('/usr/sbin/mkfs.xfs') && !existsSync('/sbin/mkfs.xfs')) lacks.push('mkfs.xfs');
  if (!existsSync('/usr/sbin/mkfs.btrfs') && !existsSync('/sbin/mkfs.btrfs')) lacks.push('mkfs.btrfs');
  return lacks;
}

const before = missing();
if (before.length === 0) process.exit(0);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = existsSync('/etc/debian_version');
if (!isRoot || !isDebian) {
  console.error(`Tests need: ${before.join(', ')}.`);
  console.error(`Install them with: sudo apt-get install -y ${DEBIAN_PACKAGES.join(' ')}`);
  process.exit(1);
}

console.log(`Installing test peers from Debian (missing: ${before.join(', ')})…`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...DEBIAN_PACKAGES],
]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`apt-get ${args.join(' ')} failed with status ${r.status}`);
    process.exit(1);
  }
}
const after = missing();
if (after.length > 0) {
  console.error(`Still missing after install: ${after.join(', ')}`);
  process.exit(1);
}
