// A TrackConfig from a decoder configuration record: the picture size, frame rate or audio
// format, and the RFC 6381 codecs string, read from the record itself so that the init
// segment, the master playlist and `bvlive show` all describe what the encoder sent.
#pragma once

#include <span>
#include <string>
#include <variant>

#include "core/media/fmp4/parse_error.hpp"
#include "core/media/remux/elementary.hpp"

namespace bvlive::remux {

using ByteSpan = std::span<const std::uint8_t>;

// avcC / hvcC / av1C payloads, an AudioSpecificConfig.
fmp4::Parsed<TrackConfig> avc_track(ByteSpan avcc);
fmp4::Parsed<TrackConfig> hevc_track(ByteSpan hvcc);
// `sequence_header_obus`: where to read the picture size when the av1C carries no
// configOBUs (the first keyframe's in-band sequence header); may be empty.
fmp4::Parsed<TrackConfig> av1_track(ByteSpan av1c, ByteSpan sequence_header_obus = {});
fmp4::Parsed<TrackConfig> aac_track(ByteSpan audio_specific_config);

// Whether a sample's NAL units (4-byte or configured lengths) cover it exactly: what keeps
// a damaged frame out of the segments.
bool nal_units_fit(ByteSpan sample, int nal_length_size);

}  // namespace bvlive::remux
