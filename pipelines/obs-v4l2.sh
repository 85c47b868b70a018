#!/usr/bin/env bash
# Feeds sg3src into a v4l2loopback virtual camera, which OBS (and any video
# call app) opens as a webcam.
#
#   pipelines/obs-v4l2.sh [-d /dev/videoN] [-s WxH] [-r FPS] [-- PROP=VALUE ...]
#
#   -d DEVICE  the loopback device (default: the one labelled sg3, else the
#              first that is not OBS's own virtual camera)
#   -s WxH     default 512x512 (lanczos)   -r FPS  default 30
#   after --    sg3src properties (default: animation=walk spin=6)
#
# Needs the v4l2loopback kernel module (Debian: v4l2loopback-dkms):
#   sudo apt-get install v4l2loopback-dkms
#   sudo modprobe v4l2loopback exclusive_caps=1 card_label=sg3 video_nr=10
# In OBS: start this script first, then Sources > + > Video Capture Device
#   (V4L2) > Device: "sg3" > Video Format: YUYV 4:2:2 (or the one offered)
#   > Resolution and Frame Rate: as given here (Leave Unchanged works too)
#   > uncheck Use Buffering (lowest latency). docs/streaming.md has more.
set -euo pipefail
# shellcheck source=pipelines/common.sh
. "$(dirname "$0")/common.sh"

device= size=512x512 fps=30
while getopts "d:s:r:h" opt; do
  case $opt in
    d) device=$OPTARG ;;
    s) size=$OPTARG ;;
    r) fps=$OPTARG ;;
    h) sed -n '2,19s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- animation=walk spin=6
sg3_check_props "$@"
sg3_parse_size -s "$size"
(( w % 2 == 0 )) || sg3_die "-s $size: YUYV needs an even width"
sg3_check_fps -r "$fps"

# v4l2loopback devices are virtual: they sit under
# /sys/devices/virtual/video4linux, real cameras never do, so a typo in -d
# cannot make us write to one.
loopbacks() {
  for d in /sys/devices/virtual/video4linux/video*; do
    [ -e "$d" ] || continue
    echo "/dev/$(basename "$d") $(cat "$d/name" 2>/dev/null)"
  done
}
explain() {
  cat >&2 <<EOF
obs-v4l2.sh: $1
  A virtual camera needs the v4l2loopback kernel module:
    sudo apt-get install v4l2loopback-dkms linux-headers-\$(uname -r)
    sudo modprobe v4l2loopback exclusive_caps=1 card_label=sg3 video_nr=10
  then run this again (it finds /dev/video10). exclusive_caps=1 makes the
  device look like a camera to OBS and browsers once this script writes to it.
  Containers and some cloud kernels cannot load modules: use the RTSP, SRT or
  UDP recipes there (docs/streaming.md).
EOF
  exit 1
}
if [ -z "$device" ]; then
  [ -d /sys/module/v4l2loopback ] || explain "the v4l2loopback module is not loaded"
  # Prefer the one labelled sg3; never take OBS's own virtual camera.
  device=$(loopbacks | awk '$2 == "sg3" { print $1; exit }')
  [ -n "$device" ] ||
    device=$(loopbacks | grep -v "OBS Virtual Camera" | head -n1 | cut -d' ' -f1)
  [ -n "$device" ] || explain "v4l2loopback is loaded but has no device"
else
  [ -e "$device" ] || explain "$device does not exist"
  loopbacks | grep -q "^$device " ||
    sg3_die "$device is not a v4l2loopback device (refusing to write to a real camera)"
fi
[ -w "$device" ] || sg3_die "$device is not writable (add yourself to the 'video' group)"

# Build only when sg3src is missing (the test suite runs this script).
gst-inspect-1.0 sg3src >/dev/null 2>&1 || sg3_setup
sg3_need sg3src v4l2sink

echo "obs-v4l2.sh: writing ${w}x$h YUY2 at $fps fps to $device ($(loopbacks | grep "^$device " | cut -d' ' -f2-)); Ctrl-C stops"
# YUY2 (YUYV 4:2:2): the format OBS, browsers and video call apps all take
# from a webcam.
exec gst-launch-1.0 -q \
  sg3src is-live=true "$@" ! "video/x-raw,framerate=$fps/1" \
  ! videoscale method=lanczos ! "video/x-raw,width=$w,height=$h,pixel-aspect-ratio=1/1" \
  ! videoconvert ! video/x-raw,format=YUY2 \
  ! v4l2sink device="$device" sync=true
