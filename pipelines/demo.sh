#!/usr/bin/env bash
# The sg3src demo: a latent walk with a slow spin on the built-in model
# (Fashion-MNIST sneakers), scaled up to 512x512. Installs what is missing
# and builds first. With a display ($DISPLAY or $WAYLAND_DISPLAY) it opens a
# window (close it or Ctrl-C to stop); without one it records a few seconds
# to an MP4 file and says where.
#
#   pipelines/demo.sh [-d SECONDS] [-o FILE.mp4] [-- PROP=VALUE ...]
#
#   -d SECONDS  length of the recording without a display (default 4)
#   -o FILE     where to record (default: sg3-demo.mp4 in the current dir)
#   after --    more sg3src properties, e.g. class=9 seed=5 spin=-20

# Pipeline fragments in variables are split into words on purpose.
# shellcheck disable=SC2086
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"

seconds=4 out=sg3-demo.mp4
while getopts "d:o:h" opt; do
  case $opt in
    d) seconds=$OPTARG ;;
    o) out=$OPTARG ;;
    h) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
sg3_check_props "$@"
[[ $seconds =~ ^[1-9][0-9]*$ ]] || sg3_die "-d $seconds: expected whole seconds"

scale=$(sg3_scale 512x512)
sg3_setup
# class 7 = sneaker; a new seed every 2 s at 30 fps, a turn every 36 s
props=(class=7 psi=0.8 animation=walk walk-frames=60 spin=10 "$@")

if sg3_have_display; then
  sg3_need videoscale videoconvert autovideosink
  sg3_say "showing the walk; close the window or press Ctrl-C to stop"
  exec gst-launch-1.0 -q sg3src is-live=true "${props[@]}" \
    ! video/x-raw,framerate=30/1 ! queue max-size-buffers=2 \
    ! $scale ! videoconvert ! autovideosink
fi

sg3_need videoscale videoconvert x264enc h264parse mp4mux
frames=$((seconds * 30))
sg3_say "no display: recording $seconds s ($frames frames) to $out"
# Not live: every frame is rendered, however long it takes. -e finishes the
# file properly on Ctrl-C.
gst-launch-1.0 -q -e sg3src num-buffers=$frames "${props[@]}" \
  ! video/x-raw,framerate=30/1 ! $scale \
  ! videoconvert ! video/x-raw,format=I420 \
  ! x264enc speed-preset=medium pass=qual quantizer=18 key-int-max=61 \
  ! h264parse ! mp4mux ! filesink location="$out"
sg3_say "wrote $(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
