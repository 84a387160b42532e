#!/usr/bin/env bash
# Installs the browser driver of bvlive's page tests (tests/browser/package.json, pinned by
# tests/browser/package-lock.json: playwright-core, and shaka-player for the DRM page test) into DEST_DIR/node_modules with `npm ci`,
# from the npm registry.
#   bash share/scripts/install-browser-driver.sh DEST_DIR
# playwright-core downloads no browser: the tests drive Debian's /usr/bin/chromium (apt-get
# install chromium). Quick when already installed; installs Debian's nodejs and npm when npm
# is missing (as root). See npm-install.sh.
set -euo pipefail

here=$(dirname "$0")
if [[ $# -ne 1 || -z $1 ]]; then
  echo "install-browser-driver: usage: bash share/scripts/install-browser-driver.sh DEST_DIR" >&2
  exit 2
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1  # no browser download, even if scripts ran
BVLIVE_NPM_INSTALLER=install-browser-driver bash "$here/npm-install.sh" "$here/../../tests/browser" "$1" \
  playwright-core index.js
if [[ ! -x /usr/bin/chromium ]]; then
  echo "install-browser-driver: warning: /usr/bin/chromium is missing; the browser tests need Debian's chromium" \
       "(apt-get install chromium)" >&2
fi
