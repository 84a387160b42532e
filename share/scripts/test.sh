#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-test/), and runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash share/scripts/install-deps.sh
cmake -S . -B build-test -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBVLIVE_SANITIZE=ON >/dev/null
ninja -C build-test
cd build-test
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --output-on-failure -j"$(nproc)" "$@"
