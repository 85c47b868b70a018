#!/bin/sh
# Fails if any C file of the project is not formatted with the checked-in
# .clang-format (fix with: clang-format -i FILE).
set -eu
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format not found"; exit 77; }
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  files=$(git ls-files '*.c' '*.h')
else
  files=$(find include core plugin examples tests fuzz -name '*.[ch]')
fi
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files
echo "1 passed, 0 failed"
