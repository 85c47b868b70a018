#!/bin/sh
# Fails when docs/plugins/gst_plugins_cache.json is not what the built plugin
# says (as GStreamer's CI checks its modules' caches), showing the difference.
#   check-plugins-cache.sh GST-PLUGIN-CACHE PLUGIN.so CACHE.json
set -eu
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$1" "$2" "$tmp"
if ! diff -u "$3" "$tmp"; then
  echo "the plugin documentation cache is out of date: run" \
    "'ninja -C build update-plugins-cache' and commit $3" >&2
  exit 1
fi
echo "1 passed, 0 failed"
