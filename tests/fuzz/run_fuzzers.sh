#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) from the core parser sources they
# need, writes seed corpora (project encoders + an fMP4 file made by ffmpeg), and runs each
# target for FUZZ_SECONDS (default 60). Exits non-zero if a target crashes, leaks, times out
# on an input or fails to build; the crash input and the stack are printed.
#
#   bash tests/fuzz/run_fuzzers.sh SOURCE_DIR WORK_DIR [TARGET...]
#
# Environment: FUZZ_SECONDS (per target), FUZZ_TARGETS (space-separated subset),
# CXX_FUZZ (default clang++). Corpora grow in WORK_DIR/corpus/TARGET across runs.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: run_fuzzers.sh SOURCE_DIR WORK_DIR [TARGET...]" >&2
  exit 2
fi
src=$(cd "$1" && pwd)
work=$2
shift 2
mkdir -p "$work"
work=$(cd "$work" && pwd)
seconds=${FUZZ_SECONDS:-60}
cxx=${CXX_FUZZ:-clang++}
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  read -r -a targets <<< "${FUZZ_TARGETS:-amf0 rtmp_chunk rtmp_session fmp4 remux http_request stun}"
fi

command -v "$cxx" > /dev/null || { echo "run_fuzzers: $cxx not found (apt-get install clang libclang-rt-dev)" >&2; exit 1; }
command -v ffmpeg > /dev/null || { echo "run_fuzzers: ffmpeg not found (apt-get install ffmpeg)" >&2; exit 1; }

rtmp_sources=(amf0 chunk_reader chunk_writer commands control_messages handshake publish_session)
fmp4_sources=(box_builder box_reader fourcc fragment_info init_info segment_cutter stream_splitter codec_string
              init_writer fragment_writer sample_entry)
# Decoder configurations (codec strings read them) and the in-process remuxer.
codec_sources=(aac_config av1_config h264_config hevc_config nal_units vui)
remux_sources=(elementary flv_source fragmenter remuxer timeline track_configs ts_source)
ts_sources=(adts continuity crc32 demuxer keyframe_scan packet packet_sync pat pes_assembler pes_header pmt
            psi_section section_assembler stream_kind timestamp_unwrapper)
# The HTTP parser wraps libhttp_parser (apt-get install libhttp-parser-dev); only its target links them.
http_sources=(byte_range content_type request request_parser response)
# STUN (ICE-lite for WHIP) needs libcrypto for MESSAGE-INTEGRITY's HMAC-SHA1.
stun_sources=(address binding crc32 ice_username integrity message message_builder packet_kind)

flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer -I"$src/core" -I"$src" -I"$src/tests/fuzz")
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)

# Objects are built once per run, with fuzzer coverage instrumentation but no libFuzzer
# main, so the same objects serve the targets and the seed writer.
obj="$work/obj"
mkdir -p "$obj"
compile() {  # compile SOURCE OBJECT
  "$cxx" "${flags[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link -c "$1" -o "$2"
}
# core/util/hex: the fMP4 and codec strings and percent-decoding use it.
compile "$src/core/util/hex.cpp" "$obj/util_hex.o"
objects=("$obj/util_hex.o")
for name in "${rtmp_sources[@]}"; do
  compile "$src/core/protocols/rtmp/$name.cpp" "$obj/rtmp_$name.o"
  objects+=("$obj/rtmp_$name.o")
done
for name in "${fmp4_sources[@]}"; do
  compile "$src/core/media/fmp4/$name.cpp" "$obj/fmp4_$name.o"
  objects+=("$obj/fmp4_$name.o")
done
for name in "${codec_sources[@]}"; do
  compile "$src/core/media/codec/$name.cpp" "$obj/codec_$name.o"
  objects+=("$obj/codec_$name.o")
done
remux_objects=()
for name in "${remux_sources[@]}"; do
  compile "$src/core/media/remux/$name.cpp" "$obj/remux_$name.o"
  remux_objects+=("$obj/remux_$name.o")
done
for name in "${ts_sources[@]}"; do
  compile "$src/core/media/ts/$name.cpp" "$obj/ts_$name.o"
  remux_objects+=("$obj/ts_$name.o")
done
compile "$src/core/media/flv/flv_reader.cpp" "$obj/flv_reader.o"
compile "$src/core/media/ffmpeg/media_info.cpp" "$obj/media_info.o"
remux_objects+=("$obj/flv_reader.o" "$obj/media_info.o")
http_objects=()
for name in "${http_sources[@]}"; do
  compile "$src/core/protocols/http/$name.cpp" "$obj/http_$name.o"
  http_objects+=("$obj/http_$name.o")
done
stun_objects=()
for name in "${stun_sources[@]}"; do
  compile "$src/core/protocols/stun/$name.cpp" "$obj/stun_$name.o"
  stun_objects+=("$obj/stun_$name.o")
done

for target in "${targets[@]}"; do
  extra=()
  [[ $target == http_request ]] && extra=("${http_objects[@]}" -lhttp_parser)
  [[ $target == stun ]] && extra=("${stun_objects[@]}" -lcrypto)
  [[ $target == remux ]] && extra=("${remux_objects[@]}")
  "$cxx" "${flags[@]}" "${sanitize[@]}" -fsanitize=fuzzer "$src/tests/fuzz/fuzz_$target.cpp" \
    "${objects[@]}" "${extra[@]}" -o "$work/fuzz_$target"
done
"$cxx" "${flags[@]}" "${sanitize[@]}" -fsanitize=fuzzer-no-link "$src/tests/fuzz/make_seeds.cpp" \
  "${objects[@]}" -o "$work/make_seeds"

# Seeds: a short, small fMP4 stream with several fragments, as the packager writes it.
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

# Stacks for UBSan reports too; a report is a failure, not a warning.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

declare -A max_len=([amf0]=4096 [rtmp_chunk]=16384 [rtmp_session]=16384 [fmp4]=65536 [remux]=262144 [http_request]=8192 [stun]=2048)
status=0
for target in "${targets[@]}"; do
  corpus="$work/corpus/$target"
  artifacts="$work/artifacts/$target"
  rm -rf "$artifacts"  # only this run's findings are reported
  mkdir -p "$corpus" "$artifacts" "$seeds/$target"
  log="$work/fuzz_$target.log"
  echo "== fuzz_$target: ${seconds}s, seeds in $seeds/$target, corpus $corpus"
  # -rss_limit_mb bounds memory per input (a parser allocating for a hostile length
  # shows up as an OOM crash); leaks are reported by LeakSanitizer at exit.
  if "$work/fuzz_$target" "$corpus" "$seeds/$target" -max_total_time="$seconds" \
      -max_len="${max_len[$target]:-8192}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" > "$log" 2>&1; then
    grep -E '^#[0-9]+ *DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb' "$log" || true
  else
    status=1
    echo "!! fuzz_$target FAILED; log: $log"
    grep -E -A60 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|==[0-9]+==.*deadly signal' "$log" | head -120 || tail -60 "$log"
    for input in "$artifacts"/*; do
      [[ -e $input ]] || continue
      echo "crash input: $input (replay: $work/fuzz_$target $input)"
      od -A d -t x1 "$input" | head -20
    done
  fi
done
exit $status
