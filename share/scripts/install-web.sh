#!/usr/bin/env bash
# Installs bvlive's web assets (share/web/package.json, pinned by share/web/package-lock.json:
# hls.js, served to browsers by the daemon) into DEST_DIR/node_modules with `npm ci`, from the
# npm registry.
#   bash share/scripts/install-web.sh DEST_DIR
# Quick when already installed; installs Debian's nodejs and npm when npm is missing (as
# root). See npm-install.sh.
set -euo pipefail

here=$(dirname "$0")
if [[ $# -ne 1 || -z $1 ]]; then
  echo "install-web: usage: bash share/scripts/install-web.sh DEST_DIR" >&2
  exit 2
fi
BVLIVE_NPM_INSTALLER=install-web exec bash "$here/npm-install.sh" "$here/../web" "$1" hls.js dist/hls.min.js
