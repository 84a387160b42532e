#!/usr/bin/env bash
# The long fuzz run: builds every libFuzzer target (tests/fuzz/run_fuzzers.sh: clang, ASan,
# UBSan) and runs each for SECONDS (default 60), then prints per target: executions, exec/s,
# libFuzzer's final cov: and ft:, corpus files and size, crashes.
#   share/scripts/fuzz.sh [--dir DIR] [SECONDS] [TARGET...]
#   share/scripts/fuzz.sh 600 config sdp_offer     two targets, 10 minutes each
# DIR (default build-fuzz/) keeps the objects, the corpora grown run after run (DIR/corpus),
# crash inputs (DIR/artifacts/TARGET), logs and the table (DIR/summary.txt, summary.md).
# The checked-in seeds (tests/fuzz/corpus) are read, never written. Exit status 1 when a
# target crashed, leaked, timed out or did not build. The ctest `fuzz` test runs the short
# version (14 s per target).
set -euo pipefail
cd "$(dirname "$0")/../.."

dir=build-fuzz
if [[ ${1-} == --dir ]]; then
  [[ -n ${2-} ]] || { echo "fuzz.sh: --dir needs a directory" >&2; exit 2; }
  dir=$2
  shift 2
fi
seconds=60
if [[ ${1-} =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
if ((seconds == 0)); then
  echo "fuzz.sh: SECONDS must be at least 1 (libFuzzer reads 0 as no limit)" >&2
  exit 2
fi
exec bash tests/fuzz/run_fuzzers.sh --seconds "$seconds" . "$dir" "$@"
