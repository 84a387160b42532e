#!/usr/bin/env bash
# Builds a Release tree (build-bench/) and runs every benchmark under tests/bench
# (tests/bench/*/bench_*.cpp), passing the arguments through, e.g.
#   share/scripts/bench.sh --quick
#   share/scripts/bench.sh --lives 10000 --iterations 300
# Benchmarks print figures against the SPEC.md §6 targets and exit 0 whatever the
# timings; a non-zero exit means something broke (a daemon did not start, a call failed).
set -euo pipefail
cd "$(dirname "$0")/../.."

names=()
for src in tests/bench/*/bench_*.cpp; do
  [[ -e $src ]] && names+=("$(basename "$src" .cpp)")
done
((${#names[@]})) || { echo "bench.sh: no benchmarks under tests/bench" >&2; exit 1; }

cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# Only what the benchmarks run: the binaries under test and the benchmarks themselves.
ninja -C build-bench bvlived bvlive "${names[@]}"

status=0
for name in "${names[@]}"; do
  echo
  echo "== $name"
  build-bench/tests/bench/"$name" "$@" || status=$?
done
exit "$status"
