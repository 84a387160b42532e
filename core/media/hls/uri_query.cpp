#include "core/media/hls/uri_query.hpp"

namespace bvlive::hls {
namespace {

void append_uri(std::string& out, std::string_view uri, std::string_view query) {
  out += uri;
  out += uri.find('?') == std::string_view::npos ? '?' : '&';
  out += query;
}

}  // namespace

std::string with_query(std::string_view playlist, std::string_view query) {
  if (query.empty()) return std::string(playlist);
  std::string out;
  out.reserve(playlist.size() + playlist.size() / 8);
  std::size_t pos = 0;
  while (pos < playlist.size()) {
    std::size_t end = playlist.find('\n', pos);
    const bool last = end == std::string_view::npos;
    std::string_view line = playlist.substr(pos, last ? std::string_view::npos : end - pos);
    const bool cr = !line.empty() && line.back() == '\r';
    if (cr) line.remove_suffix(1);
    if (line.empty()) {
    } else if (line.front() != '#') {
      append_uri(out, line, query);
      line = {};
    } else {
      // Tags: every URI="..." attribute.
      constexpr std::string_view key = "URI=\"";
      std::size_t from = 0;
      for (std::size_t at; (at = line.find(key, from)) != std::string_view::npos;) {
        const std::size_t start = at + key.size();
        const std::size_t close = line.find('"', start);
        if (close == std::string_view::npos) break;
        out += line.substr(from, start - from);
        append_uri(out, line.substr(start, close - start), query);
        from = close;
      }
      out += line.substr(from);
      line = {};
    }
    out += line;
    if (cr) out += '\r';
    if (!last) out += '\n';
    pos = last ? playlist.size() : end + 1;
  }
  return out;
}

}  // namespace bvlive::hls
