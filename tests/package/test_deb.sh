#!/usr/bin/env bash
# The Debian package, checked and then installed on this machine: its files and control
# fields, the installed binaries, user, config and units, bvlived run as the bvlive user with
# the packaged config (by systemd when it is PID 1, else by hand) serving the packaged
# hls.js, then remove (the conffile stays) and purge.
#   bash tests/package/test_deb.sh [DEB]    DEB: default, one built by share/scripts/build-deb.sh
#   bash share/scripts/build-deb.sh --test  the same, after building
# As root, on a machine where installing packages is fine (a VM or a container): it installs
# and purges the package bvlive, and leaves the bvlive user and group and /var/lib/bvlive
# (which purge keeps). Refuses to run while bvlive is installed, or over an
# /etc/bvlive/bvlived.toml that is not the package's. Not in ctest: building the package
# takes minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { echo "== $*"; }
fail() { echo "test_deb: FAIL: $*" >&2; exit 1; }
ok() { echo "   ok: $*"; }

[[ $(id -u) -eq 0 ]] || fail "run as root: the test installs and purges the package"
pkg_status() { dpkg-query -W -f='${db:Status-Abbrev}' bvlive 2>/dev/null | tr -d ' ' || true; }
case $(pkg_status) in
  "" | un | rc) ;;
  *) fail "the package bvlive is installed ($(pkg_status)): remove it first (apt-get purge bvlive)" ;;
esac
if [[ -e /etc/bvlive/bvlived.toml && $(pkg_status) != rc ]]; then
  fail "/etc/bvlive/bvlived.toml exists and is not the package's: move it away first"
fi

if [[ $# -ge 1 ]]; then
  deb=$(realpath "$1")
else
  deb=$(bash share/scripts/build-deb.sh)
fi
[[ -f $deb ]] || fail "no package $deb"
echo "package: $deb"

tmp=$(mktemp -d /tmp/bvlive-test-deb.XXXXXX)
chmod 0755 "$tmp"
installed=0
daemon_pid=
cleanup() {
  local rc=$?
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    sleep 1
  fi
  if ((installed)); then
    echo "test_deb: purging the package after a failure" >&2
    DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq bvlive >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
  exit $rc
}
trap cleanup EXIT

# ------------------------------------------------------------------------------ contents
step "dpkg-deb -c: the files"
dpkg-deb -c "$deb" >"$tmp/contents"
want=(
  ./usr/sbin/bvlived ./usr/bin/bvlive
  ./usr/share/man/man1/bvlive.1 ./usr/share/man/man5/bvlived.toml.5 ./usr/share/man/man8/bvlived.8
  ./usr/lib/systemd/system/bvlived.service ./usr/lib/systemd/system/bvlived.socket
  ./usr/share/bash-completion/completions/bvlive
  ./etc/bvlive/bvlived.toml
  ./usr/share/bvlive/web/node_modules/hls.js/dist/hls.min.js
  ./usr/share/bvlive/web/node_modules/hls.js/LICENSE
  ./usr/share/bvlive/bvlive-api.json
  ./usr/share/bvlive/examples/bvlived.toml
)
for f in "${want[@]}"; do
  awk '{print $6}' "$tmp/contents" | grep -qxF "$f" || fail "the package has no $f"
done
ok "${#want[@]} files: binaries, man pages, units, completion, config, hls.js, OpenAPI"
awk '{print $2}' "$tmp/contents" | grep -vqx root/root && fail "files not owned by root/root: $(awk '$2 != "root/root"' "$tmp/contents")"
grep -E ' \./usr/local/| \./(home|tmp|work)/' "$tmp/contents" && fail "files outside the package's prefix"
[[ $(grep -cE '^-rwxr-xr-x .* \./usr/s?bin/bvlived?$' "$tmp/contents") == 2 ]] || fail "binaries are not 0755"
ok "owned by root, under /usr and /etc, binaries 0755"

mkdir "$tmp/root"
dpkg-deb -x "$deb" "$tmp/root"
grep -qx 'ExecStart=/usr/sbin/bvlived' "$tmp/root/usr/lib/systemd/system/bvlived.service" ||
  fail "bvlived.service does not run /usr/sbin/bvlived: $(grep ExecStart "$tmp/root/usr/lib/systemd/system/bvlived.service")"
ok "bvlived.service: ExecStart=/usr/sbin/bvlived"
cmp -s share/bvlived.toml "$tmp/root/etc/bvlive/bvlived.toml" || fail "/etc/bvlive/bvlived.toml differs from share/bvlived.toml"
cmp -s share/openapi/bvlive-api.json "$tmp/root/usr/share/bvlive/bvlive-api.json" || fail "bvlive-api.json differs from share/openapi/"
grep -aqF /usr/share/bvlive/web "$tmp/root/usr/sbin/bvlived" || fail "bvlived does not default to /usr/share/bvlive/web"
if grep -aqF "$PWD/" "$tmp/root/usr/sbin/bvlived"; then
  fail "bvlived holds paths of the source tree ($PWD): $(grep -aoF "$PWD/" "$tmp/root/usr/sbin/bvlived" | head -n 3)"
fi
ok "config and OpenAPI document as in share/; bvlived's web root is /usr/share/bvlive/web, no build path"

# ------------------------------------------------------------------------------ control
step "dpkg-deb -I: control fields and scripts"
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == bvlive ]] || fail "Package: $(field Package)"
[[ $(field Architecture) == "$(dpkg --print-architecture)" ]] || fail "Architecture: $(field Architecture)"
version=$(field Version)
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+-[0-9]+$ ]] || fail "Version: $version"
[[ -n $(field Maintainer) && -n $(field Description) ]] || fail "no Maintainer or Description"
depends=$(field Depends)
for d in ffmpeg adduser libc6 libstdc++6 libuv1 libsqlite3-0 libssl3 libsrt1.5-openssl libsrtp2-1 libmaxminddb0; do
  [[ ", $depends," == *", $d"[\ ,]* ]] || fail "Depends lacks $d: $depends"
