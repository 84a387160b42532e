#!/usr/bin/env bash
# Builds bvlive's Debian package: a Release build in build-deb/ (prefix /usr, -DBVLIVE_PACKAGE=ON,
# no tests), then `cpack -G DEB` (cmake/packaging.cmake); prints the path of the .deb, and only
# that, on stdout.
#   bash share/scripts/build-deb.sh           # build-deb/bvlive_VERSION-1_ARCH.deb
#   bash share/scripts/build-deb.sh --test    # then install it on this machine, run it, remove
#                                             # and purge it (tests/package/test_deb.sh; root)
#   apt-get install ./build-deb/bvlive_*.deb  # install it
# Installs the Debian packages the build needs when they are missing (as root, like
# install-deps.sh); hls.js comes from the npm registry at build time (install-web.sh).
# BVLIVE_DEB_BUILD_DIR overrides build-deb.
set -euo pipefail
cd "$(dirname "$0")/../.."

test=0
case $# in
  0) ;;
  1) [[ $1 == --test ]] || { echo "build-deb: usage: bash share/scripts/build-deb.sh [--test]" >&2; exit 2; }
     test=1 ;;
  *) echo "build-deb: usage: bash share/scripts/build-deb.sh [--test]" >&2; exit 2 ;;
esac

packages=(
  g++ cmake ninja-build pkg-config            # toolchain
  libuv1-dev libcli11-dev libtomlplusplus-dev # loop, CLI, config
  nlohmann-json3-dev libsqlite3-dev libssl-dev
  libsrt-openssl-dev libhttp-parser-dev       # SRT ingest, HTTP origin
  libsrtp2-dev libmaxminddb-dev               # WHIP, geo control
  libpugixml-dev libcurl4-openssl-dev         # DRM: CPIX documents, the SPEKE key server
  dpkg-dev file                               # cpack: dpkg-shlibdeps, which reads binaries with file
)
bash share/scripts/apt-install.sh build-deb "${packages[@]}"

build=${BVLIVE_DEB_BUILD_DIR:-build-deb}
# The build's chatter goes to stderr: stdout is the .deb's path.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
  -DBVLIVE_PACKAGE=ON -DBVLIVE_TESTS=OFF >&2
ninja -C "$build" >&2
rm -f "$build"/bvlive_*.deb
if ! (cd "$build" && cpack -G DEB) >"$build/cpack.log" 2>&1; then
  echo "build-deb: cpack failed; $build/cpack.log says:" >&2
  tail -n 20 "$build/cpack.log" >&2
  exit 1
fi
debs=("$build"/bvlive_*.deb)
if [[ ${#debs[@]} -ne 1 || ! -f ${debs[0]} ]]; then
  echo "build-deb: cpack made no single bvlive_*.deb in $build (see $build/cpack.log)" >&2
  exit 1
fi
deb=$(realpath "${debs[0]}")
echo "$deb"

if ((test)); then
  bash tests/package/test_deb.sh "$deb" >&2
fi
