#!/usr/bin/env bash
# Records sg3src to an MP4 file, as fast as the generator can (not live): the
# file has exactly SECONDS x FPS frames and lasts exactly SECONDS.
#
#   pipelines/record.sh [-d SECONDS] [-o OUT.mp4] [-s WxH] [-r FPS]
#                       [-c h264|h265|vp9|av1] [-b KBPS] [-- PROP=VALUE ...]
#
#   -d SECONDS  duration (default 10; fractions allowed)
#   -o FILE     output (default sg3.mp4)
#   -s WxH      output size, scaled with lanczos (default 512x512; "model":
#               the model's own resolution)
#   -r FPS      frame rate, integer or N/D (default 30)
#   -c CODEC    h264 (default), h265, vp9 or av1
#   -b KBPS     target bitrate; default: constant quality
#   after --     sg3src properties, e.g. seed=3 psi=0.7 animation=walk spin=10
#
# Examples:
#   pipelines/record.sh -d 20 -o walk.mp4 -- animation=walk class=7 spin=6
#   pipelines/record.sh -s 1024x1024 -c vp9 -- model=ffhq.pkl seed=3
set -euo pipefail
# shellcheck source=pipelines/common.sh
. "$(dirname "$0")/common.sh"

duration=10 out=sg3.mp4 size=512x512 fps=30 codec=h264 kbps=
while getopts "d:o:s:r:c:b:h" opt; do
  case $opt in
    d) duration=$OPTARG ;;
    o) out=$OPTARG ;;
    s) size=$OPTARG ;;
    r) fps=$OPTARG ;;
    c) codec=$OPTARG ;;
    b) kbps=$OPTARG ;;
    h) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) exit 1 ;;
  esac
done
shift $((OPTIND - 1))
sg3_check_props "$@"

[[ $duration =~ ^[0-9]+(\.[0-9]+)?$ ]] || sg3_die "-d $duration: expected seconds"
if [[ $fps =~ ^([1-9][0-9]*)(/([1-9][0-9]*))?$ ]]; then
  fps_n=${BASH_REMATCH[1]} fps_d=${BASH_REMATCH[3]:-1}
else
  sg3_die "-r $fps: expected N or N/D"
fi
# num-buffers = duration x fps, rounded; the muxer then writes exactly that.
frames=$(awk -v d="$duration" -v n="$fps_n" -v m="$fps_d" \
  'BEGIN { printf "%d", d * n / m + 0.5 }')
[ "$frames" -ge 1 ] || sg3_die "-d $duration: shorter than one frame"
scale=$(sg3_scale "$size")
if [[ $size =~ ^([0-9]+)x([0-9]+)$ ]]; then
  (( BASH_REMATCH[1] >= 16 && BASH_REMATCH[2] >= 16 &&
     BASH_REMATCH[1] % 2 == 0 && BASH_REMATCH[2] % 2 == 0 )) ||
    sg3_die "-s $size: the encoders want even sizes of at least 16"
fi

[ -z "$kbps" ] || [[ $kbps =~ ^[1-9][0-9]*$ ]] || sg3_die "-b $kbps: expected kbit/s"
case $codec in
  h264)
    if [ -n "$kbps" ]; then rc="bitrate=$kbps"; else rc="pass=qual quantizer=18"; fi
    enc="x264enc speed-preset=medium $rc key-int-max=$((2 * fps_n / fps_d + 1))"
    parse=h264parse ;;
  h265)
    if [ -n "$kbps" ]; then rc="bitrate=$kbps"; else rc="option-string=crf=20"; fi
    enc="x265enc speed-preset=medium $rc" parse=h265parse ;;
  vp9)
    # lag-in-frames=0: with look-ahead, vp9enc (GStreamer 1.22) loses the
    # last frames of a changing picture at EOS (36 frames in, 23-25 out).
    if [ -n "$kbps" ]; then rc="end-usage=vbr target-bitrate=$((kbps * 1000))"
    else rc="end-usage=cq cq-level=16 target-bitrate=50000000"; fi
    enc="vp9enc deadline=1 cpu-used=4 row-mt=true threads=0 lag-in-frames=0 $rc"
    parse=vp9parse ;;
  av1)
    if [ -n "$kbps" ]; then rc="end-usage=vbr target-bitrate=$kbps"
    else rc="end-usage=q min-quantizer=24 max-quantizer=24"; fi
    enc="av1enc cpu-used=6 row-mt=true threads=0 $rc" parse=av1parse ;;
  *) sg3_die "-c $codec: expected h264, h265, vp9 or av1" ;;
esac

# Build only when sg3src is missing: the test suite runs this script, and a
# ninja inside a running meson test would race the build.
gst-inspect-1.0 sg3src >/dev/null 2>&1 || sg3_setup
sg3_need sg3src videoscale videoconvert "${enc%% *}" "$parse" mp4mux filesink

# is-live=false: generate as fast as possible; timestamps still follow the
# frame rate. I420 keeps the file playable everywhere (x264 would pick 4:4:4
# for RGB input). -e: Ctrl-C still finishes a valid file.
gst-launch-1.0 -q -e \
  sg3src is-live=false num-buffers="$frames" "$@" \
  ! "video/x-raw,framerate=$fps_n/$fps_d" \
  ! $scale ! videoconvert ! video/x-raw,format=I420 \
  ! $enc ! $parse ! mp4mux ! filesink location="$out"

# What the file holds, counted by the demuxer: Ctrl-C (-e) ends it early
# with fewer frames than asked for.
written=$(gst-launch-1.0 -v filesrc location="$out" ! qtdemux \
  ! fakesink silent=false 2>/dev/null | grep -c 'last-message = chain' || true)
secs=$(awk -v f="$written" -v n="$fps_n" -v m="$fps_d" \
  'BEGIN { printf "%.3g", f * m / n }')
if [ "$written" -eq "$frames" ]; then
  sg3_say "wrote $out ($written frames, $secs s at $fps fps, $size, $codec)"
else
  sg3_say "stopped early: wrote $out ($written of $frames frames, $secs s at $fps fps, $size, $codec)"
fi