done
ok "Package bvlive $version $(field Architecture); Depends: $depends"
[[ $(dpkg-deb -I "$deb" conffiles) == /etc/bvlive/bvlived.toml ]] || fail "conffiles: $(dpkg-deb -I "$deb" conffiles)"
ok "conffiles: /etc/bvlive/bvlived.toml"
dpkg-deb -I "$deb" >"$tmp/info"
for s in postinst prerm postrm; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\* +$s +#!/bin/sh" "$tmp/info" || fail "no executable $s: $(cat "$tmp/info")"
  dpkg-deb -I "$deb" "$s" | sh -n || fail "$s: syntax error"
done
ok "postinst, prerm, postrm: executable /bin/sh scripts"

# ------------------------------------------------------------------------------ install
step "apt-get install $deb"
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$tmp/apt.log" 2>&1 ||
  fail "apt-get install failed: $(tail -n 20 "$tmp/apt.log")"
[[ $(pkg_status) == ii ]] || fail "dpkg says $(pkg_status) after the install"
ok "installed ($(grep -c . "$tmp/apt.log") lines of apt output)"
[[ $(command -v bvlive) == /usr/bin/bvlive ]] || fail "bvlive in PATH is $(command -v bvlive)"
[[ $(bvlive --version) == "bvlive ${version%-*}" ]] || fail "bvlive --version: $(bvlive --version)"
[[ $(/usr/sbin/bvlived --version) == "bvlived ${version%-*}" ]] || fail "bvlived --version: $(/usr/sbin/bvlived --version)"
ok "$(bvlive --version), $(/usr/sbin/bvlived --version)"
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd bvlive) || fail "no user bvlive"
((uid < 1000)) || fail "bvlive is not a system user (uid $uid)"
[[ $shell == /usr/sbin/nologin && $home == /var/lib/bvlive ]] || fail "bvlive: home $home, shell $shell"
getent group bvlive >/dev/null || fail "no group bvlive"
[[ $(id -gn bvlive) == bvlive ]] || fail "bvlive's group is $(id -gn bvlive)"
[[ $(stat -c %U:%G /var/lib/bvlive) == bvlive:bvlive ]] || fail "/var/lib/bvlive is $(stat -c %U:%G /var/lib/bvlive)"
ok "system user and group bvlive (uid $uid), /var/lib/bvlive owned by it"
/usr/sbin/bvlived --check-config | grep -qx "/etc/bvlive/bvlived.toml: ok (0 \[\[live\]\] table(s))" ||
  fail "bvlived --check-config: $(/usr/sbin/bvlived --check-config 2>&1)"
