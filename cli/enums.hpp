// Enum values of the live body: the short CLI forms (`dvr`) and the long API names
// (`BROADCAST_MODE_DVR`) the daemon prints. Flags accept both (any case) and send
// the long name; human output shows the short form.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bvlive::cli {

struct EnumName {
  std::string_view short_name;
  std::string_view long_name;
};

extern const std::span<const EnumName> kLiveTypes;
extern const std::span<const EnumName> kBroadcastModes;
extern const std::span<const EnumName> kResolutions;
extern const std::span<const EnumName> kIngestTypes;
extern const std::span<const EnumName> kLiveVodSources;
extern const std::span<const EnumName> kPrivacyTypes;

// The long name for `text` (a short or a long name, any case), or nothing.
std::optional<std::string> to_long_name(std::span<const EnumName> table, std::string_view text);
// "a|b|c": the short names, for help and error messages.
std::string short_names(std::span<const EnumName> table);
// The short form of any known long name (`LIVE_RESOLUTION_FHD` -> `fhd`); other text as is.
std::string to_short_name(std::string_view long_name);

}  // namespace bvlive::cli
