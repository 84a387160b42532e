#include "enums.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace bvlive::cli {
namespace {

constexpr std::array kLiveTypeRows{
    EnumName{"live", "LIVE_TYPE_LIVE"},
    EnumName{"simulive", "LIVE_TYPE_SIMULIVE"},
};
constexpr std::array kBroadcastModeRows{
    EnumName{"traditional", "BROADCAST_MODE_TRADITIONAL_LIVE"},
    EnumName{"dvr", "BROADCAST_MODE_DVR"},
    EnumName{"playback", "BROADCAST_MODE_PLAYBACK"},
};
constexpr std::array kResolutionRows{
    EnumName{"hd", "LIVE_RESOLUTION_HD"},
    EnumName{"fhd", "LIVE_RESOLUTION_FHD"},
    EnumName{"4k", "LIVE_RESOLUTION_4K"},
};
constexpr std::array kIngestTypeRows{
    EnumName{"rtmp", "LIVE_STREAM_INGEST_TYPE_RTMP"},
    EnumName{"srt", "LIVE_STREAM_INGEST_TYPE_SRT"},
    EnumName{"whip", "LIVE_STREAM_INGEST_TYPE_WHIP"},
};
constexpr std::array kLiveVodSourceRows{
    EnumName{"catchup", "LIVE_VOD_SOURCE_CATCHUP"},
    EnumName{"replace", "LIVE_VOD_SOURCE_REPLACE"},
    EnumName{"playback", "LIVE_VOD_SOURCE_PLAYBACK"},
};
constexpr std::array kPrivacyTypeRows{
    EnumName{"public", "SECURITY_PRIVACY_TYPE_PUBLIC"},
    EnumName{"token", "SECURITY_PRIVACY_TYPE_TOKEN"},
};

// Prefixes of long names whose remainder, lowercased, is the short form.
constexpr std::array<std::string_view, 12> kPrefixes{
    "LIVE_TYPE_",          "BROADCAST_MODE_",        "LIVE_RESOLUTION_",
    "LIVE_STREAM_INGEST_TYPE_", "LIVE_VOD_SOURCE_",  "SECURITY_PRIVACY_TYPE_",
    "LIVE_SOURCE_TYPE_",   "WATERMARK_POSITION_",    "WATERMARK_TYPE_",
    "PROTECTION_TYPE_",    "COVER_IMAGE_TYPE_",      "CHATROOM_THEME_",
};

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

const std::span<const EnumName> kLiveTypes{kLiveTypeRows};
const std::span<const EnumName> kBroadcastModes{kBroadcastModeRows};
const std::span<const EnumName> kResolutions{kResolutionRows};
const std::span<const EnumName> kIngestTypes{kIngestTypeRows};
const std::span<const EnumName> kLiveVodSources{kLiveVodSourceRows};
const std::span<const EnumName> kPrivacyTypes{kPrivacyTypeRows};

std::optional<std::string> to_long_name(std::span<const EnumName> table, std::string_view text) {
  for (const auto& row : table)
    if (iequals(text, row.short_name) || iequals(text, row.long_name))
      return std::string(row.long_name);
  return std::nullopt;
}

std::string short_names(std::span<const EnumName> table) {
  std::string out;
  for (const auto& row : table) {
    if (!out.empty()) out += '|';
    out += row.short_name;
  }
  return out;
}

std::string to_short_name(std::string_view long_name) {
  for (auto table : {kLiveTypes, kBroadcastModes, kResolutions, kIngestTypes, kLiveVodSources,
                     kPrivacyTypes})
    for (const auto& row : table)
      if (row.long_name == long_name) return std::string(row.short_name);
  for (auto prefix : kPrefixes) {
    if (long_name.size() > prefix.size() && long_name.starts_with(prefix)) {
      std::string out(long_name.substr(prefix.size()));
      for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return out;
    }
  }
  return std::string(long_name);
}

}  // namespace bvlive::cli
