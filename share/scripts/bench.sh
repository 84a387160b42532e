#!/usr/bin/env bash
# Builds a Release tree (build-bench/) and runs every benchmark under tests/bench
# (tests/bench/*/bench_*.cpp), passing the arguments through, e.g.
#   share/scripts/bench.sh --quick                 every benchmark, smoke-sized
#   share/scripts/bench.sh --only bench_control --lives 10000 --iterations 300
#   share/scripts/bench.sh --only bench_ingest --counts 1,50,200,500 --seconds 30
#   share/scripts/bench.sh --only bench_ingest --counts 1,50,100,200 --seconds 30 --source 720p
# Without --only, pass only the options every benchmark knows (--quick, --keep, --dir DIR).
# Benchmarks print figures (against the targets in docs/ARCHITECTURE.md#benchmarks, or
# nginx-rtmp for bench_ingest) and exit 0 whatever the timings; a non-zero exit means
# something broke (a daemon did not start, a call failed, a stream produced no segment).
set -euo pipefail
cd "$(dirname "$0")/../.."

only=
if [[ ${1-} == --only ]]; then
  [[ -n ${2-} ]] || { echo "bench.sh: --only needs a benchmark name (e.g. bench_ingest)" >&2; exit 2; }
  only=$2
  shift 2
fi

names=()
for src in tests/bench/*/bench_*.cpp; do
  [[ -e $src ]] || continue
  name=$(basename "$src" .cpp)
  [[ -z $only || $name == "$only" ]] && names+=("$name")
done
if ((${#names[@]} == 0)); then
  if [[ -n $only ]]; then
    echo "bench.sh: no benchmark named '$only' under tests/bench" >&2
  else
    echo "bench.sh: no benchmarks under tests/bench" >&2
  fi
  exit 1
fi

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
