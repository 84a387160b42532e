#!/bin/bash
# Self-check of rtmp_publish against a real RTMP peer and the specs (run by hand):
#   tests/tools/selfcheck_rtmp_publish.sh BUILD/tests/tools/rtmp_publish
# Needs ffmpeg/ffprobe (libx264, libx265, libaom-av1), python3, and for the wire checks nginx with
# libnginx-mod-rtmp (nginx-light libnginx-mod-rtmp); without nginx those are skipped.
# Legacy H.264/AAC: published to nginx-rtmp, which records it; ffprobe counts frames and codecs,
# and the recorded tags must equal rtmp_publish's --dump-flv (so the dump is what the wire carried).
# HEVC/AV1: nginx-rtmp cannot read FourCC tags, so the dump is checked against the spec by
# check_flv_dump.py (header bytes, FourCC, config record == input extradata, CTS, NAL/OBU framing).
set -euo pipefail
BIN=$(realpath "${1:?usage: $0 path/to/rtmp_publish}")
HERE=$(cd "$(dirname "$0")" && pwd)
CHECK="python3 $HERE/check_flv_dump.py"
T=$(mktemp -d /tmp/rtmp_publish_check.XXXXXX)
NGINX_PID=
cleanup() { [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
cd "$T"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
ff -f lavfi -i testsrc2=s=640x360:r=30 -f lavfi -i sine -t 4 -c:v libx264 -g 30 -c:a aac h264.mp4
ff -f lavfi -i testsrc2=s=320x240:r=30 -f lavfi -i sine=frequency=880 -t 2 -c:v libx264 -g 30 -c:a aac h264b.mp4
ff -f lavfi -i testsrc2=s=640x360:r=30 -f lavfi -i sine -t 4 -c:v libx265 -x265-params keyint=30:log-level=error -c:a aac hevc.mp4
ff -f lavfi -i testsrc2=s=640x360:r=30 -f lavfi -i sine -t 4 -c:v libaom-av1 -cpu-used 8 -row-mt 1 -g 30 -c:a aac av1.mp4
fail=0
expect() {  # expect RC CMD...: the command exits with RC
  local want=$1; shift
  set +e; "$@" 2> err.log; local rc=$?; set -e
  if [ "$rc" != "$want" ]; then echo "FAIL: exit $rc, wanted $want: $*"; cat err.log; fail=1; fi
}
probe() {  # probe FILE -> "h264:120 aac:174"
  ffprobe -v error -count_packets -show_entries stream=codec_name,nb_read_packets -of csv=p=0 "$1" | tr ',\n' ': ' | sed 's/ $//'
}

# rtmp_publish always publishes (--dump-flv is a copy of what it sends), so everything that
# needs a peer runs against a private nginx-rtmp on a free loopback port.
PORT=
if [ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ] && command -v nginx > /dev/null; then
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p ngx/logs rec
  cat > ngx/nginx.conf <<CONF
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
pid $T/ngx/nginx.pid;
error_log $T/ngx/logs/error.log info;
worker_processes 1;
events { worker_connections 64; }
rtmp { server { listen 127.0.0.1:$PORT; chunk_size 4096;
  application live { live on; record all; record_path $T/rec; record_unique off; } } }
CONF
  as_root=(); [ "$(id -u)" = 0 ] && as_root=(-g "user root;")  # workers must write in $T (mode 700)
  nginx -p "$T/ngx" -c "$T/ngx/nginx.conf" "${as_root[@]}" &
  NGINX_PID=$!
  for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
  U=rtmp://127.0.0.1:$PORT/live

  expect 0 "$BIN" --dump-flv avc.flv h264.mp4 $U/avc
  [ "$(probe rec/avc.flv)" = "h264:120 aac:174" ] || { echo "FAIL: recorded $(probe rec/avc.flv)"; fail=1; }
  ffmpeg -v error -i rec/avc.flv -f null - || fail=1
  $CHECK spec avc.flv h264.mp4 avc || fail=1
  $CHECK same avc.flv rec/avc.flv || fail=1
  # 32-bit wrap a few seconds in, absolute timestamps on every message, small chunks: the
  # extended timestamp field on type 3 continuation chunks.
  expect 0 "$BIN" --dump-flv wrap.flv --loop 2 --fmt0 --chunk-size 128 --timestamp-offset 4294965000 h264.mp4 $U/wrap
  [ "$(probe rec/wrap.flv)" = "h264:240 aac:348" ] || { echo "FAIL: wrap recorded $(probe rec/wrap.flv)"; fail=1; }
  $CHECK same wrap.flv rec/wrap.flv || fail=1
  expect 0 "$BIN" --then h264b.mp4 --end-sequence h264.mp4 $U/then
  [ "$(probe rec/then.flv)" = "h264:180 aac:262" ] || { echo "FAIL: then recorded $(probe rec/then.flv)"; fail=1; }
  # A second publisher on the same name: NetStream.Publish.BadName, exit 1.
  "$BIN" --realtime h264.mp4 $U/dup 2> /dev/null & first=$!
  sleep 1
  expect 1 "$BIN" h264.mp4 $U/dup
  grep -q "NetStream.Publish.BadName" err.log || { echo "FAIL: no BadName"; fail=1; }
  wait $first || { echo "FAIL: first publisher"; fail=1; }
  expect 1 "$BIN" h264.mp4 rtmp://127.0.0.1:$PORT/nosuchapp/x

  expect 0 "$BIN" --dump-flv hevc.flv --end-sequence hevc.mp4 $U/hevc
  $CHECK spec hevc.flv hevc.mp4 hevc --end-sequence || fail=1
  expect 0 "$BIN" --dump-flv hevc12.flv --legacy-hevc hevc.mp4 $U/hevc12
  $CHECK spec hevc12.flv hevc.mp4 hevc-legacy || fail=1
  expect 0 "$BIN" --dump-flv av1.flv --timestamp-offset 4294965000 av1.mp4 $U/av1
  $CHECK spec av1.flv av1.mp4 av1 --timestamp-offset 4294965000 || fail=1
else
  echo "SKIP: nginx with libnginx-mod-rtmp not installed; wire checks skipped"
fi
expect 2 "$BIN" h264.mp4
expect 2 "$BIN" --loop x h264.mp4 rtmp://127.0.0.1:1/a/b
expect 1 "$BIN" h264.mp4 rtmp://127.0.0.1:1/a/b
[ $fail = 0 ] && echo "rtmp_publish self-check: OK" || { echo "rtmp_publish self-check: FAILED"; exit 1; }
