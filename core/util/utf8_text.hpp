// The few things chat needs to know about UTF-8 text that is already valid (it came
// through the JSON parser): how many characters it has, whether it holds control
// characters, and the text without surrounding white space.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bvlive::utf8 {

// Code points, counted as the bytes that do not continue a sequence.
std::size_t length(std::string_view text);
// C0 controls (newline and tab among them), DEL, the C1 controls U+0080..U+009F and the
// bidirectional overrides and isolates (U+202A..U+202E, U+2066..U+2069), which can make a
// message show other text than it holds.
bool has_control(std::string_view text);
// Without leading and trailing ASCII white space and U+00A0 (no-break space).
std::string trim(std::string_view text);

}  // namespace bvlive::utf8
