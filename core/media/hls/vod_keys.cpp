#include "core/media/hls/vod_keys.hpp"

#include <charconv>

namespace bvlive::hls {
namespace {

// Calls `line` for each line of `text`, without its end ("\n" or "\r\n").
template <typename F>
void each_line(std::string_view text, F&& line) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view l = text.substr(0, end);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    line(l);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

}  // namespace

std::string with_vod_key(std::string_view playlist, std::string_view key_uri) {
  std::string out;
  out.reserve(playlist.size() + 256);
  bool keyed = false;
  each_line(playlist, [&](std::string_view l) {
    const bool map = l.starts_with("#EXT-X-MAP:");
    if (map && keyed) out += "#EXT-X-KEY:METHOD=NONE\n";
    out.append(l) += '\n';
    if (map) {
      out += "#EXT-X-KEY:METHOD=AES-128,URI=\"";
      out.append(key_uri) += "\"\n";
      keyed = true;
    }
  });
  return out;
}

std::map<std::string, std::int64_t> segment_sequences(std::string_view playlist) {
  std::map<std::string, std::int64_t> out;
  std::int64_t next = 0;
  each_line(playlist, [&](std::string_view l) {
    constexpr std::string_view kSequence = "#EXT-X-MEDIA-SEQUENCE:";
    if (l.starts_with(kSequence)) {
      const std::string_view v = l.substr(kSequence.size());
      std::from_chars(v.data(), v.data() + v.size(), next);
    } else if (!l.empty() && l[0] != '#') {
      out.emplace(std::string(l.substr(0, l.find('?'))), next++);
    }
  });
  return out;
}

}  // namespace bvlive::hls
