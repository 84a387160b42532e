#include "live/enums.hpp"

#include "util/ascii.hpp"

#include <cctype>

namespace bvlive {
namespace {


bool matches_short(std::string_view forms, std::string_view text) {
  while (!forms.empty()) {
    const auto bar = forms.find('|');
    if (iequals(forms.substr(0, bar), text)) return true;
    if (bar == std::string_view::npos) break;
    forms.remove_prefix(bar + 1);
  }
  return false;
}

constexpr EnumName<LiveType> kLiveType[] = {
    {LiveType::Live, "LIVE_TYPE_LIVE", "live"},
    {LiveType::Simulive, "LIVE_TYPE_SIMULIVE", "simulive"},
};
constexpr EnumName<SourceType> kSourceType[] = {
    {SourceType::Unspecified, "LIVE_SOURCE_TYPE_UNSPECIFIED", "unspecified|none"},
    {SourceType::Library, "LIVE_SOURCE_TYPE_LIBRARY", "library"},
};
constexpr EnumName<BroadcastMode> kBroadcastMode[] = {
    {BroadcastMode::TraditionalLive, "BROADCAST_MODE_TRADITIONAL_LIVE", "traditional|traditional_live"},
    {BroadcastMode::Dvr, "BROADCAST_MODE_DVR", "dvr|start-over"},
    {BroadcastMode::Playback, "BROADCAST_MODE_PLAYBACK", "playback"},
};
constexpr EnumName<Resolution> kResolution[] = {
    {Resolution::Hd, "LIVE_RESOLUTION_HD", "hd|720p"},
    {Resolution::Fhd, "LIVE_RESOLUTION_FHD", "fhd|1080p"},
    {Resolution::Uhd4k, "LIVE_RESOLUTION_4K", "4k|2160p"},
};
constexpr EnumName<LiveVodSource> kLiveVodSource[] = {
    {LiveVodSource::Unspecified, "LIVE_VOD_SOURCE_UNSPECIFIED", "unspecified|none"},
    {LiveVodSource::Catchup, "LIVE_VOD_SOURCE_CATCHUP", "catchup"},
    {LiveVodSource::Replace, "LIVE_VOD_SOURCE_REPLACE", "replace"},
    {LiveVodSource::Playback, "LIVE_VOD_SOURCE_PLAYBACK", "playback"},
};
constexpr EnumName<PrivacyType> kPrivacyType[] = {
    {PrivacyType::Public, "SECURITY_PRIVACY_TYPE_PUBLIC", "public"},
    {PrivacyType::Token, "SECURITY_PRIVACY_TYPE_TOKEN", "token"},
};
constexpr EnumName<WatermarkType> kWatermarkType[] = {
    {WatermarkType::Unspecified, "WATERMARK_TYPE_UNSPECIFIED", "unspecified"},
    {WatermarkType::Image, "WATERMARK_TYPE_IMAGE", "image"},
};
constexpr EnumName<WatermarkPosition> kWatermarkPosition[] = {
    {WatermarkPosition::Unspecified, "WATERMARK_POSITION_UNSPECIFIED", "unspecified"},
    {WatermarkPosition::TopLeft, "WATERMARK_POSITION_TOP_LEFT", "top_left|top-left"},
    {WatermarkPosition::TopRight, "WATERMARK_POSITION_TOP_RIGHT", "top_right|top-right"},
    {WatermarkPosition::BottomLeft, "WATERMARK_POSITION_BOTTOM_LEFT", "bottom_left|bottom-left"},
    {WatermarkPosition::BottomRight, "WATERMARK_POSITION_BOTTOM_RIGHT", "bottom_right|bottom-right"},
};
constexpr EnumName<ProtectionType> kProtectionType[] = {
    {ProtectionType::Unspecified, "PROTECTION_TYPE_UNSPECIFIED", "none|unspecified"},
    {ProtectionType::Aes128, "PROTECTION_TYPE_AES_128", "aes-128|aes128|aes_128"},
    {ProtectionType::Drm, "PROTECTION_TYPE_DRM", "drm"},
};
constexpr EnumName<CoverImageType> kCoverImageType[] = {
    {CoverImageType::Unspecified, "COVER_IMAGE_TYPE_UNSPECIFIED", "unspecified"},
    {CoverImageType::Auto, "COVER_IMAGE_TYPE_AUTO", "auto"},
    {CoverImageType::Customize, "COVER_IMAGE_TYPE_CUSTOMIZE", "customize|custom"},
};
constexpr EnumName<ChatroomTheme> kChatroomTheme[] = {
    {ChatroomTheme::Unspecified, "CHATROOM_THEME_UNSPECIFIED", "unspecified"},
    {ChatroomTheme::Light, "CHATROOM_THEME_LIGHT", "light"},
    {ChatroomTheme::Dark, "CHATROOM_THEME_DARK", "dark"},
};
constexpr EnumName<IngestType> kIngestType[] = {
    {IngestType::Rtmp, "LIVE_STREAM_INGEST_TYPE_RTMP", "rtmp"},
    {IngestType::Srt, "LIVE_STREAM_INGEST_TYPE_SRT", "srt"},
    {IngestType::Whip, "LIVE_STREAM_INGEST_TYPE_WHIP", "whip"},
};

}  // namespace

#define BVLIVE_ENUM_TABLE(E, table) \
  template <>                       \
  std::span<const EnumName<E>> enum_names<E>() { return table; }
BVLIVE_ENUM_TABLE(LiveType, kLiveType)
BVLIVE_ENUM_TABLE(SourceType, kSourceType)
BVLIVE_ENUM_TABLE(BroadcastMode, kBroadcastMode)
BVLIVE_ENUM_TABLE(Resolution, kResolution)
BVLIVE_ENUM_TABLE(LiveVodSource, kLiveVodSource)
BVLIVE_ENUM_TABLE(PrivacyType, kPrivacyType)
BVLIVE_ENUM_TABLE(WatermarkType, kWatermarkType)
BVLIVE_ENUM_TABLE(WatermarkPosition, kWatermarkPosition)
BVLIVE_ENUM_TABLE(ProtectionType, kProtectionType)
BVLIVE_ENUM_TABLE(CoverImageType, kCoverImageType)
BVLIVE_ENUM_TABLE(ChatroomTheme, kChatroomTheme)
BVLIVE_ENUM_TABLE(IngestType, kIngestType)
#undef BVLIVE_ENUM_TABLE

template <typename E>
std::optional<E> parse_enum(std::string_view text) {
  for (const auto& n : enum_names<E>())
    if (iequals(n.long_name, text) || matches_short(n.short_name, text)) return n.value;
  return std::nullopt;
}

template <typename E>
std::string_view long_name(E value) {
  for (const auto& n : enum_names<E>())
    if (n.value == value) return n.long_name;
  return "UNKNOWN";
}

template <typename E>
std::string_view short_name(E value) {
  for (const auto& n : enum_names<E>())
    if (n.value == value) return n.short_name.substr(0, n.short_name.find('|'));
  return "unknown";
}

template <typename E>
std::string enum_choices() {
  std::string out;
  for (const auto& n : enum_names<E>()) {
    if (!out.empty()) out += ", ";
    out += n.long_name;
    out += " (";
    out += n.short_name.substr(0, n.short_name.find('|'));
    out += ")";
  }
  return out;
}

#define BVLIVE_ENUM_INSTANTIATE(E)                           \
  template std::optional<E> parse_enum<E>(std::string_view); \
  template std::string_view long_name<E>(E);                 \
  template std::string_view short_name<E>(E);                \
  template std::string enum_choices<E>();
BVLIVE_ENUM_INSTANTIATE(LiveType)
BVLIVE_ENUM_INSTANTIATE(SourceType)
BVLIVE_ENUM_INSTANTIATE(BroadcastMode)
BVLIVE_ENUM_INSTANTIATE(Resolution)
BVLIVE_ENUM_INSTANTIATE(LiveVodSource)
BVLIVE_ENUM_INSTANTIATE(PrivacyType)
BVLIVE_ENUM_INSTANTIATE(WatermarkType)
BVLIVE_ENUM_INSTANTIATE(WatermarkPosition)
BVLIVE_ENUM_INSTANTIATE(ProtectionType)
BVLIVE_ENUM_INSTANTIATE(CoverImageType)
BVLIVE_ENUM_INSTANTIATE(ChatroomTheme)
BVLIVE_ENUM_INSTANTIATE(IngestType)
#undef BVLIVE_ENUM_INSTANTIATE

}  // namespace bvlive