ok "bvlived --check-config reads /etc/bvlive/bvlived.toml"
wants=/etc/systemd/system/sockets.target.wants/bvlived.socket
if [[ -d /run/systemd/system ]]; then
  [[ $(systemctl is-enabled bvlived.socket) == enabled ]] || fail "bvlived.socket is $(systemctl is-enabled bvlived.socket)"
  ok "bvlived.socket enabled"
elif [[ -x /usr/bin/deb-systemd-helper ]]; then
  [[ -L $wants ]] || fail "deb-systemd-helper did not enable bvlived.socket ($wants)"
  ok "no systemd running: bvlived.socket enabled for a later boot ($wants), nothing started"
else
  ok "no systemd, no deb-systemd-helper: the postinst did nothing with units"
fi

# ------------------------------------------------------------------------------ run
web=/usr/share/bvlive/web/node_modules/hls.js/dist/hls.min.js
if [[ $(ps -p 1 -o comm=) == systemd ]]; then
  step "systemd is PID 1: bvlived.socket, then bvlive status"
  socket=/run/bvlive/bvlived.sock
  systemctl start bvlived.socket
  systemctl is-active --quiet bvlived.socket || fail "bvlived.socket is not active"
  bvlive --socket "$socket" status >"$tmp/status" || fail "bvlive status: $(cat "$tmp/status")"
  systemctl is-active --quiet bvlived.service || fail "bvlived.service did not start on the socket"
else
  step "no systemd (PID 1 is $(ps -p 1 -o comm=)): /usr/sbin/bvlived as bvlive, by hand"
  socket=$tmp/run/bvlived.sock
  install -d -o bvlive -g bvlive -m 0750 "$tmp/run" "$tmp/state"
  # The packaged config; ports 0 so the test never meets another daemon's.
  # shellcheck disable=SC2016 # $$ and $1 are the inner shell's
  runuser -u bvlive -- sh -c 'echo $$ >"$1/run/pid"; shift; exec "$@"' sh "$tmp" \
    /usr/sbin/bvlived --config /etc/bvlive/bvlived.toml --socket "$socket" --state-dir "$tmp/state" \
    --listen 127.0.0.1 --rtmp-port 0 --srt-port 0 --http-port 0 --api-port 0 --webrtc-port 0 \
    >"$tmp/bvlived.log" 2>&1 &
  for _ in $(seq 100); do
    [[ -S $socket ]] && break
    sleep 0.1
  done
  [[ -S $socket ]] || fail "bvlived made no socket in 10 s: $(cat "$tmp/bvlived.log")"
  daemon_pid=$(cat "$tmp/run/pid")
  bvlive --socket "$socket" status >"$tmp/status" || fail "bvlive status: $(cat "$tmp/status")"
fi
sed 's/^/   | /' "$tmp/status"
pid=$(sed -n 's/^pid: *//p' "$tmp/status")
[[ $(ps -o user= -p "$pid") == bvlive ]] || fail "bvlived (pid $pid) runs as $(ps -o user= -p "$pid")"
grep -q '^config: *\/etc\/bvlive\/bvlived.toml$' "$tmp/status" || fail "the daemon's config is not /etc/bvlive/bvlived.toml"
[[ $(readlink "/proc/$pid/exe") == /usr/sbin/bvlived ]] || fail "the daemon is $(readlink "/proc/$pid/exe")"
ok "/usr/sbin/bvlived runs as bvlive (pid $pid) with /etc/bvlive/bvlived.toml"

step "GET /assets/hls.min.js: the packaged hls.js"
port=$(sed -n 's/^listeners:.*http \([0-9]*\).*/\1/p' "$tmp/status")
[[ -n $port ]] || fail "no HTTP port in bvlive status"
code=$(curl -sS -o "$tmp/hls.min.js" -w '%{http_code}' "http://127.0.0.1:$port/assets/hls.min.js") || fail "curl failed"
[[ $code == 200 ]] || fail "GET /assets/hls.min.js: $code $(head -c 300 "$tmp/hls.min.js")"
cmp -s "$tmp/hls.min.js" "$web" || fail "/assets/hls.min.js is not $web"
ok "200, $(stat -c %s "$tmp/hls.min.js") bytes, the same as $web"

