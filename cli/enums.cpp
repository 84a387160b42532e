#include "enums.hpp"

namespace bvlive::cli {
namespace {

template <typename... E>
std::optional<std::string> short_of(std::string_view long_text) {
  std::optional<std::string> out;
  auto try_one = [&](auto table) {
    for (const auto& row : table)
      if (!out && row.long_name == long_text) out = std::string(short_name(row.value));
  };
  (try_one(enum_names<E>()), ...);
  return out;
}

}  // namespace

std::string to_short_name(std::string_view long_text) {
  auto s = short_of<LiveType, SourceType, BroadcastMode, Resolution, LiveVodSource, PrivacyType, WatermarkType,
                    WatermarkPosition, ProtectionType, CoverImageType, ChatroomTheme, IngestType>(long_text);
  return s ? *s : std::string(long_text);
}

}  // namespace bvlive::cli
