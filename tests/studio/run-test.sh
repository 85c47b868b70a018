#!/usr/bin/env bash
# Runs one of the studio tests (Node) after checking what it needs; a
# missing piece is a failure with a message, never a silent skip.
#   run-test.sh SCRIPT.mjs BUILD_DIR SOURCE_DIR [ARGS...]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() { echo "FAIL: $*"; echo "0 passed, 1 failed"; exit 1; }
command -v node >/dev/null ||
  die "node is missing: run tools/install-deps.sh (Debian: apt-get install nodejs npm)"
"$here/npm-ci.sh" >&2 ||
  die "the npm packages (tests/studio/package-lock.json) are not installed: run tests/studio/npm-ci.sh"
script=$1
shift
exec node "$here/$script" "$@"
