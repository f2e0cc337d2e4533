#!/usr/bin/env bash
# RTSP room cameras (media-server `ingest::rtsp`, test camera `rtsp-camera`): the GStreamer
# development files the gstreamer / gstreamer-app / gstreamer-rtsp-server crates link
# against, the RTSP client and H.264/H.265 depayloaders and parsers of the pull (rtspsrc in
# -good, h264parse/h265parse in -bad), and x264enc (-ugly) for the synthetic test camera.
# Idempotent; safe to re-run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
      gstreamer1.0-plugins-ugly gstreamer1.0-rtsp)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

for el in rtspsrc rtph264depay h264parse x264enc rtph264pay; do
  gst-inspect-1.0 "$el" >/dev/null 2>&1 || { echo "56-rtsp: GStreamer element $el missing after install" >&2; exit 1; }
done
