// Files that readers (the HTTP origin, ffmpeg) may open at any moment are written through
// a temporary file and a rename, so a reader sees the whole file or none of it.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "media/fmp4/box_builder.hpp"

namespace bvlive {

// Writes the concatenation of `parts` to `path`. Throws std::runtime_error naming the file.
void write_file_atomic(const std::string& path, std::span<const fmp4::Bytes> parts);
void write_file_atomic(const std::string& path, std::string_view text);

}  // namespace bvlive
