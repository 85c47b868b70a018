#!/bin/sh
# Runs each libFuzzer harness (pickle, safetensors, init_kwargs JSON, latent
# files .npy/.npz) for
# SECONDS (default 60, what CI runs; `fuzz/run.sh 600` is the long run),
# seeded with the test files and the hostile inputs fuzz/make_seeds.c
# writes (deep nesting, many tensors, shared data, duplicate and NUL keys).
# Inputs too big to mutate (100,000 tensors, 300 tensors on 4 MB, 5000
# pickled tensors) are run once each first. Builds an instrumented tree in
# $BUILD_DIR (default build-fuzz) if needed.
#
# Prints one line per harness; the fuzzers' own output goes to
# $BUILD_DIR/fuzz-work/<harness>.log. Crashing inputs land in
# $BUILD_DIR/fuzz-work/artifacts; copy them to tests/data/pickle-bad/ (or
# safetensors-bad/, npy-bad/) as regression tests. Exits non-zero if a harness finds a
# crash, leak, timeout or runaway memory.
set -eu
secs=${1:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$src/build-fuzz}

if [ ! -f "$build/build.ninja" ]; then
  CC=clang meson setup "$build" "$src" -Dfuzzing=true -Dplugin=disabled \
    -Dexamples=false -Dtests=false >"$build.setup.log" 2>&1 ||
    { cat "$build.setup.log" >&2; exit 1; }
  rm -f "$build.setup.log"
fi
ninja -C "$build" fuzz/fuzz_pickle fuzz/fuzz_safetensors \
  fuzz/fuzz_json fuzz/fuzz_npy fuzz/make_seeds >"$build/fuzz-compile.log" 2>&1 ||
  { tail -n 30 "$build/fuzz-compile.log" >&2; exit 1; }

work=$build/fuzz-work
generated=$work/generated
mkdir -p "$work/artifacts"
rm -rf "$generated"
"$build/fuzz/make_seeds" "$generated"

# The libFuzzer limits: a unit over 10 s or 2 GB is a finding.
limits="-timeout=10 -rss_limit_mb=2048"
status=0
for target in pickle safetensors json npy; do
  seeds=$work/seeds-$target corpus=$work/corpus-$target log=$work/$target.log
  harness=$build/fuzz/fuzz_$target
  rm -rf "$seeds"
  mkdir -p "$seeds" "$corpus"
  # Small seeds only: libFuzzer mutates and runs them much faster, and
  # the small test files cover every feature of the big ones.
  pattern= extra= dict=
  case $target in
  pickle)
    pattern='*.pkl' maxsize=300k
    extra=$src/tests/data/pickle-bad
    dict="-dict=$src/fuzz/pickle.dict"
    ;;
  safetensors)
    pattern='*.safetensors' maxsize=800k
    extra=$src/tests/data/safetensors-bad
    ;;
  npy)
    pattern='*.np[yz]' maxsize=100k
    extra=$src/tests/data/npy-bad
    dict="-dict=$src/fuzz/npy.dict"
    ;;
  esac
  if [ -n "$pattern" ]; then
    find "$src/tests/data" "$src/models" -name "$pattern" -size "-$maxsize" \
      -exec cp {} "$seeds/" \; 2>/dev/null || true
  fi
  if [ -n "$extra" ] && [ -d "$extra" ]; then
    find "$extra" -type f ! -name '*.md' -exec cp {} "$seeds/" \;
  fi
  if [ -d "$generated/$target" ]; then
    cp "$generated/$target"/* "$seeds/"
  fi

  : >"$log"
  result=
  # The big hostile inputs, once each.
  if [ -d "$generated/$target-big" ]; then
    # shellcheck disable=SC2086
    if ! "$harness" $limits "$generated/$target-big"/* >>"$log" 2>&1; then
      result="FAILED on $(ls "$generated/$target-big" | tr '\n' ' ')"
    fi
  fi
  if [ -z "$result" ]; then
    before=$(ls "$work/artifacts" | wc -l)
    # shellcheck disable=SC2086
    if ! "$harness" -max_total_time="$secs" $limits -print_final_stats=1 \
      -artifact_prefix="$work/artifacts/$target-" $dict "$corpus" "$seeds" \
      >>"$log" 2>&1; then
      result="FAILED: $(ls "$work/artifacts" | tail -n +$((before + 1)) |
        tr '\n' ' ')"
    fi
  fi
  # One line: what ran, or what went wrong (the sanitizer's summary).
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
  ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
  corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
  if [ -z "$result" ]; then
    echo "fuzz_$target: ${secs} s, $(ls "$seeds" | wc -l) seeds, ${runs:-?} runs" \
      "(${speed:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, no crash" \
      "(log: $log)"
  else
    why=$(grep -E '^(SUMMARY|==[0-9]+== ERROR)|ALARM|out-of-memory|Timeout' \
      "$log" | head -n 1)
    echo "fuzz_$target $result ${why:+- $why} (log: $log)" >&2
    status=1
  fi
done
exit $status
