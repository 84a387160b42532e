// RFC 6381 "codecs" parameter values from an init segment's moov, for the CODECS attribute
// of a master playlist: "avc1.64001f" from avcC (profile, compatibility flags, level),
// "hvc1.1.6.L93.B0" from hvcC, "av01.0.04M.08" from av1C, "mp4a.40.2" from esds (object
// type 0x40 and the AudioSpecificConfig's object type).
#pragma once

#include <string>

#include "core/media/fmp4/box_reader.hpp"
#include "core/media/fmp4/parse_error.hpp"

namespace bvlive::fmp4 {

// The codecs of every track's first sample entry, in track order, comma-separated:
// "avc1.64001e,mp4a.40.2". A track whose sample entry is not avc1/avc3, hvc1/hev1, av01 or
// mp4a, or whose configuration box cannot be read, is an error naming it (no guessing: a wrong CODECS makes
// players refuse the stream).
Parsed<std::string> rfc6381_codecs(ByteSpan moov_payload);

}  // namespace bvlive::fmp4
