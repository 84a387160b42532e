#!/usr/bin/env bash
# The main job on embedded defaults: installs dependencies, builds bvlive, starts
# bvlived (unless one already answers), creates the live "demo", pushes a test
# pattern to it with ffmpeg over RTMP, takes it LIVE and prints where to watch.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash share/scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# web_assets: hls.js from the npm registry into build/web (Debian's nodejs and npm first when
# npm is missing), which bvlived serves as /assets/hls.min.js to its viewer page; without it
# the page falls back to the browser's own HLS, which Firefox lacks and Chromium's cannot
# decrypt (AES-128). tests/quickstart/check_quickstart_player.sh checks this line.
ninja -C build bvlived bvlive web_assets
bvlived=$PWD/build/daemon/bvlived
bvlive=$PWD/build/cli/bvlive
logs=${TMPDIR:-/tmp}

if ! "$bvlive" status >/dev/null 2>&1; then
  "$bvlived" >"$logs/bvlived-quickstart.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do "$bvlive" status >/dev/null 2>&1 && break; sleep 0.1; done
  "$bvlive" status >/dev/null || { echo "bvlived did not start; see $logs/bvlived-quickstart.log" >&2; exit 1; }
  echo "started bvlived (pid $pid, log $logs/bvlived-quickstart.log); stop it with: kill $pid"
fi

field() { "$bvlive" show demo | awk -v k="$1:" '$1 == k { print $2; exit }'; }
# The daemon that answers (maybe one started before, from elsewhere) serves the page's player?
player_library() {
  local url
  url=$(field player_url)
  url=${url%%/watch/*}/assets/hls.min.js
  command -v curl >/dev/null || return 0
  curl -sf -o /dev/null "$url" && return 0
  echo "warning: could not fetch $url, the viewer page's player (hls.js); a bvlived that does not serve it" \
       "wants [http] web_root = \"$PWD/build/web\" (or stop it and run this again)" >&2
}
"$bvlive" show demo >/dev/null 2>&1 || "$bvlive" create --name "Demo channel" --custom-id demo --chat-live dark --polls -q
[[ $(field state) == WAIT_FOR_PREVIEW ]] && "$bvlive" preview demo
[[ $(field state) == PREVIEW || $(field state) == LIVE ]] || {
  echo "the live demo is $(field state); delete it (bvlive delete demo) and run this again" >&2
  exit 1
}

# An encoder: ffmpeg's test pattern and a tone, in real time, as OBS would push it.
rtmp=$(field rtmp_url)
ffmpeg -hide_banner -loglevel error -nostdin -re \
  -f lavfi -i testsrc2=size=1280x720:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 \
  -c:v libx264 -preset veryfast -tune zerolatency -g 60 -b:v 2500k -pix_fmt yuv420p -c:a aac -b:a 128k \
  -f flv "$rtmp" >"$logs/bvlive-quickstart-encoder.log" 2>&1 &
encoder=$!
echo "pushing a test pattern to rtmp (ffmpeg pid $encoder); stop it with: kill $encoder"

for _ in $(seq 150); do "$bvlive" show demo | grep -q "^session: .* LIVE" && break; sleep 0.2; done
[[ $(field state) == PREVIEW ]] && "$bvlive" start demo
echo
"$bvlive" show demo
echo
echo "Watch:   ffplay $(field playback_url)    (or open it in VLC, Safari or any HLS player)"
echo "Player:  $(field player_url)    (the viewer page, with its chat and polls, in a browser)"
player_library
echo "Chat:    build/cli/bvlive chat demo --send 'Hello!'; build/cli/bvlive poll create demo 'Like it?' Yes No"
echo "Preview: $(field preview_url)"
echo "Next:    build/cli/bvlive end demo; build/cli/bvlive --help; man -l man/bvlive.1"
