// The enumerations of the create body (seeds/004). Each has a table of its long
// name (LIVE_RESOLUTION_HD: what the API and our JSON output use) and its short
// CLI form (hd). Parsing accepts either, in any case.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bvlive {

enum class LiveType { Live, Simulive };
enum class SourceType { Unspecified, Library };
enum class BroadcastMode { TraditionalLive, Dvr, Playback };
enum class Resolution { Hd, Fhd, Uhd4k };
enum class LiveVodSource { Unspecified, Catchup, Replace, Playback };
enum class PrivacyType { Public, Token };
enum class WatermarkType { Unspecified, Image };
enum class WatermarkPosition { Unspecified, TopLeft, TopRight, BottomLeft, BottomRight };
// Aes128: whole segments encrypted as served (HLS AES-128). Drm: CMAF 'cbcs' sample
// encryption at packaging, keys from the built-in ClearKey or a SPEKE v2 key server.
enum class ProtectionType { Unspecified, Aes128, Drm };
enum class CoverImageType { Unspecified, Auto, Customize };
enum class ChatroomTheme { Unspecified, Light, Dark };
enum class IngestType { Rtmp, Srt, Whip };

template <typename E>
struct EnumName {
  E value;
  std::string_view long_name;
  std::string_view short_name;  // may hold several forms separated by '|'; the first is canonical
};

// The table for each enum; specialised in enums.cpp.
template <typename E>
std::span<const EnumName<E>> enum_names();

template <typename E>
std::optional<E> parse_enum(std::string_view text);
template <typename E>
std::string_view long_name(E value);
template <typename E>
std::string_view short_name(E value);
// "LIVE_RESOLUTION_HD (hd), LIVE_RESOLUTION_FHD (fhd), ..." for error messages.
template <typename E>
std::string enum_choices();

}  // namespace bvlive
