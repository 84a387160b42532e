// Identifiers and secrets from the OpenSSL CSPRNG.
#pragma once

#include <string>

namespace bvlive {

// A short, URL-safe, lower-case id for a live: 12 characters of [a-z0-9].
std::string new_live_id();
// A stream key: "sk_" and 32 characters of [A-Za-z0-9] (190 bits).
std::string new_stream_key();
// A host preview token: "pt_" and 32 characters of [A-Za-z0-9].
std::string new_preview_token();
// `n` random characters from `alphabet`, without modulo bias.
std::string random_string(std::size_t n, std::string_view alphabet);

}  // namespace bvlive
