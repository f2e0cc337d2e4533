#!/usr/bin/env bash
# Recording: gst-discoverer-1.0 (the recording tests check segment durations with it).
# The GStreamer libraries and plugins come from 50-media.sh. Idempotent; safe to re-run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(gstreamer1.0-plugins-base-apps)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
