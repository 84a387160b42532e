#include "protocols/http/content_type.hpp"

#include <cctype>
#include <string>

namespace bvlive::http {

std::string_view content_type_for(std::string_view path) {
  const auto slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  std::string ext;
  for (char c : name.substr(dot + 1)) ext.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  struct Entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr Entry table[] = {
      {"m3u8", "application/vnd.apple.mpegurl"},
      {"mp4", "video/mp4"},
      {"m4s", "video/iso.segment"},
      {"ts", "video/mp2t"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"png", "image/png"},
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript"},
      {"css", "text/css"},
      {"json", "application/json"},
      {"m4a", "audio/mp4"},
      {"m4v", "video/mp4"},
      {"aac", "audio/aac"},
      {"vtt", "text/vtt"},
      {"mjs", "text/javascript"},
      {"svg", "image/svg+xml"},
      {"webp", "image/webp"},
      {"txt", "text/plain; charset=utf-8"},
  };
  for (const auto& e : table)
    if (e.ext == ext) return e.type;
  return "application/octet-stream";
}

}  // namespace bvlive::http
