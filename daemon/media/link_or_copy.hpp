// Puts a file at a second path without copying its bytes when possible: a hard link on the
// same filesystem, else a copy. Used for library imports and VOD assets (recorded segments
// become VOD files for free).
#pragma once

#include <string>

namespace bvlive {

enum class Stored { HardLink, Copy };

// Creates `to`'s parent folders. Throws std::runtime_error naming both paths on failure.
Stored link_or_copy(const std::string& from, const std::string& to);

}  // namespace bvlive
