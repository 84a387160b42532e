// What ffprobe says about a file imported into the media library: video, still image or
// audio, with duration, codecs, picture size and byte size. Pure: builds the ffprobe
// command and parses its JSON; running ffprobe is the caller's job.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace bvlive::library {

struct MediaProbe {
  enum class Kind { Video, Image, Audio };
  Kind kind = Kind::Video;
  double duration_seconds = 0;  // 0 for images
  std::string video_codec;      // "h264", "png"; "" for audio (attached pictures do not count)
  std::string audio_codec;      // "aac"; "" without audio
  int width = 0;
  int height = 0;
  std::int64_t size_bytes = 0;  // format.size
  std::string format_name;      // "mov,mp4,m4a,3gp,3g2,mj2", "png_pipe", ...

  // {"kind": "video"|"image"|"audio", "duration_seconds", "video_codec", "audio_codec",
  //  "width", "height", "size_bytes", "format_name"}
  nlohmann::json to_json() const;
};

std::string_view kind_name(MediaProbe::Kind kind);  // "video", "image", "audio"

// Why a file is refused, in words a person can act on.
struct ProbeError {
  std::string message;
};

// argv for `FFPROBE -v error -print_format json -show_format -show_streams PATH`.
std::vector<std::string> ffprobe_command(const std::string& ffprobe, const std::string& path);

// Reads ffprobe's JSON (exit 0). An image is a single video stream of a still-picture codec
// (png, mjpeg, webp, bmp, gif, tiff) in an image container (image2, *_pipe) or without a
// duration or with one frame; a video has a video stream that is not an image; audio has
// audio streams only, attached pictures (cover art) aside.
std::variant<MediaProbe, ProbeError> parse_ffprobe_json(std::string_view json_text);

// The refusal for a failed ffprobe run: "ffprobe cannot read it: <first stderr line>".
std::string probe_refusal(int ffprobe_exit_code, std::string_view ffprobe_stderr);

}  // namespace bvlive::library
