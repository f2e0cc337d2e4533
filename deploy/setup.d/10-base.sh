#!/usr/bin/env bash
# Build tools, the database servers and the browser the tests drive.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
need_apt build-essential pkg-config mold postgresql postgresql-client chromium fonts-noto-cjk ca-certificates
