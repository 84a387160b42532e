#!/usr/bin/env bash
# Installs what bvlive needs to build and test, from Debian 12's packages.
# Idempotent: only missing packages are installed. Run as root (or with sudo).
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config            # toolchain
  libuv1-dev libcli11-dev libtomlplusplus-dev # loop, CLI, config
  nlohmann-json3-dev libsqlite3-dev libssl-dev
  openssl                                     # the tests decrypt AES-128 segments with it
  libsrt-openssl-dev libhttp-parser-dev       # SRT ingest, HTTP origin
  libsrtp2-dev                                # WHIP: SRTP
  libmaxminddb-dev                            # geo control: country of a viewer
  libpugixml-dev libcurl4-openssl-dev         # DRM: CPIX documents, the SPEKE key server
  ffmpeg                                      # transcoder (spawned), ffprobe in the tests
  libavformat-dev libavcodec-dev libavutil-dev  # the tests' Enhanced RTMP publisher reads files
  fonts-dejavu-core                           # the text of the cover cards ffmpeg draws
  libboost-test-dev                           # unit and integration tests
  clang libclang-rt-14-dev                    # libFuzzer targets
  nginx-light libnginx-mod-rtmp               # the ingest benchmark's comparison
  chromium                                    # the WHIP test publishes from a real browser
  man-db groff-base                           # man -l renders our pages in the tests
  faketime                                    # libfaketime: the clock-step test moves bvlived's wall clock
)

bash "$(dirname "$0")/apt-install.sh" bvlive "${packages[@]}"