if [[ -n $daemon_pid ]]; then
  kill -TERM "$daemon_pid"
  for _ in $(seq 100); do
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$daemon_pid" 2>/dev/null && fail "bvlived did not stop on SIGTERM within 10 s"
  wait || true
  daemon_pid=
  ok "bvlived stopped on SIGTERM"
fi

# ------------------------------------------------------------------------------ remove, purge
step "apt-get remove bvlive: the conffile stays"
echo "# edited by test_deb.sh" >>/etc/bvlive/bvlived.toml
DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq bvlive >"$tmp/apt.log" 2>&1 ||
  fail "apt-get remove failed: $(tail -n 20 "$tmp/apt.log")"
[[ $(pkg_status) == rc ]] || fail "dpkg says $(pkg_status) after remove, not rc"
for f in /usr/bin/bvlive /usr/sbin/bvlived /usr/lib/systemd/system/bvlived.service /usr/lib/systemd/system/bvlived.socket \
         /usr/share/man/man8/bvlived.8 /usr/share/bvlive/web /usr/share/bvlive/bvlive-api.json; do
  [[ -e $f ]] && fail "$f is still there after remove"
done
ok "binaries, units, man pages, web assets gone"
tail -n 1 /etc/bvlive/bvlived.toml | grep -qx "# edited by test_deb.sh" || fail "/etc/bvlive/bvlived.toml is gone or not the edited one"
ok "/etc/bvlive/bvlived.toml kept, with its edit"
if [[ -x /usr/bin/deb-systemd-helper ]]; then
  [[ $(readlink /etc/systemd/system/bvlived.socket) == /dev/null ]] || fail "bvlived.socket is not masked after remove"
  ok "units masked until purge or a new install (deb-systemd-helper)"
fi
if [[ -d /run/systemd/system ]] && pgrep -u bvlive -x bvlived >/dev/null; then
  fail "a bvlived of user bvlive runs after remove"
fi

step "apt-get install again: the edited config is kept; dpkg -i over the installed package (the upgrade path)"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$tmp/apt.log" 2>&1 ||
  fail "apt-get install after remove failed: $(tail -n 20 "$tmp/apt.log")"
tail -n 1 /etc/bvlive/bvlived.toml | grep -qx "# edited by test_deb.sh" || fail "the reinstall replaced the edited /etc/bvlive/bvlived.toml"
if [[ -x /usr/bin/deb-systemd-helper ]]; then
  [[ -L /etc/systemd/system/bvlived.socket ]] && fail "bvlived.socket still masked after the reinstall"
  [[ -L $wants ]] || fail "bvlived.socket not enabled after the reinstall"
fi
DEBIAN_FRONTEND=noninteractive dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || fail "dpkg -i over the installed package failed: $(tail -n 20 "$tmp/dpkg.log")"
[[ $(pkg_status) == ii && -x /usr/sbin/bvlived ]] || fail "dpkg says $(pkg_status) after dpkg -i"
ok "edited config kept, units unmasked and enabled; installing over itself works"

step "apt-get purge bvlive"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq bvlive >"$tmp/apt.log" 2>&1 ||
  fail "apt-get purge failed: $(tail -n 20 "$tmp/apt.log")"
installed=0
case $(pkg_status) in "" | un) ;; *) fail "dpkg says $(pkg_status) after purge" ;; esac
[[ -e /etc/bvlive/bvlived.toml ]] && fail "/etc/bvlive/bvlived.toml is still there after purge"
[[ -e /etc/bvlive ]] && fail "/etc/bvlive is still there after purge"
getent passwd bvlive >/dev/null || fail "purge removed the user bvlive"
for f in "$wants" /etc/systemd/system/bvlived.socket /etc/systemd/system/bvlived.service; do
  [[ -L $f || -e $f ]] && fail "$f is still there after purge"
done
ok "config, unit links and masks gone; the user bvlive and /var/lib/bvlive kept"
echo "test_deb: PASS ($deb)"
