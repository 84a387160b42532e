// The CODECS attribute of a master playlist's variant, from the init segment (init.mp4)
// the segmenter wrote for it.
#pragma once

#include <string>

#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::hls {

// "avc1.64001f,mp4a.40.2" from the moov box among `init_segment`'s top-level boxes; an
// error when there is no moov or a track's codec has no known RFC 6381 form.
fmp4::Parsed<std::string> codecs_from_init(fmp4::ByteSpan init_segment);

}  // namespace bvlive::hls
