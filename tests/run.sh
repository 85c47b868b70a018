#!/usr/bin/env bash
# Builds gst-sg3 and runs the whole test suite. On a fresh Debian 12 /
# Ubuntu machine it first installs what is missing (apt-get).
#
#   ./tests/run.sh            install deps, build, meson test, sanitizer runs
#   SG3_QUICK=1 ./tests/run.sh   only the main build and meson test
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh
# The browser test's npm packages (playwright-core, ws), from the lock file.
tests/studio/npm-ci.sh

step() { printf '\n=== %s\n' "$*"; }

step "build (build/)"
if [ -f build/build.ninja ]; then
  meson setup --reconfigure build >/dev/null
else
  meson setup build
fi
ninja -C build

step "meson test"
meson test -C build --print-errorlogs --num-processes 2

[ -n "${SG3_QUICK:-}" ] && exit 0

# AddressSanitizer + UndefinedBehaviorSanitizer over the core tests (the
# loaders, the forward pass, the tools).
step "ASan/UBSan build (build-asan/)"
if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debugoptimized -Dplugin=disabled
fi
ninja -C build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --print-errorlogs --num-processes 2 --no-suite slow

# A bounded libFuzzer run of each model-file reader, of the init_kwargs
# JSON path and of the latent-file reader (clang), seeded with the test
# files and generated hostile inputs; one line per harness, crashes fail the
# run. `fuzz/run.sh 600` is the long run.
step "fuzz the pickle, safetensors, init_kwargs and npy/npz readers (${SG3_FUZZ_SECONDS:-60} s each)"
fuzz/run.sh "${SG3_FUZZ_SECONDS:-60}"

# One closing line over every meson test run above (fuzzing failures have
# already stopped the script).
count() { cat build/meson-logs/testlog.json build-asan/meson-logs/testlog.json |
  grep -c "\"result\": \"$1\"" || true; }
echo "tests: $(count OK) passed, $(( $(count FAIL) + $(count TIMEOUT) + $(count ERROR) )) failed, $(count SKIP) skipped"
