#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) from the core parser sources they
# need, writes seed corpora (project encoders + media made by ffmpeg; the checked-in seeds
# of tests/fuzz/corpus/TARGET are used as they are), and runs each target for SECONDS
# (default 60). Prints per target: executions, exec/s, libFuzzer's final cov: and
# ft:, corpus files and size, crashes (also in WORK_DIR/summary.md). Exits non-zero if a
# target crashes, leaks, times out on an input or fails to build; the crash input and the
# stack are printed, and the input is kept in WORK_DIR/artifacts/TARGET.
#
#   bash tests/fuzz/run_fuzzers.sh [--build-only] [--seconds N] SOURCE_DIR WORK_DIR [TARGET...]
#
# --build-only: build the targets and stop (ninja's `fuzzers` target; the ctest `fuzz` test
# then finds them built and only runs them).
#
# Environment: FUZZ_SECONDS (per target, when --seconds is not given), FUZZ_TARGETS
# (space-separated subset), CXX_FUZZ (default clang++), FUZZ_JOBS (parallel compiles,
# default nproc). Corpora grow in WORK_DIR/corpus/TARGET across runs; objects are rebuilt
# only when a source or a header they include changed. The ctest `fuzz` test runs the short
# version; share/scripts/fuzz.sh runs the long one.
#
# Each target links the core sources it needs, listed explicitly below: a target that
# reaches into more of core must list them too (CI builds exactly these lists).
set -euo pipefail

seconds=${FUZZ_SECONDS:-60}
build_only=0
if [[ ${1-} == --build-only ]]; then
  build_only=1  # the build (ninja's `fuzzers` target) makes the binaries; ctest only runs them
  shift
fi
if [[ ${1-} == --seconds ]]; then
  [[ ${2-} =~ ^[0-9]+$ ]] || { echo "run_fuzzers: --seconds needs a whole number of seconds" >&2; exit 2; }
  seconds=$2
  shift 2
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "run_fuzzers: seconds must be a whole number from 1 (libFuzzer reads 0 as no limit)" >&2
  exit 2
