#!/bin/sh
# The README's library example is a program: extract it, compile it against
# this build's libsg3 with warnings as errors, and run it on the demo model.
#   test_readme_example.sh BUILD_DIR SOURCE_DIR
set -eu
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^## The library/ {in_lib = 1} in_lib && /^```c$/ {code = 1; next}
     code && /^```$/ {exit} code {print}' "$src/README.md" >"$tmp/demo.c"
[ -s "$tmp/demo.c" ] || { echo "FAIL: no C example under '## The library'"; exit 1; }
cc=${CC:-cc}
$cc -std=c11 -Wall -Wextra -Werror -I"$src/include" "$tmp/demo.c" \
  -L"$build/core" -lsg3 -Wl,-rpath,"$build/core" -o "$tmp/demo"
out=$("$tmp/demo" "$src/models/sg3t-fashion32.safetensors")
echo "$out"
case $out in
"stylegan3 32x32, 1 channels: first pixel "*) ;;
*) echo "FAIL: unexpected output"; exit 1 ;;
esac
if "$tmp/demo" /nonexistent.pkl 2>"$tmp/err"; then
  echo "FAIL: a missing file succeeded"; exit 1
fi
grep -q "No such file" "$tmp/err" || { echo "FAIL: $(cat "$tmp/err")"; exit 1; }
echo "1 passed, 0 failed"
