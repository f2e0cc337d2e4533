#!/usr/bin/env bash
# Recording export: x264enc (gstreamer1.0-plugins-ugly) encodes VP8 recordings to H.264 and
# avenc_aac (gstreamer1.0-libav) Opus to AAC for the MP4 export; remuxing needs neither.
# 50-media.sh installs the rest of GStreamer. Idempotent; safe to re-run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-plugins-good gstreamer1.0-plugins-base-apps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
