# shellcheck shell=bash
# Sourced by the pipeline scripts. Finds the repository, makes the sg3src
# plugin of this checkout visible to GStreamer and offers helpers. Sourcing
# does nothing slow: call sg3_setup to install and build what is missing.
#
#   SG3_BUILD_DIR   build directory (default: <repo>/build)
#   SG3_NO_INSTALL  set: never install packages, only say what is missing
#
# Only sg3_-prefixed names are defined, so scripts keep their own helpers.

SG3_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SG3_BUILD_DIR="${SG3_BUILD_DIR:-$SG3_ROOT/build}"
case ":${GST_PLUGIN_PATH:-}:" in
  *":$SG3_BUILD_DIR/plugin:"*) ;;
  *) export GST_PLUGIN_PATH="$SG3_BUILD_DIR/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}" ;;
esac

sg3_die() { echo "$(basename "$0"): $*" >&2; exit 1; }
sg3_say() { echo "$(basename "$0"): $*" >&2; }

# True where a window can be shown.
# sg3_parse_size OPTION WxH: sets w and h, or dies naming the option.
sg3_parse_size() {
  [[ $2 =~ ^([0-9]+)x([0-9]+)$ ]] || sg3_die "$1 $2: expected WxH"
  w=${BASH_REMATCH[1]} h=${BASH_REMATCH[2]}
}
# sg3_check_fps OPTION N: a whole number of frames per second, or dies.
sg3_check_fps() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || sg3_die "$1 $2: expected frames per second"
}
sg3_have_display() { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; }

# Installs missing Debian packages (tools/install-deps.sh, apt-get; it does
# nothing when all are there), configures the build if needed and builds.
sg3_setup() {
  if [ -z "${SG3_NO_INSTALL:-}" ]; then
    [ -x "$SG3_ROOT/tools/install-deps.sh" ] ||
      sg3_die "tools/install-deps.sh is missing"
    "$SG3_ROOT/tools/install-deps.sh" --runtime ||
      sg3_die "installing the dependencies failed (see above)"
  fi
  local t
  for t in meson ninja gst-launch-1.0 gst-inspect-1.0; do
    command -v "$t" >/dev/null ||
      sg3_die "'$t' is missing: run tools/install-deps.sh"
  done
  if [ ! -f "$SG3_BUILD_DIR/build.ninja" ]; then
    sg3_say "configuring $SG3_BUILD_DIR"
    meson setup "$SG3_BUILD_DIR" "$SG3_ROOT" >/dev/null ||
      sg3_die "meson setup failed"
  fi
  ninja -C "$SG3_BUILD_DIR" >/dev/null ||
    sg3_die "the build failed: run 'ninja -C $SG3_BUILD_DIR' to see why"
  sg3_need sg3src
}

# Fails with a hint unless every named GStreamer element exists.
sg3_need() {
  local e
  for e in "$@"; do
    # (not --exists: it also wants the plugin's version to be at least
    # GStreamer's, which sg3 0.x is not)
    gst-inspect-1.0 "$e" >/dev/null 2>&1 && continue
    if [ "$e" = sg3src ]; then
      sg3_die "no sg3src in $SG3_BUILD_DIR/plugin (build it: ninja -C $SG3_BUILD_DIR)"
    fi
    sg3_die "no GStreamer element '$e' (tools/install-deps.sh installs the plugins)"
  done
}

# Checks that every argument is a PROP=VALUE for sg3src.
sg3_check_props() {
  local p
  for p in "$@"; do
    [[ $p == [a-z]*=* ]] || sg3_die "'$p': sg3src properties are PROP=VALUE"
  done
}

# "WxH" -> caps fields for videoscale, "model" -> nothing (model's size).
sg3_scale() {
  local size=$1
  if [ "$size" = model ]; then
    echo "identity"
  elif [[ $size =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]]; then
    # lanczos: sharp without blocks when a 32x32 model is blown up 16 times
    echo "videoscale method=lanczos ! video/x-raw,width=${BASH_REMATCH[1]},height=${BASH_REMATCH[2]},pixel-aspect-ratio=1/1"
  else
    sg3_die "size '$size': expected WxH or model"
  fi
}
