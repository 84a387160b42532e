// Query parameters carried into every URI of a playlist text: the playback token (and
// device id) of a token-protected live, so standard players, which only ever get the
// master URL, send them with each playlist, init segment and segment they fetch.
#pragma once

#include <string>
#include <string_view>

namespace bvlive::hls {

// `query` ("token=abc&device=d1", no leading '?') appended to each URI line and each
// URI="..." attribute (EXT-X-MAP, EXT-X-KEY, EXT-X-MEDIA, ...), after '?' or '&' as the URI
// already has a query or not. Empty `query`: the text unchanged.
std::string with_query(std::string_view playlist, std::string_view query);

}  // namespace bvlive::hls
