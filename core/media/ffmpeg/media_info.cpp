#include "core/media/ffmpeg/media_info.hpp"

#include <charconv>
#include <optional>
#include <vector>

namespace bvlive::ffmpeg {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Splits at commas outside (), [] and {}: "yuv420p(tv, bt709)" stays one part.
std::vector<std::string_view> split_top_level(std::string_view s) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    else if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    else if (c == ',' && depth == 0) {
      parts.push_back(trim(s.substr(begin, i - begin)));
      begin = i + 1;
    }
  }
  parts.push_back(trim(s.substr(begin)));
  return parts;
}

std::optional<double> number(std::string_view s) {
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end == s.data()) return std::nullopt;
  std::string_view rest = s.substr(static_cast<std::size_t>(end - s.data()));
  if (rest == "k") value *= 1000;
  else if (!rest.empty()) return std::nullopt;
  return value;
}

// "25 fps" with unit "fps" -> 25.
std::optional<double> value_with_unit(std::string_view part, std::string_view unit) {
  if (!ends_with(part, unit) || part.size() <= unit.size() + 1) return std::nullopt;
  std::string_view head = part.substr(0, part.size() - unit.size());
  if (head.back() != ' ') return std::nullopt;
  return number(trim(head));
}

// "640x360 [SAR 1:1 DAR 16:9]" -> 640, 360.
bool picture_size(std::string_view part, int& width, int& height) {
  const auto x = part.find('x');
  if (x == std::string_view::npos || x == 0) return false;
  int w = 0, h = 0;
  const auto* first = part.data();
  auto [end_w, ec_w] = std::from_chars(first, first + x, w);
  if (ec_w != std::errc{} || end_w != first + x) return false;
  const auto* rest = first + x + 1;
  auto [end_h, ec_h] = std::from_chars(rest, part.data() + part.size(), h);
  if (ec_h != std::errc{} || end_h == rest) return false;
  if (end_h != part.data() + part.size() && *end_h != ' ') return false;
  if (w <= 0 || h <= 0) return false;
  width = w;
  height = h;
  return true;
}

// "h264 (High) (avc1 / 0x31637661)" -> "h264".
std::string codec_name(std::string_view part) {
  const auto space = part.find(' ');
  return std::string(space == std::string_view::npos ? part : part.substr(0, space));
}

void read_video(std::string_view desc, MediaInfo& info) {
  const auto parts = split_top_level(desc);
  info.video_codec = codec_name(parts.front());
  std::optional<double> fps, tbr;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (ends_with(part, " (default)")) part.remove_suffix(10);
    if (info.width == 0) picture_size(part, info.width, info.height);
    if (auto v = value_with_unit(part, "fps")) fps = v;
    else if (auto t = value_with_unit(part, "tbr")) tbr = t;
    else if (auto b = value_with_unit(part, "kb/s")) info.video_bitrate_kbps = static_cast<std::int64_t>(*b);
  }
  // ffmpeg prints its stream's time base as the rate when it could not estimate one (an
  // RTP source: "90k tbr"): that is a clock, not frames, and is left unknown.
  constexpr double kHighestFrameRate = 1000;
  const double rate = fps ? *fps : tbr.value_or(0);
  info.frame_rate = rate <= kHighestFrameRate ? rate : 0;
}

void read_audio(std::string_view desc, MediaInfo& info) {
  const auto parts = split_top_level(desc);
  info.audio_codec = codec_name(parts.front());
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (ends_with(part, " (default)")) part.remove_suffix(10);
    if (auto hz = value_with_unit(part, "Hz")) info.sample_rate = static_cast<int>(*hz);
    else if (auto b = value_with_unit(part, "kb/s")) info.audio_bitrate_kbps = static_cast<std::int64_t>(*b);
    else if (info.channels == 0) info.channels = channels_of_layout(part);
  }
}

}  // namespace

int channels_of_layout(std::string_view layout) {
  if (auto n = value_with_unit(layout, "channels")) return static_cast<int>(*n);
  // "5.1(side)" counts as "5.1"
  if (const auto paren = layout.find('('); paren != std::string_view::npos) layout = layout.substr(0, paren);
  struct Named { std::string_view name; int channels; };
  static constexpr Named kNamed[] = {
      {"mono", 1}, {"stereo", 2}, {"downmix", 2}, {"2.1", 3}, {"3.0", 3}, {"quad", 4},
      {"4.0", 4}, {"4.1", 5}, {"5.0", 5}, {"5.1", 6}, {"6.0", 6}, {"6.1", 7}, {"7.0", 7},
      {"7.1", 8}, {"octagonal", 8}, {"hexadecagonal", 16}, {"22.2", 24},
  };
  for (const auto& named : kNamed)
    if (layout == named.name) return named.channels;
  return 0;
}

bool read_media_info_line(std::string_view line, MediaInfo& info) {
  line = trim(line);
  if (starts_with(line, "Duration:")) {
    const auto at = line.find("bitrate: ");
    if (at == std::string_view::npos) return true;
    if (auto kbps = value_with_unit(trim(line.substr(at + 9)), "kb/s"))
      info.bitrate_kbps = static_cast<std::int64_t>(*kbps);
    return true;
  }
  if (!starts_with(line, "Stream #")) return false;
  if (const auto at = line.find(": Video: "); at != std::string_view::npos) {
    if (!info.has_video()) read_video(line.substr(at + 9), info);
    return true;
  }
  if (const auto at = line.find(": Audio: "); at != std::string_view::npos) {
    if (!info.has_audio()) read_audio(line.substr(at + 9), info);
    return true;
  }
  return false;
}

nlohmann::json MediaInfo::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  if (has_video()) {
    j["video"] = {{"codec", video_codec}, {"width", width}, {"height", height},
                  {"frame_rate", frame_rate}, {"bitrate_kbps", video_bitrate_kbps}};
  } else {
    j["video"] = nullptr;
  }
  if (has_audio()) {
    j["audio"] = {{"codec", audio_codec}, {"sample_rate", sample_rate}, {"channels", channels},
                  {"bitrate_kbps", audio_bitrate_kbps}};
  } else {
    j["audio"] = nullptr;
  }
  j["bitrate_kbps"] = bitrate_kbps;
  return j;
}

}  // namespace bvlive::ffmpeg
