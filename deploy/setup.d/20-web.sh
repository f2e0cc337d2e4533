#!/usr/bin/env bash
# Web front end and browser tests: installs npm packages for web/ and tests/e2e/ and builds
# web/dist (served by `proctor serve` at /app/). Idempotent: each step is skipped when its
# output is newer than its inputs. Needs Node >= 20.19 (Vite 7) and Debian's chromium for
# the e2e tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DEBIAN_FRONTEND=noninteractive

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "20-web: node/npm missing; installing Debian's nodejs and npm" >&2
  apt-get install -y nodejs npm
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
  echo "20-web: Node $(node --version) is too old: Vite 7 needs Node >= 20.19" >&2
  exit 1
fi
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
