#!/usr/bin/env bash
# Installs the Debian 12 / Ubuntu packages that gst-sg3 needs to build, test
# and run. Does nothing when they are all present.
#   tools/install-deps.sh            build + run + test dependencies
#   tools/install-deps.sh --runtime  only what the demo needs
set -euo pipefail

runtime=(
  meson ninja-build pkg-config gcc
  libopenblas-dev libglib2.0-dev libjson-glib-dev libpng-dev zlib1g-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  libgstrtspserver-1.0-dev gstreamer1.0-rtsp glib-networking
  libsoup-3.0-dev liblo-dev
)
# sg3-studio's tests: liblo's oscsend/oscdump, headless Chromium driven by
# playwright-core (npm, tests/studio/package-lock.json; never a downloaded
# browser). parallel, slurm*, munge: renders split across processes
# (tests/test_render.sh runs GNU parallel and a one-node Slurm cluster of its
# own).
# openssl: a throwaway certificate for the RTSPS test (glib-networking, in
# runtime, is GIO's TLS for sg3-rtsp-server --tls-cert).
testing=(valgrind clang clang-format libclang-rt-14-dev gstreamer1.0-x ffmpeg openssl
  liblo-tools chromium parallel slurmctld slurmd slurm-client munge)

pkgs=("${runtime[@]}")
[ "${1:-}" = "--runtime" ] || pkgs+=("${testing[@]}")
# Node and npm for the browser test: Debian's, unless some node is there
# already (NodeSource's nodejs brings its own npm and conflicts with
# Debian's npm package).
if [ "${1:-}" != "--runtime" ] && ! { command -v node && command -v npm; } >/dev/null; then
  pkgs+=(nodejs npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
