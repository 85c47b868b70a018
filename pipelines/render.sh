#!/usr/bin/env bash
# Renders a clip of sg3src in pieces, on this machine or several, and joins
# them into one lossless Matroska (FFV1) file whose frames are exactly those
# of a render in one go: each piece is frames [A, B) of the clip, rendered by
# seeking sg3src to frame A (build/examples/sg3-render), and the pieces are
# put together without re-encoding. The jobs run on GNU parallel (this
# machine, or others with -S) or on a Slurm cluster (-s).
#
#   pipelines/render.sh -n FRAMES [-r FPS] [-o OUT.mkv] [-p PIECES] [-j JOBS]
#                       [-S HOSTS] [-s] [-d DIR] [-- PROP=VALUE ...]
#
#   -n FRAMES  frames in the clip (required)
#   -r FPS     frame rate, N or N/D (default 30)
#   -o FILE    output (default sg3-render.mkv)
#   -p PIECES  pieces (default: as many as jobs run at once)
#   -j JOBS    pieces rendered at once per machine (default 1: one render
#              already uses every core of its machine)
#   -S HOSTS   GNU parallel --sshlogin list, e.g. "2/box1,box2,:" (":" is
#              this machine); the hosts need this checkout at the same path
#              (built), the model at the same path and DIR shared (NFS)
#   -s         submit to Slurm instead (pipelines/render.slurm: an array job
#              for the pieces, then a job that joins them); DIR must be on a
#              filesystem the nodes share
#   -d DIR     where the pieces go (default: OUT.pieces/)
#   after --   sg3src properties, e.g. model=ffhq.pkl animation=walk spin=6
#
# Examples:
#   pipelines/render.sh -n 1800 -o walk.mkv -- animation=walk seed=3
#   pipelines/render.sh -n 1800 -p 30 -S "box1,box2,box3" -- model=$PWD/m.pkl
#   pipelines/render.sh -n 1800 -p 60 -s -- model=$PWD/m.pkl animation=walk
# To MP4 afterwards (the encode is cheap next to the render):
#   gst-launch-1.0 filesrc location=walk.mkv ! matroskademux ! avdec_ffv1 ! \
#     videoconvert ! x264enc pass=qual quantizer=18 ! mp4mux ! \
#     filesink location=walk.mp4
set -euo pipefail
# shellcheck source=pipelines/common.sh
. "$(dirname "$0")/common.sh"

frames= fps=30 out=sg3-render.mkv pieces= jobs=1 hosts= slurm= dir=
while getopts "n:r:o:p:j:S:sd:h" opt; do
  case $opt in
    n) frames=$OPTARG ;;
    r) fps=$OPTARG ;;
    o) out=$OPTARG ;;
    p) pieces=$OPTARG ;;
    j) jobs=$OPTARG ;;
    S) hosts=$OPTARG ;;
    s) slurm=1 ;;
    d) dir=$OPTARG ;;
    h) sed -n '2,35s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
sg3_check_props "$@"

[[ $frames =~ ^[1-9][0-9]*$ ]] || sg3_die "-n: the number of frames is required"
[[ $fps =~ ^[1-9][0-9]*(/[1-9][0-9]*)?$ ]] || sg3_die "-r $fps: expected N or N/D"
[[ $jobs =~ ^[1-9][0-9]*$ ]] || sg3_die "-j $jobs: expected a count"
if [ -z "$pieces" ]; then
  pieces=$jobs
  if [ -n "$hosts" ]; then # one per host and job slot
    IFS=, read -ra h <<<"$hosts"
    pieces=$(( ${#h[@]} * jobs ))
  fi
fi
[[ $pieces =~ ^[1-9][0-9]*$ ]] || sg3_die "-p $pieces: expected a count"
(( pieces <= frames )) || pieces=$frames
dir=${dir:-$out.pieces}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
out_abs=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

render="$SG3_BUILD_DIR/examples/sg3-render"
[ -x "$render" ] || sg3_die "$render is missing: build first (meson setup build && ninja -C build)"

# Piece i of P over N frames: [i N / P, (i + 1) N / P).
ranges=$(awk -v n="$frames" -v p="$pieces" 'BEGIN {
  for (i = 0; i < p; i++)
    printf "%d %d %05d\n", int(i * n / p), int((i + 1) * n / p), i }')

if [ -n "$slurm" ]; then
  command -v sbatch >/dev/null || sg3_die "sbatch is missing (Slurm; Debian: slurm-client)"
  export SG3_ROOT SG3_BUILD_DIR GST_PLUGIN_PATH
  array=$(sbatch --parsable --array="0-$((pieces - 1))" \
    --export=ALL,SG3_FRAMES="$frames",SG3_PIECES="$pieces",SG3_FPS="$fps",SG3_DIR="$dir" \
    "$SG3_ROOT/pipelines/render.slurm" "$@")
  joined=$(sbatch --parsable --dependency="afterok:$array" \
    --export=ALL,SG3_JOIN="$out_abs",SG3_PIECES="$pieces",SG3_DIR="$dir" \
    "$SG3_ROOT/pipelines/render.slurm")
  sg3_say "submitted: pieces as array job $array, the join as job $joined ($out_abs)"
  exit 0
fi

command -v parallel >/dev/null || sg3_die "GNU parallel is missing (Debian: parallel)"
popts=(--will-cite --halt now,fail=1 --colsep ' ' -j "$jobs")
if [ -n "$hosts" ]; then
  # remote shells need the plugin path too
  popts+=(--sshlogin "$hosts" --env GST_PLUGIN_PATH --workdir "$PWD")
fi
sg3_say "rendering $frames frames in $pieces pieces into $dir"
printf '%s\n' "$ranges" >"$dir/ranges"
# shellcheck disable=SC2086
parallel "${popts[@]}" ${SG3_PARALLEL_OPTS:-} \
  "$render" --frames '{1}:{2}' --fps "$fps" --output "$dir/piece-{3}.mkv" "$@" \
  :::: "$dir/ranges" >/dev/null
list=()
while read -r _ _ i; do list+=("$dir/piece-$i.mkv"); done <<<"$ranges"
"$render" --join "$out_abs" "${list[@]}"
