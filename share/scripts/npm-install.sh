#!/usr/bin/env bash
# Installs the npm packages of one of bvlive's package.json folders, pinned by its
# package-lock.json, into DEST_DIR/node_modules with `npm ci`, from the npm registry.
#   bash share/scripts/npm-install.sh SRC_DIR DEST_DIR PACKAGE MARKER
# PACKAGE is the package that matters (its version is checked against the lock) and MARKER
# a file inside it (relative to node_modules/PACKAGE) that the build system waits for.
# Quick when already installed: nothing is done while DEST_DIR holds the same lock file and
# the version it pins. Installs Debian's nodejs and npm when npm is missing (as root).
# Used by install-web.sh (hls.js), install-browser-driver.sh (playwright-core) and
# install-api-validator.sh (ajv and the OpenAPI validator).
set -euo pipefail

me=${BVLIVE_NPM_INSTALLER:-npm-install}
say() { echo "$me: $*" >&2; }

if [[ $# -ne 4 || -z $1 || -z $2 ]]; then
  say "usage: bash share/scripts/npm-install.sh SRC_DIR DEST_DIR PACKAGE MARKER"
  exit 2
fi
src=$(cd "$1" && pwd)
dest=$2
package=$3
marker=$dest/node_modules/$package/$4

# The version of PACKAGE the lock pins, and the one installed in DEST_DIR ("" when none).
lock_version() {
  sed -n "/\"node_modules\/$package\": {/,/}/s/.*\"version\": \"\([^\"]*\)\".*/\1/p" "$1" | head -n 1
}
installed_version() {
  local pkg=$dest/node_modules/$package/package.json
  [[ -f $pkg ]] || return 0
  sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$pkg" | head -n 1
}

want=$(lock_version "$src/package-lock.json")
if [[ -z $want ]]; then
  say "$src/package-lock.json pins no $package version; regenerate it with: (cd $src && npm install --package-lock-only)"
  exit 1
fi
if [[ $(installed_version) == "$want" && -f $marker ]] && cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
  touch "$marker"  # up to date for the build system too
  exit 0
fi

if ! command -v npm >/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    say "npm is missing: install Debian's nodejs and npm packages (apt-get install nodejs npm) as root, then build again"
    exit 1
  fi
  say "installing Debian's nodejs and npm"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
say "installing $package $want into $dest/node_modules (npm ci)"
log=$dest/npm-ci.log
# No install scripts: a build should not run code from the registry, and ours need none.
if ! (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  registry=$(npm config get registry 2>/dev/null || echo "the npm registry")
  if grep -qiE 'ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|network|socket hang up|certificate' "$log"; then
    say "cannot reach $registry to download $package $want (network or proxy problem); check the connection" \
        "or set a reachable registry (npm config set registry URL), then build again. npm said:"
  else
    say "npm ci failed in $dest; npm said:"
  fi
  sed "s/^/  | /" "$log" | grep -v "npm warn" | head -n 8 >&2
  exit 1
fi
got=$(installed_version)
if [[ $got != "$want" || ! -f $marker ]]; then
  say "npm ci finished but $dest/node_modules/$package is '${got:-missing}', not $want with $4"
  exit 1
fi
touch "$marker"