fi
if [[ $# -lt 2 ]]; then
  echo "usage: run_fuzzers.sh [--build-only] [--seconds N] SOURCE_DIR WORK_DIR [TARGET...]" >&2
  exit 2
fi
src=$(cd "$1" && pwd)
work=$2
shift 2
mkdir -p "$work"
work=$(cd "$work" && pwd)
cxx=${CXX_FUZZ:-clang++}
jobs=${FUZZ_JOBS:-$(nproc)}
all_targets="amf0 rtmp_chunk rtmp_session fmp4 remux http_request stun srt_stream_id sdp_offer config jsonrpc flv ts"
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  read -r -a targets <<< "${FUZZ_TARGETS:-$all_targets}"
fi
for target in "${targets[@]}"; do
  [[ " $all_targets " == *" $target "* ]] || { echo "run_fuzzers: no target '$target' (targets: $all_targets)" >&2; exit 2; }
done

command -v "$cxx" > /dev/null || { echo "run_fuzzers: $cxx not found (apt-get install clang libclang-rt-dev)" >&2; exit 1; }
command -v ffmpeg > /dev/null || { echo "run_fuzzers: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }

# ---- core sources per group (paths under core/, without .cpp) ----

base_sources=(util/hex)
for name in amf0 chunk_reader chunk_writer commands control_messages handshake publish_session; do
  base_sources+=("protocols/rtmp/$name")
done
for name in box_builder box_reader fourcc fragment_info init_info segment_cutter stream_splitter codec_string \
            init_writer fragment_writer sample_entry; do
  base_sources+=("media/fmp4/$name")
done
# Decoder configurations (codec strings read them).
for name in aac_config av1_config h264_config hevc_config nal_units vui; do
  base_sources+=("media/codec/$name")
done
# The in-process remuxer and its two readers: FLV (RTMP) and the MPEG-TS demuxer (SRT).
remux_sources=(media/flv/flv_reader media/ffmpeg/media_info)
for name in elementary flv_source fragmenter remuxer timeline track_configs ts_source; do
  remux_sources+=("media/remux/$name")
done
for name in adts continuity crc32 demuxer keyframe_scan packet packet_sync pat pes_assembler pes_header pmt \
            psi_section section_assembler stream_kind timestamp_unwrapper; do
  remux_sources+=("media/ts/$name")
done
# The HTTP parser wraps libhttp_parser (apt-get install libhttp-parser-dev); only its target links it.
http_sources=()
for name in byte_range content_type request request_parser response; do http_sources+=("protocols/http/$name"); done
# STUN (ICE-lite for WHIP) needs libcrypto for MESSAGE-INTEGRITY's HMAC-SHA1.
stun_sources=()
for name in address binding crc32 ice_username integrity message message_builder packet_kind; do
  stun_sources+=("protocols/stun/$name")
done
srt_sources=(protocols/srt/stream_id)
sdp_sources=(protocols/sdp/offer protocols/sdp/codec_selection protocols/sdp/answer protocols/sdp/ffmpeg_sdp)
rpc_sources=(rpc/jsonrpc rpc/error)
# bvlived.toml: the loader, Settings, [[live]] tables as create bodies (live/), and what the
# loader's readers call (durations, byte sizes, the ladder, client addresses, the geo DB).
# toml++ is linked as the daemon links it: the shared library (libtomlplusplus-dev).
config_sources=(config/config_loader config/settings config/live_decl_spec live/json_reader live/live_spec_json
                live/live_validate live/enums rpc/error util/time util/byte_size media/ladder/rendition_plan
                security/client_address security/geo_database)
toml_flags=(-DTOML_HEADER_ONLY=0 -DTOML_SHARED_LIB=1)

# Which groups and libraries each target links (every target also links the base group).
declare -A target_groups=([http_request]=http [stun]=stun [remux]=remux [flv]=remux [ts]=remux
                          [srt_stream_id]=srt [sdp_offer]=sdp [jsonrpc]=rpc [config]=config)
declare -A target_libs=([http_request]=-lhttp_parser [stun]=-lcrypto [config]="-ltomlplusplus -lmaxminddb")
# Longest input per target: a parser allocating for a hostile length shows up as an OOM.
# ts stays under 64 KiB: the demuxer's "no sync in the first 64 KiB" is checked per feed.
declare -A max_len=([amf0]=4096 [rtmp_chunk]=16384 [rtmp_session]=16384 [fmp4]=65536 [remux]=262144
                    [http_request]=8192 [stun]=2048 [srt_stream_id]=1024 [sdp_offer]=16384 [config]=32768
                    [jsonrpc]=8192 [flv]=65536 [ts]=60000)

flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer -I"$src/core" -I"$src" -I"$src/tests/fuzz")
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

# ---- objects: built once, with fuzzer coverage but no libFuzzer main, so the same objects
# serve the targets and the seed writer; rebuilt when the source or a header changed ----

obj="$work/obj"
mkdir -p "$obj"
stamp="$("$cxx" --version | sed -n 1p) ${flags[*]} ${sanitize[*]} ${toml_flags[*]}"
if [[ ! -f $obj/flags || $(cat "$obj/flags") != "$stamp" ]]; then
  rm -f "$obj"/*.o "$obj"/*.d
  printf '%s' "$stamp" > "$obj/flags"
fi

up_to_date() {  # up_to_date OBJECT: it exists and is newer than everything it was built from
  [[ -f $1 && -f $1.d ]] || return 1
  local dep
  for dep in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$1.d"); do
    [[ -e $dep && ! $dep -nt $1 ]] || return 1
  done
}

# config_loader.cpp captures structured bindings in lambdas (C++20, P1091), which clang
# before 16 rejects ("reference to local binding ... declared in enclosing function").
# With such a clang the file is compiled from a copy whose `for (auto&& [k, v] : range) {`
# loops bind the same references by name instead (same lines, so stacks still point at
# core/config/config_loader.cpp); with a newer clang, the file itself.
clang14_copy() {  # clang14_copy SOURCE COPY
  { printf '#line 1 "%s"\n' "$1"
    sed -E 's/for \(auto&& \[([a-z_]+), ([a-z_]+)\] : (.+)\) \{$/for (auto\&\& \1_\2_ : \3) { auto\&\& \1 = \1_\2_.first; auto\&\& \2 = \1_\2_.second;/' "$1"
  } > "$2"
}

compile_one() {  # compile_one SOURCE OBJECT [FLAG...]
  local source=$1 object=$2
  shift 2
  up_to_date "$object" && return 0
  local log="$object.log"
  if "$cxx" "${flags[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link "$@" -MMD -MF "$object.d" \
      -c "$source" -o "$object" 2> "$log"; then
    cat "$log" >&2
    return 0
  fi
  if grep -q 'reference to local binding' "$log"; then
    local copy="${object%.o}.clang14.cpp"
    clang14_copy "$source" "$copy"
    if "$cxx" "${flags[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link "$@" -MMD -MF "$object.d" \
        -c "$copy" -o "$object" 2> "$log"; then
      echo "run_fuzzers: ${source#"$src"/}: built from $copy ($cxx rejects lambdas capturing structured bindings)" >&2
      echo "$copy: $source" >> "$object.d"
      return 0
    fi
  fi
  echo "!! run_fuzzers: cannot compile ${source#"$src"/}" >&2
  cat "$log" >&2
  return 1
}

# A small job pool: at most $jobs commands at a time; a failure is remembered, not fatal,
# so that every error of the build is printed.
running=0
build_failed=0
spawn() {  # spawn COMMAND...
  "$@" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || build_failed=1
    running=$((running - 1))
  fi
}
drain() {
  while ((running > 0)); do
    wait -n || build_failed=1
    running=$((running - 1))
  done
  if ((build_failed)); then
    echo "!! run_fuzzers: the fuzz build failed (see above; a core source missing from a list in run_fuzzers.sh?)" >&2
    exit 1
  fi
}

# Objects of the groups the chosen targets need; each source is compiled once.
declare -a base_objects=() remux_objects=() http_objects=() stun_objects=() srt_objects=() sdp_objects=() \
  rpc_objects=() config_objects=()
declare -A spawned=()
groups=(base)
for target in "${targets[@]}"; do
  group=${target_groups[$target]-}
  [[ -n $group && " ${groups[*]} " != *" $group "* ]] && groups+=("$group")
done
for group in "${groups[@]}"; do
  declare -n sources="${group}_sources" objects="${group}_objects"
  extra=()
  [[ $group == config ]] && extra=("${toml_flags[@]}")
  for name in "${sources[@]}"; do
    object="$obj/${name//\//_}.o"
    objects+=("$object")
    [[ -n ${spawned[$object]-} ]] && continue
    spawned[$object]=1
    spawn compile_one "$src/core/$name.cpp" "$object" "${extra[@]}"
  done
  unset -n sources objects
done
# The targets' own sources and the seed writer.
for target in "${targets[@]}"; do
  extra=()
  [[ $target == config ]] && extra=("${toml_flags[@]}")
  spawn compile_one "$src/tests/fuzz/fuzz_$target.cpp" "$obj/fuzz_$target.o" "${extra[@]}"
done
spawn compile_one "$src/tests/fuzz/make_seeds.cpp" "$obj/make_seeds.o"
drain

link() {  # link OUTPUT OBJECT... [LIBRARY...]
  local output=$1
  shift
  if [[ -f $output ]]; then  # up to date: newer than every object it is made of
    local input newer=0
    for input in "$@"; do [[ $input == *.o && $input -nt $output ]] && newer=1; done
    ((newer)) || return 0
  fi
  "$cxx" "${sanitize[@]}" "$@" -o "$output" ||
    { echo "!! run_fuzzers: cannot link $output (a core source it needs is missing from its list?)" >&2; return 1; }
}
for target in "${targets[@]}"; do
  extra=()
  group=${target_groups[$target]-}
  if [[ -n $group ]]; then
    declare -n group_objects="${group}_objects"
    extra=("${group_objects[@]}")
    unset -n group_objects
  fi
  read -r -a libs <<< "${target_libs[$target]-}"
  spawn link "$work/fuzz_$target" -fsanitize=fuzzer "$obj/fuzz_$target.o" "${base_objects[@]}" "${extra[@]}" "${libs[@]}"
done
spawn link "$work/make_seeds" -fsanitize=fuzzer-no-link "$obj/make_seeds.o" "${base_objects[@]}"
drain
((build_only)) && exit 0

# ---- seeds ----

# Made here: a short, small fMP4 stream with several fragments, as the packager writes it;
# RTMP and AMF0 from the project's encoders; HTTP requests; STUN test vectors.
seeds="$work/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"/{amf0,rtmp_chunk,rtmp_session,fmp4,remux,http_request,stun}
# HTTP seeds: the first byte picks the feed split (0 = whole), then what players send.
printf '\x00GET /live/abc/index.m3u8?token=pt_x HTTP/1.1\r\nHost: a\r\n\r\n' > "$seeds/http_request/get"
printf '\x07GET /live/abc/s1/seg_1.m4s HTTP/1.1\r\nHost: a\r\nRange: bytes=100-\r\n\r\nHEAD /healthz HTTP/1.0\r\n\r\n' \
  > "$seeds/http_request/pipelined"
printf '\x03POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nRange: bytes=-500\r\n\r\nhelloGET /%%2e%%2e/x HTTP/1.1\r\n\r\n' \
  > "$seeds/http_request/body"
printf '\x01POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n' > "$seeds/http_request/chunked"
# STUN seeds: the RFC 5769 sample request and IPv4 response (no split byte: one datagram).
hex_seed() {  # hex_seed FILE HEX
  printf "$(sed 's/../\\x&/g' <<< "$2")" > "$1"
}
hex_seed "$seeds/stun/rfc5769_request" \
  000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c\
69656e74002400046e0001ff80290008932ff9b151263b36000600096576746a3a683676\
59202020000800149aeaa70cbfd8cb56781ef2b5b2d3f249c1b571a280280004e57a3bcf
hex_seed "$seeds/stun/rfc5769_response_v4" \
  0101003c2112a442b7e7a701bc34d686fa87dfae8022000b7465737420766563746f7220\
002000080001a147e112a643000800142b91f599fd9e90c38c7489f92af9ba53f06be7d780280004c07d4c96
ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=160x90:rate=25 -f lavfi -i sine \
  -t 1 -c:v libx264 -g 5 -c:a aac -b:a 32k -f mp4 \
  -movflags +frag_keyframe+empty_moov+default_base_moof "$work/seed.mp4"
"$work/make_seeds" "$seeds" "$work/seed.mp4"
# Remux seeds: a real FLV and MPEG-TS with B-frames, behind the split and container bytes.
for format in flv mpegts; do
  ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=160x90:rate=25 -f lavfi -i sine \
    -t 1 -c:v libx264 -bf 2 -g 10 -c:a aac -b:a 32k -f $format "$work/seed.$format"
done
{ printf '\x00\x00'; cat "$work/seed.flv"; } > "$seeds/remux/flv_whole"
{ printf '\x07\x00'; cat "$work/seed.flv"; } > "$seeds/remux/flv_split"
{ printf '\x00\x01'; cat "$work/seed.mpegts"; } > "$seeds/remux/ts_whole"
{ printf '\x05\x01'; cat "$work/seed.mpegts"; } > "$seeds/remux/ts_split"

# ---- runs ----

# Stacks for UBSan reports too; a report is a failure, not a warning.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Empty when the log has no such line (a crash on a seed stops before any status line).
stat_of() {  # stat_of LOG NAME: a value of libFuzzer's -print_final_stats block
  sed -n "s/^stat::$2: *//p" "$1" | tail -1
}
final_of() {  # final_of LOG FIELD: cov/ft from the last status line (DONE, or the last before a crash)
  { grep -E "^#[0-9]+.* $2: " "$1" || true; } | tail -1 | sed -E "s/.* $2: ([^ ]+).*/\1/"
}

rows=()
status=0
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  rm -rf "$artifacts"  # only this run's findings are reported
  mkdir -p "$corpus" "$artifacts" "$seeds/$target"
  dirs=("$corpus" "$seeds/$target")
  [[ -d $src/tests/fuzz/corpus/$target ]] && dirs+=("$src/tests/fuzz/corpus/$target")
  log="$work/fuzz_$target.log"
  echo "== fuzz_$target: ${seconds}s, corpus $corpus (seeds: ${dirs[*]:1})"
  # -rss_limit_mb bounds memory per input (a parser allocating for a hostile length
  # shows up as an OOM crash); leaks are reported by LeakSanitizer at exit.
  if "$work/fuzz_$target" "${dirs[@]}" -max_total_time="$seconds" \
      -max_len="${max_len[$target]:-8192}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" > "$log" 2>&1; then
    result=ok
  else
    status=1
    result=FAILED
    echo "!! fuzz_$target FAILED; log: $log"
    grep -E -A60 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|==[0-9]+==.*deadly signal|property failed|^terminate called|^  what\(\):' "$log" | head -120 || tail -60 "$log"
    for input in "$artifacts"/*; do
      [[ -e $input ]] || continue
      echo "crash input: $input (replay: $work/fuzz_$target $input)"
      od -A d -t x1 "$input" | head -20 || true  # head may close the pipe early
    done
  fi
  crashes=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{ n += $1 } END { print n + 0 }')
  row=("$target" "$seconds" "$(stat_of "$log" number_of_executed_units)" "$(stat_of "$log" average_exec_per_sec)"
       "$(final_of "$log" cov)" "$(final_of "$log" ft)" "$files" "$((bytes / 1024))" "$crashes" "$result")
  for i in "${!row[@]}"; do [[ -n ${row[$i]} ]] || row[i]=-; done
  rows+=("${row[*]}")
  printf '   %s executions, %s exec/s, cov %s, ft %s, corpus %s files (%s KiB), %s crash(es)\n' "${row[@]:2:7}"
done

# ---- summary ----

header=(target seconds executions exec/s cov ft corpus_files corpus_KiB crashes result)
{
  printf '%-14s %7s %11s %8s %6s %7s %12s %10s %7s %s\n' "${header[@]}"
  for r in "${rows[@]}"; do
    read -r -a f <<< "$r"
    printf '%-14s %7s %11s %8s %6s %7s %12s %10s %7s %s\n' "${f[@]}"
  done
} | tee "$work/summary.txt"
{
  echo "| target | seconds | executions | exec/s | cov | ft | corpus files | corpus KiB | crashes |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
  for r in "${rows[@]}"; do
    read -r -a f <<< "$r"
    echo "| ${f[0]} | ${f[1]} | ${f[2]} | ${f[3]} | ${f[4]} | ${f[5]} | ${f[6]} | ${f[7]} | ${f[8]} |"
  done
} > "$work/summary.md"
echo "(also in $work/summary.txt and summary.md)"
exit $status
