#!/usr/bin/env bash
# Streams sg3src to OBS as MPEG-TS (H.264) over SRT (srtsink, from Debian's
# gstreamer1.0-plugins-bad).
#
#   pipelines/obs-srt.sh [-m listener|caller] [-a ADDR] [-p PORT] [-s WxH]
#                        [-r FPS] [-b KBPS] [-l MS] [-- PROP=VALUE ...]
#
#   -m listener  (default) wait for OBS to connect, on ADDR:PORT
#   -m caller    connect to an OBS that listens on ADDR:PORT
#   -a ADDR      default 127.0.0.1 (listener: bind to this machine only;
#                0.0.0.0 for every interface)
#   -p PORT      default 9000          -l MS  SRT latency (default 120)
#   -s WxH       default 512x512       -r FPS (default 30)
#   -b KBPS      H.264 bitrate (default 3000)
#   after --      sg3src properties (default: animation=walk spin=6)
#
# In OBS: Sources > + > Media Source > uncheck "Local File" >
#   listener here:  Input: srt://127.0.0.1:9000?mode=caller
#   caller here:    Input: srt://0.0.0.0:9000?mode=listener  (start OBS first)
#   Input Format: mpegts; uncheck "Use hardware decoding when available";
#   Network Buffering: 0 MB (lowest latency). docs/streaming.md has more.
set -euo pipefail
# shellcheck source=pipelines/common.sh
. "$(dirname "$0")/common.sh"

mode=listener addr=127.0.0.1 port=9000 size=512x512 fps=30 kbps=3000 latency=120
while getopts "m:a:p:s:r:b:l:h" opt; do
  case $opt in
    m) mode=$OPTARG ;;
    a) addr=$OPTARG ;;
    p) port=$OPTARG ;;
    s) size=$OPTARG ;;
    r) fps=$OPTARG ;;
    b) kbps=$OPTARG ;;
    l) latency=$OPTARG ;;
    h) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || set -- animation=walk spin=6
sg3_check_props "$@"
case $mode in listener|caller) ;; *) sg3_die "-m $mode: expected listener or caller" ;; esac
sg3_parse_size -s "$size"
sg3_check_fps -r "$fps"
[[ $port =~ ^[1-9][0-9]*$ ]] && [ "$port" -le 65535 ] || sg3_die "-p $port: expected a port"
[[ $kbps =~ ^[1-9][0-9]*$ ]] || sg3_die "-b $kbps: expected kbit/s"
[[ $latency =~ ^[0-9]+$ ]] || sg3_die "-l $latency: expected milliseconds"

# Build only when sg3src is missing (the test suite runs this script).
gst-inspect-1.0 sg3src >/dev/null 2>&1 || sg3_setup
gst-inspect-1.0 srtsink >/dev/null 2>&1 ||
  sg3_die "no GStreamer element 'srtsink': install gstreamer1.0-plugins-bad (Debian 12 builds it with libsrt)"
sg3_need sg3src x264enc h264parse mpegtsmux

if [ "$mode" = listener ]; then
  echo "obs-srt.sh: listening on srt://$addr:$port (MPEG-TS, H.264 ${w}x$h at $fps fps); in OBS: srt://127.0.0.1:$port?mode=caller; Ctrl-C stops"
else
  echo "obs-srt.sh: calling srt://$addr:$port (MPEG-TS, H.264 ${w}x$h at $fps fps); Ctrl-C stops"
fi
# The mode goes into the URI: srtsink re-derives it from the URI, so a
# separate mode= property is lost. wait-for-connection=false: the generator
# keeps running and OBS gets the live picture whenever it (re)connects;
# auto-reconnect is the caller's retry. Key frames every second, each with
# SPS/PPS: quick joins.
exec gst-launch-1.0 -q \
  sg3src is-live=true "$@" ! "video/x-raw,framerate=$fps/1" \
  ! videoscale method=lanczos ! "video/x-raw,width=$w,height=$h,pixel-aspect-ratio=1/1" \
  ! videoconvert ! video/x-raw,format=I420 ! queue max-size-buffers=2 \
  ! x264enc tune=zerolatency speed-preset=superfast bitrate="$kbps" key-int-max="$fps" \
  ! h264parse config-interval=-1 ! mpegtsmux alignment=7 \
  ! srtsink uri="srt://$addr:$port?mode=$mode" latency="$latency" \
    wait-for-connection=false auto-reconnect=true
