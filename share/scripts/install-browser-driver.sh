#!/usr/bin/env bash
# Installs the browser driver of bvlive's page tests (tests/browser/package.json, pinned by
# tests/browser/package-lock.json: playwright-core) into DEST_DIR/node_modules with `npm ci`,
# from the npm registry.
#   bash share/scripts/install-browser-driver.sh DEST_DIR
# playwright-core downloads no browser: the tests drive Debian's /usr/bin/chromium (apt-get
# install chromium). Quick when already installed: nothing is done while DEST_DIR holds the
# same lock file and the playwright-core version it pins. Installs Debian's nodejs and npm
# when npm is missing (as root).
set -euo pipefail

src=$(cd "$(dirname "$0")/../../tests/browser" && pwd)
say() { echo "install-browser-driver: $*" >&2; }

if [[ $# -ne 1 || -z $1 ]]; then
  say "usage: bash share/scripts/install-browser-driver.sh DEST_DIR"
  exit 2
fi
dest=$1
marker=$dest/node_modules/playwright-core/index.js  # what the build system waits for

# The playwright-core version the lock pins, and the one installed in DEST_DIR ("" when none).
lock_version() {
  sed -n '/"node_modules\/playwright-core": {/,/}/s/.*"version": "\([^"]*\)".*/\1/p' "$1" | head -n 1
}
installed_version() {
  local pkg=$dest/node_modules/playwright-core/package.json
  [[ -f $pkg ]] || return 0
  sed -n 's/^  "version": "\([^"]*\)".*/\1/p' "$pkg" | head -n 1
}

want=$(lock_version "$src/package-lock.json")
if [[ -z $want ]]; then
  say "$src/package-lock.json pins no playwright-core version; regenerate it with:" \
      "(cd tests/browser && npm install --package-lock-only)"
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
say "installing playwright-core $want into $dest/node_modules (npm ci; no browser download)"
log=$dest/npm-ci.log
# No scripts, and no browser download: the tests use Debian's chromium.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if ! (cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
  registry=$(npm config get registry 2>/dev/null || echo "the npm registry")
  if grep -qiE 'ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|network|socket hang up|certificate' "$log"; then
    say "cannot reach $registry to download playwright-core $want (network or proxy problem); check the" \
        "connection or set a reachable registry (npm config set registry URL), then build again. npm said:"
  else
    say "npm ci failed in $dest; npm said:"
  fi
  sed "s/^/  | /" "$log" | grep -v "npm warn" | head -n 8 >&2
  exit 1
fi
got=$(installed_version)
if [[ $got != "$want" || ! -f $marker ]]; then
  say "npm ci finished but $dest/node_modules/playwright-core is '${got:-missing}', not $want with index.js"
  exit 1
fi
touch "$marker"
if [[ ! -x /usr/bin/chromium ]]; then
  say "warning: /usr/bin/chromium is missing; the browser tests need Debian's chromium (apt-get install chromium)"
fi
