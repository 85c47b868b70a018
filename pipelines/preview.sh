#!/usr/bin/env bash
# Shows sg3src live in a window, scaled to a watchable size.
#
#   pipelines/preview.sh [-s WxH|model] [-r FPS] [-- PROP=VALUE ...]
#
#   -s WxH   window picture size (default 512x512, lanczos); "model": as is
#   -r FPS   frame rate, integer or N/D (default 30); frames that cannot be
#            rendered in time are skipped, the clock is kept
#   after -- sg3src properties, e.g. seed=3 psi=0.7 or animation=walk spin=10
#
# Examples:
#   pipelines/preview.sh -- seed=3 class=9
#   pipelines/preview.sh -s 768x768 -- model=ffhq.pkl animation=walk pan-x=0.05
# Needs a display ($DISPLAY or $WAYLAND_DISPLAY); without one use record.sh
# or png-frames.sh.

# Pipeline fragments in variables are split into words on purpose.
# shellcheck disable=SC2086
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"

size=512x512 fps=30
while getopts "s:r:h" opt; do
  case $opt in
    s) size=$OPTARG ;;
    r) fps=$OPTARG ;;
    h) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
sg3_check_props "$@"
[[ $fps =~ ^[1-9][0-9]*(/[1-9][0-9]*)?$ ]] || sg3_die "-r $fps: expected N or N/D"
[[ $fps == */* ]] || fps=$fps/1
sg3_have_display ||
  sg3_die "no display (\$DISPLAY and \$WAYLAND_DISPLAY are unset): use record.sh or png-frames.sh"
scale=$(sg3_scale "$size")
sg3_setup
sg3_need videoscale videoconvert autovideosink

# The queue lets sg3src render the next frame while the sink waits to show
# this one.
exec gst-launch-1.0 sg3src is-live=true "$@" \
  ! "video/x-raw,framerate=$fps" ! queue max-size-buffers=2 \
  ! $scale ! videoconvert ! autovideosink
