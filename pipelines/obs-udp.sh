#!/usr/bin/env bash
# Streams sg3src to OBS as MPEG-TS (H.264) over UDP.
#
#   pipelines/obs-udp.sh [-a HOST] [-p PORT] [-s WxH] [-r FPS] [-b KBPS]
#                        [-- PROP=VALUE ...]
#
#   -a HOST   where OBS runs (default 127.0.0.1, this machine)
#   -p PORT   UDP port (default 5000)
#   -s WxH    size (default 512x512, lanczos)   -r FPS  (default 30)
#   -b KBPS   H.264 bitrate (default 3000)
#   after --   sg3src properties (default: animation=walk spin=6)
#
# In OBS: Sources > + > Media Source > uncheck "Local File" >
#   Input: udp://127.0.0.1:5000   (the port, on the machine OBS runs on)
#   Input Format: mpegts; uncheck "Use hardware decoding when available";
#   Network Buffering: 0 MB (lowest latency). docs/streaming.md has more.
# UDP has no connection: start this and OBS in either order.
set -euo pipefail
# shellcheck source=pipelines/common.sh
. "$(dirname "$0")/common.sh"

host=127.0.0.1 port=5000 size=512x512 fps=30 kbps=3000
while getopts "a:p:s:r:b:h" opt; do
  case $opt in
    a) host=$OPTARG ;;
    p) port=$OPTARG ;;
    s) size=$OPTARG ;;
    r) fps=$OPTARG ;;
    b) kbps=$OPTARG ;;
    h) sed -n '2,18s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- animation=walk spin=6
sg3_check_props "$@"
sg3_parse_size -s "$size"
sg3_check_fps -r "$fps"
[[ $port =~ ^[1-9][0-9]*$ ]] && [ "$port" -le 65535 ] || sg3_die "-p $port: expected a port"
[[ $kbps =~ ^[1-9][0-9]*$ ]] || sg3_die "-b $kbps: expected kbit/s"

# Build only when sg3src is missing (the test suite runs this script).
gst-inspect-1.0 sg3src >/dev/null 2>&1 || sg3_setup
sg3_need sg3src x264enc h264parse mpegtsmux udpsink

echo "obs-udp.sh: sending to udp://$host:$port (MPEG-TS, H.264 ${w}x$h at $fps fps); Ctrl-C stops"
# key-int-max=FPS and h264parse config-interval=-1 (SPS/PPS before every key
# frame): OBS can start at any time; its first picture comes after FFmpeg's
# probing (5-6 s; about 1 s with analyzeduration=500000 probesize=32768 in
# the source's FFmpeg Options, docs/streaming.md).
# alignment=7: 7 TS packets = 1316 bytes per datagram, the usual MTU-safe size.
exec gst-launch-1.0 -q \
  sg3src is-live=true "$@" ! "video/x-raw,framerate=$fps/1" \
  ! videoscale method=lanczos ! "video/x-raw,width=$w,height=$h,pixel-aspect-ratio=1/1" \
  ! videoconvert ! video/x-raw,format=I420 ! queue max-size-buffers=2 \
  ! x264enc tune=zerolatency speed-preset=superfast bitrate="$kbps" key-int-max="$fps" \
  ! h264parse config-interval=-1 ! mpegtsmux alignment=7 \
  ! udpsink host="$host" port="$port"
