// AES-128 for a recording whose playlists were written before anyone asked for protection:
// the VOD's static playlists get their key tags when served, and a segment's IV is where
// the playlist lists it (its media sequence number, §5.2), looked up from the same text.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace bvlive::hls {

// `playlist` with an EXT-X-KEY:METHOD=AES-128 naming `key_uri` after each EXT-X-MAP, and a
// METHOD=NONE before every EXT-X-MAP but the first, so init segments stay in the clear.
std::string with_vod_key(std::string_view playlist, std::string_view key_uri);

// Every media segment URI of a media playlist (as written, query removed) with its media
// sequence number: EXT-X-MEDIA-SEQUENCE (0 when absent) plus its position.
std::map<std::string, std::int64_t> segment_sequences(std::string_view playlist);

}  // namespace bvlive::hls
