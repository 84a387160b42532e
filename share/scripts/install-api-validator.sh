#!/usr/bin/env bash
# Installs what tests/api/check_openapi.mjs needs (tests/api/package.json, pinned by
# tests/api/package-lock.json: @seriousme/openapi-schema-validator, ajv, ajv-formats) into
# DEST_DIR/node_modules with `npm ci`, from the npm registry.
#   bash share/scripts/install-api-validator.sh DEST_DIR
# Quick when already installed; installs Debian's nodejs and npm when npm is missing (as
# root). See npm-install.sh. The version checked is ajv's (npm-install.sh reads unscoped
# names only); any change of the lock file installs again anyway.
set -euo pipefail

here=$(dirname "$0")
if [[ $# -ne 1 || -z $1 ]]; then
  echo "install-api-validator: usage: bash share/scripts/install-api-validator.sh DEST_DIR" >&2
  exit 2
fi
BVLIVE_NPM_INSTALLER=install-api-validator bash "$here/npm-install.sh" "$here/../../tests/api" "$1" ajv dist/2020.js
