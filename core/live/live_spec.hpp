// A live's settings: every field of the create body of seeds/004, plus the
// bvlive `schedule` extension. This is what `create` and `update` set; what the
// daemon generates (id, state, stream key, times) lives in LiveRecord.
#pragma once

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "live/enums.hpp"
#include "util/time.hpp"

namespace bvlive {

struct LiveSource {
  SourceType type = SourceType::Unspecified;
  std::optional<std::string> library_id;
  bool operator==(const LiveSource&) const = default;
};

struct LiveVod {
  LiveVodSource source = LiveVodSource::Unspecified;
  std::optional<std::string> replace_id;
  std::optional<std::string> playback_id;
  std::optional<TimeMs> started_at;
  std::optional<TimeMs> ended_at;
  bool enabled() const { return source != LiveVodSource::Unspecified; }
  bool operator==(const LiveVod&) const = default;
};

struct Privacy {
  PrivacyType type = PrivacyType::Public;
  std::int64_t device_limit = 0;  // token only; 0 = no limit
  bool operator==(const Privacy&) const = default;
};

struct Watermark {
  bool enabled = false;
  WatermarkType type = WatermarkType::Unspecified;
  WatermarkPosition position = WatermarkPosition::Unspecified;
  std::optional<std::string> image_library_id;
  bool operator==(const Watermark&) const = default;
};

struct DomainControl {
  bool enabled = false;
  std::vector<std::string> domains;  // exact host names or *.wildcards, lower case
  bool operator==(const DomainControl&) const = default;
};

struct Security {
  Privacy privacy;
  Watermark watermark;
  DomainControl domain_control;
  ProtectionType protection = ProtectionType::Unspecified;
  std::vector<std::string> geo_control;  // allowed country codes, upper case; empty = everywhere
  bool operator==(const Security&) const = default;
};

struct CoverImage {
  CoverImageType type = CoverImageType::Unspecified;
  std::optional<std::string> customize_library_id;
  bool operator==(const CoverImage&) const = default;
};

// The statuses a cover image exists for, in the seed's order.
inline constexpr std::array<std::string_view, 7> kCoverStatuses = {
    "ready_to_start", "preview", "player_pause", "signal_interruption", "end", "close", "current"};

struct Metadata {
  std::string short_description;
  std::string long_description;
  bool operator==(const Metadata&) const = default;
};

struct Showroom {
  nlohmann::json model = nlohmann::json::object();  // opaque to bvlive, kept as given
  std::vector<std::string> library_ids;
  bool operator==(const Showroom&) const = default;
};

struct Chatroom {
  bool enabled = false;
  ChatroomTheme theme = ChatroomTheme::Unspecified;
  bool operator==(const Chatroom&) const = default;
};

struct Interaction {
  bool poll_enabled = false;
  Chatroom chat_live;
  Chatroom chat_vod;
  bool operator==(const Interaction&) const = default;
};

// bvlive extension: automation of the live's lifecycle (see bvlived.toml(5)).
struct LiveSchedule {
  std::optional<DurationMs> auto_preview;  // enter PREVIEW this long before scheduled_at
  bool auto_start = false;                 // go LIVE at scheduled_at
  std::optional<DurationMs> auto_end;      // end this long after LIVE began
  std::optional<DurationMs> close_after;   // close this long after LIVE_END (overrides the default)
  bool operator==(const LiveSchedule&) const = default;
};

struct LiveSpec {
  std::string name;
  std::optional<std::string> custom_id;
  LiveType type = LiveType::Live;
  LiveSource source;
  BroadcastMode broadcast_mode = BroadcastMode::TraditionalLive;
  std::optional<TimeMs> scheduled_at;
  Resolution resolution = Resolution::Hd;
  LiveVod live_vod;
  Security security;
  bool ull_enabled = false;
  // bvlive extension: an ABR ladder (see [transcode] in bvlived.toml(5)); unset follows
  // transcode.abr.
  std::optional<bool> abr_enabled;
  std::array<CoverImage, kCoverStatuses.size()> cover_images;
  Metadata metadata;
  Showroom showroom;
  Interaction interaction;
  std::vector<IngestType> ingestion_types = {IngestType::Rtmp};
  LiveSchedule schedule;
  bool operator==(const LiveSpec&) const = default;
};

// Reads a create body ({"live": {...}} or the bare object). Strict: unknown
// fields, wrong types, bad enum names and bad times throw RpcError(InvalidParams)
// whose message starts with the field path ("live.security.privacy.type: ...").
// Non-fatal observations (e.g. an unusual country code) are appended to `warnings`.
LiveSpec live_spec_from_json(const nlohmann::json& body, std::vector<std::string>* warnings = nullptr);

// The cross-field rules (playback only for simulive, simulive needs a library
// source, ...). Called by live_spec_from_json; throws RpcError(InvalidParams).
void validate_live_spec(const LiveSpec& spec);

// The create body with long enum names; reading it back gives an equal LiveSpec.
nlohmann::json to_json(const LiveSpec& spec);

// custom_id syntax: 1 to 64 of [A-Za-z0-9._-].
bool valid_custom_id(std::string_view s);

}  // namespace bvlive
