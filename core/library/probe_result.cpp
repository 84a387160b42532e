#include "core/library/probe_result.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <optional>

namespace bvlive::library {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 8> kImageCodecs = {"png", "mjpeg", "webp", "bmp",
                                                           "gif", "tiff", "jpegls", "qoi"};

bool is_image_codec(std::string_view codec) {
  return std::find(kImageCodecs.begin(), kImageCodecs.end(), codec) != kImageCodecs.end();
}

// image2 (files named *.jpg, ...) and the *_pipe demuxers (png_pipe, jpeg_pipe, ...) read
// single pictures.
bool is_image_format(std::string_view format) {
  return format == "image2" ||
         (format.size() > 5 && format.substr(format.size() - 5) == "_pipe");
}

std::string string_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

int int_of(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : 0;
}

// ffprobe prints numbers such as duration, size and nb_frames as strings.
std::optional<double> number_of(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_number()) return it->get<double>();
  if (!it->is_string()) return std::nullopt;
  const std::string text = it->get<std::string>();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
  return value;
}

bool is_attached_picture(const json& stream) {
  const auto it = stream.find("disposition");
  return it != stream.end() && it->is_object() && int_of(*it, "attached_pic") == 1;
}

}  // namespace

std::string_view kind_name(MediaProbe::Kind kind) {
  switch (kind) {
    case MediaProbe::Kind::Video: return "video";
    case MediaProbe::Kind::Image: return "image";
    case MediaProbe::Kind::Audio: return "audio";
  }
  return "video";
}

json MediaProbe::to_json() const {
  return json{{"kind", kind_name(kind)},         {"duration_seconds", duration_seconds},
              {"video_codec", video_codec},      {"audio_codec", audio_codec},
              {"width", width},                  {"height", height},
              {"size_bytes", size_bytes},        {"format_name", format_name}};
}

std::vector<std::string> ffprobe_command(const std::string& ffprobe, const std::string& path) {
  return {ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", path};
}

std::variant<MediaProbe, ProbeError> parse_ffprobe_json(std::string_view json_text) {
  json root = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return ProbeError{"ffprobe's output is not JSON: cannot tell what the file is"};
  const json no_streams = json::array();
  const json& streams =
      root.contains("streams") && root["streams"].is_array() ? root["streams"] : no_streams;
  const json& format =
      root.contains("format") && root["format"].is_object() ? root["format"] : json::object();

  const json* video = nullptr;  // first real video stream (not cover art)
  const json* audio = nullptr;
  int video_streams = 0;
  for (const json& s : streams) {
    if (!s.is_object()) continue;
    const std::string type = string_of(s, "codec_type");
    if (type == "video" && !is_attached_picture(s)) {
      ++video_streams;
      if (!video) video = &s;
    } else if (type == "audio" && !audio) {
      audio = &s;
    }
  }
  if (!video && !audio) return ProbeError{"no audio or video stream: not a media file"};

  MediaProbe probe;
  probe.format_name = string_of(format, "format_name");
  probe.size_bytes = static_cast<std::int64_t>(number_of(format, "size").value_or(0));
  const auto duration = number_of(format, "duration");

  if (video) {
    probe.video_codec = string_of(*video, "codec_name");
    probe.width = int_of(*video, "width");
    probe.height = int_of(*video, "height");
    const bool single_picture = video_streams == 1 && !audio;
    const auto frames = number_of(*video, "nb_frames");
    const bool still = is_image_format(probe.format_name) || !duration ||
                       (frames && *frames == 1);
    if (single_picture && still) {
      if (!is_image_codec(probe.video_codec))
        return ProbeError{"unsupported image codec " +
                          (probe.video_codec.empty() ? std::string("(unknown)") : probe.video_codec) +
                          ": use PNG, JPEG, WebP, BMP, GIF or TIFF"};
      probe.kind = MediaProbe::Kind::Image;
      if (probe.width <= 0 || probe.height <= 0)
        return ProbeError{"the image has no picture size: the file may be damaged"};
      return probe;
    }
    probe.kind = MediaProbe::Kind::Video;
  } else {
    probe.kind = MediaProbe::Kind::Audio;
  }
  if (audio) probe.audio_codec = string_of(*audio, "codec_name");
  if (!duration || !(*duration > 0))
    return ProbeError{std::string("the ") + std::string(kind_name(probe.kind)) +
                      " has no duration: the file may be damaged or still being written"};
  probe.duration_seconds = *duration;
  return probe;
}

std::string probe_refusal(int ffprobe_exit_code, std::string_view ffprobe_stderr) {
  // The first non-empty line: ffprobe -v error prints "PATH: Invalid data found when processing input".
  std::string_view line;
  std::string_view rest = ffprobe_stderr;
  while (!rest.empty() && line.empty()) {
    const auto end = rest.find('\n');
    line = rest.substr(0, end);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  }
  if (line.empty())
    return "ffprobe cannot read it: ffprobe exited with status " + std::to_string(ffprobe_exit_code);
  return "ffprobe cannot read it: " + std::string(line);
}

}  // namespace bvlive::library
