#!/usr/bin/env bash
# Installs the Debian packages given that are not installed yet, with apt-get (as root).
#   bash share/scripts/apt-install.sh WHO PACKAGE...
# WHO names the caller in messages. Nothing is done when every package is there; without
# root, the missing ones are listed and the script fails.
set -euo pipefail
who=$1
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]})) || exit 0
if [[ $(id -u) -ne 0 ]]; then
  echo "$who: missing packages: ${missing[*]}; run this script as root (sudo)" >&2
  exit 1
fi
echo "$who: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
