#!/usr/bin/env bash
# Registration and admission tickets: the CJK font the ticket PDF embeds (Noto Sans CJK SC),
# and poppler's pdftotext/pdffonts, with which the tests read the tickets back.
set -euo pipefail
. "$(dirname "$0")/../lib/apt.sh"
need_apt fonts-noto-cjk poppler-utils
