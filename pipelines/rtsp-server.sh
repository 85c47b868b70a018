#!/usr/bin/env bash
# Serves sg3src over RTSP as H.264: rtsp://HOST:8554/sg3 (docs/streaming.md).
#
#   pipelines/rtsp-server.sh [sg3-rtsp-server options]
#
# Without element options: the demo, a latent walk with a slow spin. Listens
# on this machine only (127.0.0.1) unless --address says otherwise. Some
# options (see --help for all):
#   --address 0.0.0.0 --user NAME:PASSWORD   other machines, with a password
#   --port 8554              0: any free port (printed)
#   --width 720 --height 720 output size (default 512x512, lanczos)
#   --seed 3 --psi 0.7 --class 7 --animation walk --spin 10 --model FILE
#   --source "sg3src is-live=true seed=3 ! videoflip method=clockwise"
# Open with: gst-play-1.0 rtsp://127.0.0.1:8554/sg3, ffplay, or OBS (Media
# Source, see docs/streaming.md; Debian's VLC has no RTSP). Stop with Ctrl-C.
set -euo pipefail
# shellcheck source=pipelines/common.sh
. "$(dirname "$0")/common.sh"

server="$SG3_BUILD_DIR/examples/sg3-rtsp-server"
if [ ! -x "$server" ] || ! gst-inspect-1.0 sg3src >/dev/null 2>&1; then
  sg3_setup
fi
[ -x "$server" ] ||
  sg3_die "$server was not built: it needs libgstrtspserver-1.0-dev (tools/install-deps.sh)"

# No element option at all (server options like --address do not count):
# serve the demo walk.
demo=1
for a in "$@"; do
  case ${a%%=*} in
    --model|--seed|--psi|--truncation-cutoff|--class|--translate-x|\
    --translate-y|--rotate|--animation|--walk-frames|--walk-keyframes|\
    --pan-x|--pan-y|--spin|--set|--source|-s|-h|--help*) demo= ;;
  esac
done
[ -z "$demo" ] || set -- --animation walk --spin 6 "$@"
exec "$server" "$@"
