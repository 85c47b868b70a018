#!/usr/bin/env bash
# A clip rendered in 3 pieces by GNU parallel (pipelines/render.sh) equals
# the same clip rendered in one go: the same number of frames, the same
# decoded bytes, the same timestamps. Then the Slurm path, on a one-node
# cluster started here, where Slurm and munge are installed (else skipped).
#   test_render.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
export SG3_BUILD_DIR=$build GST_PLUGIN_PATH=$build/plugin
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
pass=0 fail=0
check() { if "$@"; then pass=$((pass + 1)); else echo "FAIL: $*"; fail=$((fail + 1)); fi; }
props=(animation=walk walk-frames=5 walk-keyframes=3 seed=4 spin=12 pan-x=0.05)

# frames, decoded bytes and timestamps of a file
describe() {
  gst-launch-1.0 -q filesrc location="$1" ! matroskademux ! avdec_ffv1 ! \
    filesink location="$1.raw"
  echo "frames $(gst-launch-1.0 -v filesrc location="$1" ! matroskademux ! \
    fakesink silent=false 2>&1 | grep -o 'pts: [0-9:.]*' | tee "$1.pts" | wc -l)"
  echo "bytes $(md5sum <"$1.raw" | cut -d' ' -f1) $(stat -c %s "$1.raw")"
  echo "pts $(md5sum <"$1.pts" | cut -d' ' -f1)"
}

"$build/examples/sg3-render" --frames 0:30 --fps 25 --output single.mkv "${props[@]}"
if command -v parallel >/dev/null; then
  "$src/pipelines/render.sh" -n 30 -r 25 -p 3 -j 3 -o split.mkv -- "${props[@]}"
  check [ "$(ls split.mkv.pieces/piece-*.mkv | wc -l)" = 3 ]
  describe single.mkv >single.txt
  describe split.mkv >split.txt
  check grep -q "^frames 30$" single.txt
  check diff single.txt split.txt
  # pieces of other sizes (one frame, uneven) join the same
  "$src/pipelines/render.sh" -n 30 -r 25 -p 7 -j 2 -o seven.mkv -- "${props[@]}"
  describe seven.mkv >seven.txt
  check diff single.txt seven.txt
else
  echo "FAIL: GNU parallel is missing (tools/install-deps.sh installs it)"
  fail=$((fail + 1))
fi

# Slurm: a controller and a node daemon of our own (root only: they want
# it), pieces as an array job, then the join.
if [ "$(id -u)" = 0 ] && command -v slurmctld >/dev/null &&
  command -v slurmd >/dev/null && command -v munged >/dev/null; then
  if "$src/tests/slurm-cluster.sh" start "$tmp/slurm"; then
    # shellcheck source=/dev/null
    . "$tmp/slurm/env"
    "$src/pipelines/render.sh" -n 30 -r 25 -p 3 -s -d "$tmp/sl.pieces" \
      -o "$tmp/slurm.mkv" -- "${props[@]}"
    for _ in $(seq 600); do
      [ -z "$(squeue -h 2>/dev/null)" ] && break
      sleep 0.2
    done
    if [ -f "$tmp/slurm.mkv" ]; then
      describe slurm.mkv >slurm.txt
      check diff single.txt slurm.txt
    else
      echo "FAIL: the Slurm jobs wrote no slurm.mkv"; cat "$tmp"/sg3-render-*.log 2>/dev/null | tail -20
      fail=$((fail + 1))
    fi
    "$src/tests/slurm-cluster.sh" stop "$tmp/slurm"
  else
    echo "SKIP: could not start a one-node Slurm cluster here"
  fi
else
  echo "SKIP: Slurm (slurmctld, slurmd, munged as root) is not available"
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
