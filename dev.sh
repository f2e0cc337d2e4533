#!/usr/bin/env bash
# The platform's two set-up commands (see README):
#   ./dev.sh serve   install what is missing, build, and run the platform on 127.0.0.1:8080
#                    (PROFILE=release for an optimised build, as deployments use)
#   ./dev.sh test    install what is missing, build, and run every test
#   ./dev.sh setup   only install what is missing (apt, pip, npm, models)
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export PATH="$HOME/.cargo/bin:$PATH"

setup() {
  for s in deploy/setup.d/*.sh; do
    echo "== setup: $s"
    bash "$s"
  done
}

stamp() { echo "== $(date -u +%H:%M:%S) $*"; }

case "${1:-}" in
  setup)
    setup
    ;;
  serve)
    setup
    profile="${PROFILE:-dev}"
    cargo build --profile "$profile" -p proctor-api --bin proctor
    dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
    exec "${CARGO_TARGET_DIR:-target}/$dir/proctor" serve
    ;;
  test)
    t0=$(date +%s)
    setup
    stamp "setup done in $(( $(date +%s) - t0 )) s"
    cargo build --workspace --all-targets
    stamp "build done in $(( $(date +%s) - t0 )) s"
    cargo test --workspace --no-fail-fast
    stamp "rust tests done in $(( $(date +%s) - t0 )) s"
    bins="$(realpath "${CARGO_TARGET_DIR:-target}")/debug"
    # The workspace build made these; building them again per package would compile the
    # shared dependencies a second time with different features.
    export PROCTOR_BIN="$bins/proctor" SFU_DEV_BIN="$bins/sfu-dev" RTSP_CAMERA_BIN="$bins/rtsp-camera"
    node --test --test-concurrency=1 tests/e2e/
    stamp "all tests passed in $(( $(date +%s) - t0 )) s"
    ;;
  *)
    echo "usage: ./dev.sh serve | test | setup" >&2
    exit 2
    ;;
esac
