#!/bin/sh
# Remakes assets/demo/demo.h264, the clip the demo camera serves (issue 6): ffmpeg's testsrc2 pattern
# with the running time burnt in, 640x360, 25 fps, one keyframe per second, 10 s, H.264 Main profile,
# no B-frames, about 300 KB. Needs ffmpeg with libx264 and drawtext (libfreetype) and the DejaVu fonts.
set -e
cd "$(dirname "$0")/.."
out=assets/demo/demo.h264
font=/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf
ffmpeg -hide_banner -loglevel error -nostdin -y \
  -f lavfi -i "testsrc2=size=640x360:rate=25,drawtext=fontfile=$font:text='ThinStream demo %{pts\:hms}':fontsize=28:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=6:x=16:y=h-th-20" \
  -frames:v 250 \
  -c:v libx264 -preset slow -profile:v main -level 3.0 -pix_fmt yuv420p \
  -b:v 240k -maxrate 320k -bufsize 480k \
  -g 25 -keyint_min 25 -sc_threshold 0 -bf 0 \
  -x264-params aud=1 \
  -f h264 "$out"
echo "$out: $(wc -c < "$out") bytes"
