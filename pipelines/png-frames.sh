#!/usr/bin/env bash
# Writes sg3src frames as numbered PNG files. At the model's size (the
# default) the pixels are exactly what sg3-gen writes for the same seed,
# class, psi and transform.
#
#   pipelines/png-frames.sh [-n FRAMES] [-o DIR] [-s WxH|model] [-r FPS]
#                           [-- PROP=VALUE ...]
#
#   -n FRAMES  how many (default 30)
#   -o DIR     output directory, created if needed (default frames);
#              files are DIR/frame-00000.png, frame-00001.png, ...
#   -s WxH     scale (lanczos) to this size; default "model": as rendered
#   -r FPS     frame rate, for pan, spin and controllers (default 30)
#   after --   sg3src properties
#
# Examples:
#   pipelines/png-frames.sh -n 1 -o out -- seed=3 class=7 psi=0.7
#   pipelines/png-frames.sh -n 120 -s 256x256 -- animation=walk walk-frames=30

# Pipeline fragments in variables are split into words on purpose.
# shellcheck disable=SC2086
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"

frames=30 dir=frames size=model fps=30
while getopts "n:o:s:r:h" opt; do
  case $opt in
    n) frames=$OPTARG ;;
    o) dir=$OPTARG ;;
    s) size=$OPTARG ;;
    r) fps=$OPTARG ;;
    h) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
sg3_check_props "$@"
[[ $frames =~ ^[1-9][0-9]*$ ]] || sg3_die "-n $frames: expected a positive count"
[[ $fps =~ ^[1-9][0-9]*(/[1-9][0-9]*)?$ ]] || sg3_die "-r $fps: expected N or N/D"
[[ $fps == */* ]] || fps=$fps/1
scale=$(sg3_scale "$size")
sg3_setup
sg3_need pngenc multifilesink videoscale videoconvert
mkdir -p "$dir"

# pngenc takes GRAY8, RGB and RGBA: the formats sg3src prefers for 1-, 3-
# and 4-channel models, so at the model's size nothing converts a pixel.
[ "$size" = model ] || scale="$scale ! videoconvert"
gst-launch-1.0 -q sg3src num-buffers="$frames" "$@" \
  ! "video/x-raw,framerate=$fps" ! $scale \
  ! pngenc snapshot=false ! multifilesink location="$dir/frame-%05d.png"
sg3_say "wrote $frames frame(s) to $dir/"
