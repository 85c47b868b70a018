#!/usr/bin/env bash
# A music video from a song: the picture pulses on the beat and walks faster
# with the music (sg3-music: onsets -> sg3src pulse, sustained energy ->
# walk-speed, optionally the dominant pitch -> class), H.264 + the song's
# audio as AAC in MP4. Any format GStreamer decodes; the same song and
# options give the same file.
#
#   pipelines/music-video.sh SONG OUT.mp4 [options]
#
#   --model FILE          .pkl or .safetensors (default: the built-in demo)
#   --preset NAME         calm, default or energetic
#   --seeds A-B           the walk's keyframe seeds (or --seed N --keyframes K)
#   --size WxH            default: the model's size, small ones scaled up
#   --fps RATE            default 30
#   --pulse-strength X    --pulse-decay S  --speed-base V  --speed-strength V
#   --class-from-chroma   conditional models: the class follows the pitch
#   --duration S          only the first S seconds
#   --set PROP=VALUE      any other sg3src property (e.g. spin=5)
#   (all of them: build/examples/sg3-music --help)
#
# Examples:
#   pipelines/music-video.sh song.ogg clip.mp4
#   pipelines/music-video.sh song.mp3 clip.mp4 --preset energetic \
#     --model stylegan3-r-ffhqu-256x256.pkl --seeds 10-17 --psi 0.7
set -euo pipefail
# shellcheck source=pipelines/common.sh
. "$(dirname "$0")/common.sh"

case "${1:-}" in
  -h|--help|"") sed -n '2,24s/^# \{0,1\}//p' "$0"; [ -n "${1:-}" ]; exit ;;
esac
[ $# -ge 2 ] || sg3_die "expected SONG OUT.mp4 (see --help)"

bin="$SG3_BUILD_DIR/examples/sg3-music"
# Build only when something is missing: the test suite runs this script,
# and a ninja inside a running meson test would race the build.
if [ ! -x "$bin" ] || ! gst-inspect-1.0 sg3src >/dev/null 2>&1; then
  if [ ! -x "$bin" ] && command -v sg3-music >/dev/null; then
    bin=$(command -v sg3-music) # installed (meson install)
  else
    sg3_setup
  fi
fi
[ -x "$bin" ] || sg3_die "no sg3-music in $SG3_BUILD_DIR/examples (it needs gstreamer-fft, -controller and -app: tools/install-deps.sh)"
exec "$bin" "$@"
