#!/usr/bin/env bash
# Installs bvlive's web assets (share/web/package.json, pinned by share/web/package-lock.json:
# hls.js) into DEST_DIR/node_modules with `npm ci`, from the npm registry.
#   bash share/scripts/install-web.sh DEST_DIR
# Quick when already installed: nothing is done while DEST_DIR holds the same lock file and
# the hls.js version it pins. Installs Debian's nodejs and npm when npm is missing (as root).
set -euo pipefail

src=$(cd "$(dirname "$0")/../web" && pwd)
say() { echo "install-web: $*" >&2; }

if [[ $# -ne 1 || -z $1 ]]; then
  say "usage: bash share/scripts/install-web.sh DEST_DIR"
  exit 2
fi
dest=$1

# The hls.js version the lock pins, and the one installed in DEST_DIR ("" when none).
lock_version() {
  sed -n '/"node_modules\/hls.js": {/,/}/s/.*"version": "\([^"]*\)".*/\1/p' "$1" | head -n 1
}
installed_version() {
  local pkg=$dest/node_modules/hls.js/package.json
  [[ -f $pkg ]] || return 0
  sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$pkg" | head -n 1
}

want=$(lock_version "$src/package-lock.json")
if [[ -z $want ]]; then
  say "$src/package-lock.json pins no hls.js version; regenerate it with: (cd share/web && npm install --package-lock-only)"
  exit 1
fi
if [[ $(installed_version) == "$want" && -f $dest/node_modules/hls.js/dist/hls.min.js ]] &&
   cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
  touch "$dest/node_modules/hls.js/dist/hls.min.js"  # up to date for the build system too
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
say "installing hls.js $want into $dest/node_modules (npm ci)"
log=$dest/npm-ci.log
# No scripts: hls.js needs none, and a build should not run code from the registry.
if ! (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  registry=$(npm config get registry 2>/dev/null || echo "the npm registry")
  if grep -qiE 'ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|network|socket hang up|certificate' "$log"; then
    say "cannot reach $registry to download hls.js $want (network or proxy problem); check the connection" \
        "or set a reachable registry (npm config set registry URL), then build again. npm said:"
  else
    say "npm ci failed in $dest; npm said:"
  fi
  sed "s/^/  | /" "$log" | grep -v "npm warn" | head -n 8 >&2
  exit 1
fi
got=$(installed_version)
if [[ $got != "$want" || ! -f $dest/node_modules/hls.js/dist/hls.min.js ]]; then
  say "npm ci finished but $dest/node_modules/hls.js is '${got:-missing}', not $want with dist/hls.min.js"
  exit 1
fi
touch "$dest/node_modules/hls.js/dist/hls.min.js"
