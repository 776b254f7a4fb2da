#!/bin/sh
# Renders assets/icons/icon.svg (drawn by hand) to the PNG sizes electron-builder and the tray use, with ffmpeg's
# librsvg decoder: png/<n>x<n>.png (Linux), icon.png (1024, macOS), icon.ico (256, Windows).
set -eu
cd "$(dirname "$0")/../assets/icons"
mkdir -p png
for s in 16 24 32 48 64 128 256 512; do
  ffmpeg -v error -y -width "$s" -height "$s" -i icon.svg -frames:v 1 "png/${s}x${s}.png"
done
ffmpeg -v error -y -width 1024 -height 1024 -i icon.svg -frames:v 1 icon.png
ffmpeg -v error -y -i png/256x256.png icon.ico
