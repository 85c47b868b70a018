#!/usr/bin/env bash
# The command-line tools as a user meets them: sg3-gen's pixels against the
# official 8-bit image, pickles and converted files giving the same image,
# the element's frame equal to sg3-gen's, and one-line errors with exit 1.
#
# usage: test_cli.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 src=$2
gen=$build/examples/sg3-gen conv=$build/examples/sg3-convert
ref=$src/tests/data/reference
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }

# Raw 8-bit pixels of a PNG, through GStreamer's decoder.
raw() {
  gst-launch-1.0 -q filesrc location="$1" ! pngdec ! filesink location="$2"
}

# Demo case 0 (seed 0, class 0): the official 8-bit image, pixel for pixel.
if "$gen" --network "$src/models/sg3t-fashion32.safetensors" --seeds 0 \
  --class 0 --outdir "$tmp/a" >/dev/null; then
  raw "$tmp/a/seed0000.png" "$tmp/a.raw"
  raw "$ref/cases/sg3t-fashion32-0/img.png" "$tmp/ref.raw"
  cmp -s "$tmp/a.raw" "$tmp/ref.raw" && ok "sg3-gen seed 0 equals the official image" ||
    bad "sg3-gen seed 0 differs from the official image"
else
  bad "sg3-gen failed"
fi

# The pickle and its conversion render what the safetensors file renders.
"$gen" --network "$src/tests/data/t32.pkl" --seeds 3 --trunc 0.7 \
  --translate 0.1,0.2 --rotate 20 --outdir "$tmp/p" >/dev/null
"$conv" "$src/tests/data/t32.pkl" "$tmp/t32.safetensors" >/dev/null
"$gen" --network "$tmp/t32.safetensors" --seeds 3 --trunc 0.7 \
  --translate 0.1,0.2 --rotate 20 --outdir "$tmp/c" >/dev/null
"$gen" --network "$ref/t32.safetensors" --seeds 3 --trunc 0.7 \
  --translate 0.1,0.2 --rotate 20 --outdir "$tmp/s" >/dev/null
cmp -s "$tmp/p/seed0003.png" "$tmp/s/seed0003.png" &&
  cmp -s "$tmp/c/seed0003.png" "$tmp/s/seed0003.png" &&
  ok "pkl, converted and safetensors give the same image" ||
  bad "pkl, converted and safetensors images differ"

# --npy writes the float output in numpy's format.
"$gen" --network "$ref/t32.safetensors" --seeds 1 --outdir "$tmp/n" --npy >/dev/null
[ "$(head -c 6 "$tmp/n/seed0001.npy" | tail -c 5)" = "NUMPY" ] &&
  [ "$(stat -c %s "$tmp/n/seed0001.npy")" -eq $((128 + 3 * 32 * 32 * 4)) ] &&
  ok "--npy writes a [3,32,32] float32 .npy" || bad "--npy output"

# The element's frame is sg3-gen's frame.
if [ -f "$build/plugin/libgstsg3.so" ]; then
  GST_PLUGIN_PATH=$build/plugin gst-launch-1.0 -q sg3src seed=3 class=7 psi=0.7 \
    num-buffers=1 ! video/x-raw,format=GRAY8 ! filesink location="$tmp/e.raw"
  "$gen" --network "$src/models/sg3t-fashion32.safetensors" --seeds 3 \
    --class 7 --trunc 0.7 --outdir "$tmp/g" >/dev/null
  raw "$tmp/g/seed0003.png" "$tmp/g.raw"
  cmp -s "$tmp/e.raw" "$tmp/g.raw" && ok "sg3src frame equals sg3-gen image" ||
    bad "sg3src frame differs from sg3-gen image"
fi

# Errors: exit code 1 and exactly one line on stderr.
expect_error() { # what pattern command...
  local what=$1 pattern=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$? lines
  lines=$(wc -l <"$tmp/err")
  if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && grep -q -- "$pattern" "$tmp/err"; then
    ok "$what: $(cat "$tmp/err")"
  else
    bad "$what: rc=$rc, $lines lines: $(cat "$tmp/err")"
  fi
}
m=$src/models/sg3t-fashion32.safetensors
expect_error "missing file" "No such file" "$gen" --network "$tmp/none.pkl" --seeds 1 --outdir "$tmp/x"
expect_error "not a model" "not a StyleGAN model" "$gen" --network "$src/README.md" --seeds 1 --outdir "$tmp/x"
expect_error "conditional without --class" "Must specify class label" "$gen" --network "$m" --seeds 1 --outdir "$tmp/x"
expect_error "class out of range" "out of range" "$gen" --network "$m" --seeds 1 --class 10 --outdir "$tmp/x"
expect_error "bad seeds" "--seeds" "$gen" --network "$m" --seeds 5-2 --class 1 --outdir "$tmp/x"
expect_error "seed beyond uint32" "--seeds" "$gen" --network "$m" --seeds 4294967296 --class 1 --outdir "$tmp/x"
expect_error "bad translate" "--translate" "$gen" --network "$m" --seeds 1 --class 1 --translate 1 --outdir "$tmp/x"
expect_error "bad trunc" "--trunc" "$gen" --network "$m" --seeds 1 --class 1 --trunc abc --outdir "$tmp/x"
expect_error "unknown option" "unknown" "$gen" --bogus
expect_error "missing options" "required" "$gen" --network "$m"
expect_error "convert: bad input" "not a StyleGAN model" "$conv" "$src/README.md" "$tmp/o.safetensors"
expect_error "convert: usage" "usage" "$conv"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
