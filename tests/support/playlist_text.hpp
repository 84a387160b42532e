// Short names for reading playlist text in the HLS unit tests, over the helpers the
// integration tests use (support/media.hpp).
#pragma once

#include <string>
#include <vector>

#include "support/media.hpp"

namespace bvtest::playlist_text {

inline std::vector<std::string> lines(const std::string& text) { return playlist_lines(text, ""); }
inline std::size_t count_prefix(const std::string& text, const std::string& prefix) {
  return playlist_lines(text, prefix).size();
}
inline bool has_line(const std::string& text, const std::string& line) { return count_lines(text, line) > 0; }
inline std::vector<std::string> uris(const std::string& text) { return playlist_uris(text); }

}  // namespace bvtest::playlist_text
