// Real media files for the library, simulive and live-to-VOD tests, made by the real
// ffmpeg, and their duration read back by the real ffprobe.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace bvtest {

// An MP4 of `seconds` of testsrc2 at 25 fps (H.264, one keyframe a second) with, when
// `with_audio`, a 1 kHz sine (AAC); moov first (faststart). Throws with ffmpeg's output on failure.
void make_test_video(const std::string& path, int seconds, const std::string& size = "640x360",
                     bool with_audio = true);
// A one-frame testsrc2 PNG (320x240). Throws with ffmpeg's output on failure.
void make_test_image(const std::string& path);
// format.duration from `ffprobe -show_format` of a file or URL, in seconds; throws with its stderr.
double ffprobe_duration(const std::string& url_or_path, Ms timeout = 30s);
// The md5 of every decoded frame of one stream (`map`: "0:v", "0:a") of a file or URL, in
// order, from `ffmpeg -f framemd5`: equal lists mean the same pictures or sound, frame for
// frame, whatever the container and timestamps. Throws with ffmpeg's output on failure.
std::vector<std::string> frame_md5s(const std::string& url_or_path, const std::string& map, Ms timeout = 60s);
// `ffmpeg -f framemd5` of one stream of fMP4 bytes fed through a pipe: of the decoded frames,
// or with `copy` of the packets as stored; `key` (32 hex digits) decrypts common encryption.
// A pipe because Debian's ffmpeg 5.1 reads every moof of a seekable file up front and then
// decrypts each sample with the encryption info of the last fragment read; through a pipe it
// reads fragment by fragment, as a live player does.
RunResult framemd5_of_bytes(const std::string& bytes, const std::string& map, const std::string& key, bool copy,
                            Ms timeout = 60s);
// The hash of each framemd5 line (its sixth field: side data such as a 'pssh' may follow).
std::vector<std::string> framemd5_hashes(const std::string& framemd5_output);
// How many positions two lists of hashes agree at.
std::size_t count_equal(const std::vector<std::string>& a, const std::vector<std::string>& b);
// Boost.Test checks on ffprobe_streams() output: one H.264 video stream of `width` x `height`
// and one AAC audio stream, as make_test_video() and encoder_argv() make them.
void check_h264_aac(const nlohmann::json& probe, int width, int height);
// Lower-case hex of a byte string.
std::string hex(const std::string& bytes);
// The clear bytes of an AES-128-CBC sealed segment (HLS, with the media sequence number
// `seq` as IV), by the openssl command line, in `dir`; "" (and a failed check) when it fails.
std::string openssl_decrypt(const TempDir& dir, const std::string& sealed, const std::string& key, std::int64_t seq);
// The box type of an MP4 byte string's first box ("styp", "moof", ...).
std::string first_box(const std::string& bytes);
// The duration an HLS media playlist lists: the sum of its #EXTINF durations, in seconds.
double playlist_duration(const std::string& playlist);

}  // namespace bvtest
