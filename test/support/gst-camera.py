#!/usr/bin/python3
"""A real IP camera for tests: GStreamer's RTSP server with a live x264 test pattern.

Run with Debian's /usr/bin/python3 (it has the gi bindings). Prints `READY <port>` when listening.
  --port N            0 picks a free port (printed)
  --path /stream      mount point
  --width --height --fps --bitrate-kbps --gop
  --auth none|basic|digest   --user --password
  --protocols udp,tcp
  --pattern smpte|ball|...   videotestsrc pattern
"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=0)
ap.add_argument("--path", default="/stream")
ap.add_argument("--width", type=int, default=1280)
ap.add_argument("--height", type=int, default=720)
ap.add_argument("--fps", type=int, default=25)
ap.add_argument("--bitrate-kbps", type=int, default=1000)
ap.add_argument("--gop", type=int, default=25)
ap.add_argument("--auth", choices=["none", "basic", "digest"], default="none")
ap.add_argument("--user", default="admin")
ap.add_argument("--password", default="secret")
ap.add_argument("--protocols", default="udp,tcp")
ap.add_argument("--pattern", default="smpte")
args = ap.parse_args()

Gst.init(None)
server = GstRtspServer.RTSPServer()
server.set_service(str(args.port))

factory = GstRtspServer.RTSPMediaFactory()
launch = (
    f"( videotestsrc is-live=true pattern={args.pattern} "
    f"! video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1 "
    f"! timeoverlay "
    f"! x264enc tune=zerolatency speed-preset=ultrafast bitrate={args.bitrate_kbps} key-int-max={args.gop} "
    f"! video/x-h264,profile=high "
    f"! rtph264pay name=pay0 pt=96 config-interval=-1 )"
)
factory.set_launch(launch)
factory.set_shared(True)
protocols = GstRtsp.RTSPLowerTrans(0)
for p in args.protocols.split(","):
    p = p.strip()
    if p == "udp":
        protocols |= GstRtsp.RTSPLowerTrans.UDP
    elif p == "tcp":
        protocols |= GstRtsp.RTSPLowerTrans.TCP
factory.set_protocols(protocols)

if args.auth != "none":
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
    if args.auth == "basic":
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
    else:
        auth.add_digest(args.user, args.password, token)
        auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role("user")
    permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    permissions.add_permission_for_role("user", GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
    factory.set_permissions(permissions)

server.get_mount_points().add_factory(args.path, factory)
if server.attach(None) == 0:
    print("FAILED to attach", flush=True)
    sys.exit(1)
print(f"READY {server.get_bound_port()}", flush=True)
GLib.MainLoop().run()
