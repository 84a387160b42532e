#!/usr/bin/env bash
# The main job on embedded defaults: installs dependencies, builds bvlive,
# starts bvlived (unless one already answers), creates the live "demo", takes it
# through preview to LIVE, and prints what it has.
# Media ingest and playback arrive with the media plane; until then the live's
# lifecycle is what this shows.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash share/scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C build bvlived bvlive
bvlived=$PWD/build/daemon/bvlived
bvlive=$PWD/build/cli/bvlive

if ! "$bvlive" status >/dev/null 2>&1; then
  log=${TMPDIR:-/tmp}/bvlived-quickstart.log
  "$bvlived" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do "$bvlive" status >/dev/null 2>&1 && break; sleep 0.1; done
  "$bvlive" status >/dev/null || { echo "bvlived did not start; see $log" >&2; exit 1; }
  echo "started bvlived (pid $pid, log $log); stop it with: kill $pid"
fi

"$bvlive" show demo >/dev/null 2>&1 || "$bvlive" create --name "Demo channel" --custom-id demo -q
state=$("$bvlive" show demo --json | sed -n 's/^ *"state": "\([A-Z_]*\)".*/\1/p' | head -1)
[[ $state == WAIT_FOR_PREVIEW ]] && "$bvlive" preview demo
[[ $state == WAIT_FOR_PREVIEW || $state == PREVIEW ]] && "$bvlive" start demo
echo
"$bvlive" show demo
echo
"$bvlive" events demo
echo
echo "Next: build/cli/bvlive end demo; build/cli/bvlive --help; man -l man/bvlive.1"
echo "(cmake --install build puts bvlive and bvlived on your PATH with their man pages)"
