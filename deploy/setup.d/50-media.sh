#!/usr/bin/env bash
# media-server: Chromium + GStreamer for the browser e2e tests and the fake camera,
# coturn as the TURN relay for networks that block UDP. Idempotent; safe to re-run.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(chromium gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
      gstreamer1.0-plugins-bad gstreamer1.0-libav coturn
      janus) # janus: only the yardstick of the media-bench command, never run as a service
# Node.js itself comes with the machine (not from apt: Debian's nodejs conflicts with it).
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# coturn is started by the platform with deploy/coturn/turnserver.conf, not as a system
# service with Debian's default config.
if [ -f /etc/default/coturn ] && ! grep -q '^TURNSERVER_ENABLED=0' /etc/default/coturn; then
  echo 'TURNSERVER_ENABLED=0' >> /etc/default/coturn
fi

if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now janus >/dev/null 2>&1 || true
  systemctl disable --now coturn >/dev/null 2>&1 || true
fi

# Browser e2e dependencies (playwright-core drives the Debian Chromium; no browser download).
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
if [ -f "$repo/tests/e2e/package.json" ] && [ ! -d "$repo/tests/e2e/node_modules/playwright-core" ]; then
  (cd "$repo/tests/e2e" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi)
fi
