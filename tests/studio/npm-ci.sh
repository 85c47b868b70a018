#!/usr/bin/env bash
# Installs the studio tests' npm packages (tests/studio/package-lock.json)
# into tests/studio/node_modules with `npm ci`, unless they are there for
# this lock file already. playwright-core never downloads a browser: the
# tests drive Debian's /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")"
# one npm ci at a time (tests may start together)
exec 9>.npm-ci.lock
flock 9
stamp=node_modules/.sg3-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
command -v npm >/dev/null || { echo "npm-ci.sh: npm is missing: run tools/install-deps.sh" >&2; exit 1; }
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
