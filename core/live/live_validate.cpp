// The cross-field rules of the create body. Each message names the field and
// says how to fix it.
#include <cctype>

#include "live/live_spec.hpp"
#include "live/json_reader.hpp"
#include "rpc/error.hpp"

namespace bvlive {
namespace {

// A host name, or "*." followed by one: labels of [a-z0-9-], not starting or
// ending with '-'.
bool valid_domain_pattern(std::string_view d) {
  if (d.starts_with("*.")) d.remove_prefix(2);
  if (d.empty() || d.size() > 253) return false;
  std::size_t start = 0;
  while (start <= d.size()) {
    const auto dot = d.find('.', start);
    const auto label = d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace

void validate_live_spec(const LiveSpec& s) {
  if (s.broadcast_mode == BroadcastMode::Playback && s.type != LiveType::Simulive)
    throw_invalid("live.broadcast_mode",
                  "BROADCAST_MODE_PLAYBACK is only for type LIVE_TYPE_SIMULIVE; a live uses "
                  "BROADCAST_MODE_TRADITIONAL_LIVE or BROADCAST_MODE_DVR");
  if (s.type == LiveType::Simulive && (!s.source.library_id || s.source.library_id->empty()))
    throw_invalid("live.source.library.id",
                  "a LIVE_TYPE_SIMULIVE needs the library video to play: set source.library.id "
                  "(bvlive create --type simulive --library-id ID)");

  const auto& vod = s.live_vod;
  if (vod.enabled()) {
    if (vod.source == LiveVodSource::Replace && (!vod.replace_id || vod.replace_id->empty()))
      throw_invalid("live.live_vod.replace.id",
                    "LIVE_VOD_SOURCE_REPLACE needs the edited video: set live_vod.replace.id to a library id");
    if (vod.source == LiveVodSource::Playback && (!vod.playback_id || vod.playback_id->empty()))
      throw_invalid("live.live_vod.playback.id",
                    "LIVE_VOD_SOURCE_PLAYBACK needs the playback to reuse: set live_vod.playback.id");
    if (!vod.started_at)
      throw_invalid("live.live_vod.started_at", "required with a live_vod source: when the VOD becomes available");
    if (!vod.ended_at)
      throw_invalid("live.live_vod.ended_at", "required with a live_vod source: when the VOD stops being offered");
    if (*vod.started_at >= *vod.ended_at)
      throw_invalid("live.live_vod.ended_at", "must be after live_vod.started_at (" +
                                                  format_rfc3339(*vod.started_at) + ")");
  }

  const struct {
    const Chatroom& room;
    const char* path;
  } rooms[] = {{s.interaction.chat_live, "live.interaction.chatroom.live.theme"},
               {s.interaction.chat_vod, "live.interaction.chatroom.vod.theme"}};
  for (const auto& r : rooms)
    if (r.room.enabled && r.room.theme == ChatroomTheme::Unspecified)
      throw_invalid(r.path, "an enabled chatroom needs a theme: CHATROOM_THEME_LIGHT (light) or CHATROOM_THEME_DARK (dark)");

  if (s.security.privacy.device_limit < 0)
    throw_invalid("live.security.privacy.token.device_limit", "must be >= 0 (0 means no limit)");

  const auto& wm = s.security.watermark;
  if (wm.enabled && (!wm.image_library_id || wm.image_library_id->empty()))
    throw_invalid("live.security.watermark.image.library_id",
                  "an enabled watermark needs its image: set the library id of an image");

  const auto& dc = s.security.domain_control;
  for (std::size_t i = 0; i < dc.domains.size(); ++i)
    if (!valid_domain_pattern(dc.domains[i]))
      throw_invalid(indexed_path("live.security.domain_control.domains", i),
                    "'" + dc.domains[i] + "' is not a host name or *.wildcard (e.g. example.com, *.example.com)");
  if (dc.enabled && dc.domains.empty())
    throw_invalid("live.security.domain_control.domains",
                  "domain control is enabled but allows no domain; list at least one, or disable it");

  for (std::size_t i = 0; i < s.cover_images.size(); ++i) {
    const auto& c = s.cover_images[i];
    if (c.type == CoverImageType::Customize && (!c.customize_library_id || c.customize_library_id->empty()))
      throw_invalid("live.cover_images." + std::string(kCoverStatuses[i]) + ".customize.library_id",
                    "COVER_IMAGE_TYPE_CUSTOMIZE needs the library id of an image");
  }
}

}  // namespace bvlive
