#!/usr/bin/env bash
# Renders docs/images/music-beat.gif, the README's music preview: the demo
# model (class 7, sneakers) reacting to a generated beat, with the beat's
# waveform under it (a GIF has no sound). The beat is GStreamer's
# audiotestsrc: a tick every 0.5 s over a quiet 110 Hz drone; the video is
# sg3-music's, the GIF ffmpeg's (palettegen/paletteuse; ffmpeg comes with
# tools/install-deps.sh).
#
#   tools/make-music-preview.sh [BUILD_DIR]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
export GST_PLUGIN_PATH="$build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 4 s: 400 buffers of 10 ms
gst-launch-1.0 -q audiomixer name=m ! audio/x-raw,rate=44100,channels=1 \
  ! audioconvert ! wavenc ! filesink location="$tmp/beat.wav" \
  audiotestsrc wave=ticks tick-interval=500000000 freq=880 \
    sine-periods-per-tick=20 volume=0.9 samplesperbuffer=441 num-buffers=400 \
  ! audio/x-raw,rate=44100,channels=1 ! m. \
  audiotestsrc wave=sine freq=110 volume=0.08 samplesperbuffer=441 \
    num-buffers=400 ! audio/x-raw,rate=44100,channels=1 ! m.
"$build/examples/sg3-music" "$tmp/beat.wav" "$tmp/beat.mp4" --size 256x256 \
  --preset energetic --set class=7 --quiet
# 15 fps, the video over 40 px of waveform, one palette for the whole clip
ffmpeg -v error -y -i "$tmp/beat.mp4" -filter_complex \
  "[0:v]fps=15,format=gray[v];[0:a]showwaves=s=256x40:r=15:mode=cline:colors=white,format=gray[w];[v][w]vstack=shortest=1,fps=15,split[a][b];[a]palettegen=max_colors=64[p];[b][p]paletteuse=dither=none" \
  -loop 0 "$root/docs/images/music-beat.gif"
ls -l "$root/docs/images/music-beat.gif"
