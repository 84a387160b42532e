#!/usr/bin/env bash
# The quick start's viewer page has its player: what share/scripts/quickstart.sh builds makes
# bvlived serve /assets/hls.min.js (hls.js, which the page at /watch/ID loads; without it the
# page falls back to the browser's own HLS: none in Firefox, no AES-128 in Chromium's).
#   bash tests/quickstart/check_quickstart_player.sh BUILD [SRC]
# BUILD is a configured and built tree (bvlived, bvlive and web_assets; any build type, the
# checks go by its ninja graph, not by its name), SRC the source tree (default: this script's).
# Two checks, which together say that a fresh quick start serves the player:
#   1. BUILD's bvlived on its embedded defaults (an empty config: no [http] web_root) serves
#      /assets/hls.min.js, byte for byte the file the build made under BUILD/web;
#   2. building the targets of the quick start's `ninja -C build ...` line from scratch runs
#      the build command that makes that file (`ninja -t commands`: whatever BUILD has
#      already built, so a target list that merely happens to work here does not pass).
# Cheap: no build, no network, one daemon on loopback ports the kernel picks, for a second or two.
# Exits 0 when both hold, 1 (saying why) otherwise.
set -euo pipefail

fail() { echo "check_quickstart_player: $*" >&2; exit 1; }
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: bash $0 BUILD [SRC]" >&2; exit 2; }
build=$(cd "$1" && pwd)
src=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
quickstart=$src/share/scripts/quickstart.sh
library=web/node_modules/hls.js/dist/hls.min.js  # in BUILD; the daemon's default web root is BUILD/web
bvlived=$build/daemon/bvlived
bvlive=$build/cli/bvlive
[[ -x $bvlived && -x $bvlive ]] || fail "no bvlived or bvlive in $build: build them first"
[[ -f $build/$library ]] || fail "no $build/$library: build the web_assets target first"

# 1. The daemon serves the build's hls.js.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bvlive-quickstart-check.XXXXXX")
daemon=
cleanup() {
  if [[ -n $daemon ]]; then
    kill "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
: >"$tmp/bvlived.toml"
"$bvlived" --config "$tmp/bvlived.toml" --socket "$tmp/bvlived.sock" --state-dir "$tmp/state" --listen 127.0.0.1 \
  --rtmp-port 0 --srt-port 0 --http-port 0 --api-port 0 --webrtc-port 0 >"$tmp/bvlived.log" 2>&1 &
daemon=$!
status=
for _ in $(seq 100); do
  status=$("$bvlive" --socket "$tmp/bvlived.sock" --json status 2>/dev/null) && break
  kill -0 "$daemon" 2>/dev/null || break
  sleep 0.1
done
[[ -n $status ]] || fail "bvlived did not start; its log:"$'\n'"$(tail -n 20 "$tmp/bvlived.log")"
port=$(sed -n 's/.*"http": *\([0-9][0-9]*\).*/\1/p' <<<"$status" | head -n 1)
[[ -n $port && $port != 0 ]] || fail "no HTTP port in bvlive status: $status"

# GET with bash alone (curl is not among the build dependencies).
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET /assets/hls.min.js HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&3
cat <&3 >"$tmp/reply"
exec 3<&-
head=$(sed -n '1,/^\r$/p' "$tmp/reply")
code=$(head -n 1 <<<"$head" | cut -d ' ' -f 2)
[[ $code == 200 ]] || fail "bvlived on its defaults answers /assets/hls.min.js with:"$'\n'"$(head -c 600 "$tmp/reply")"
size=$(stat -c %s "$build/$library")
tail -c "$size" "$tmp/reply" | cmp -s - "$build/$library" && (($(stat -c %s "$tmp/reply") == ${#head} + 1 + size)) ||
  fail "bvlived's /assets/hls.min.js is not $build/$library"

# 2. The quick start builds that file.
mapfile -t lines < <(grep -E '^ninja -C build( |$)' "$quickstart" || true)
((${#lines[@]} == 1)) || fail "expected one 'ninja -C build TARGETS' line in $quickstart, found ${#lines[@]}"
read -r -a targets <<<"${lines[0]#ninja -C build}"
maker=$(ninja -C "$build" -t commands "$library" | tail -n 1)
[[ -n $maker ]] || fail "ninja knows no command that makes $library in $build"
ninja -C "$build" -t commands "${targets[@]}" | grep -Fxq -- "$maker" ||
  fail "quickstart.sh builds '${targets[*]}', which do not make $library (the player bvlived serves" \
       "to its viewer page), so its page has no hls.js; the command that makes it: $maker"
echo "check_quickstart_player: quickstart.sh builds ${targets[*]}, which make $library; bvlived serves it" \
     "at /assets/hls.min.js"
