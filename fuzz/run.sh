#!/bin/sh
# Runs each libFuzzer harness for SECONDS (default 60), seeded with the test
# files. Builds an instrumented tree in $BUILD_DIR (default build-fuzz) if
# needed. Crashing inputs land in $BUILD_DIR/fuzz-work/artifacts; copy them
# to tests/data/pickle-bad/ (or safetensors-bad/, npy-bad/) as regression
# tests.
# Exits non-zero if a harness finds a crash, leak or timeout.
set -eu
secs=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$src" -Dfuzzing=true -Dplugin=disabled \
    -Dexamples=false -Dtests=false
fi
meson compile -C "$build" fuzz/fuzz_pickle fuzz/fuzz_safetensors fuzz/fuzz_npy

work=$build/fuzz-work
mkdir -p "$work/artifacts"
status=0
for target in pickle safetensors npy; do
  seeds=$work/seeds-$target corpus=$work/corpus-$target
  rm -rf "$seeds"
  mkdir -p "$seeds" "$corpus"
  # Small seeds only: libFuzzer mutates and runs them much faster, and
  # the small test files cover every feature of the big ones.
  case $target in
  pickle)
    pattern='*.pkl' maxsize=300k
    extra=$src/tests/data/pickle-bad
    dict="-dict=$src/fuzz/pickle.dict"
    ;;
  safetensors)
    pattern='*.safetensors' maxsize=800k
    extra=$src/tests/data/safetensors-bad
    dict=
    ;;
  npy)
    pattern='*.np[yz]' maxsize=100k
    extra=$src/tests/data/npy-bad
    dict="-dict=$src/fuzz/npy.dict"
    ;;
  esac
  find "$src/tests/data" "$src/models" -name "$pattern" -size "-$maxsize" \
    -exec cp {} "$seeds/" \; 2>/dev/null || true
  if [ -d "$extra" ]; then
    find "$extra" -type f ! -name '*.md' -exec cp {} "$seeds/" \;
  fi
  echo "== fuzz_$target: $secs s, $(ls "$seeds" | wc -l) seeds"
  # shellcheck disable=SC2086
  if ! "$build/fuzz/fuzz_$target" -max_total_time="$secs" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$target-" $dict "$corpus" "$seeds"; then
    echo "fuzz_$target FAILED: see $work/artifacts" >&2
    status=1
  fi
done
exit $status
