// A live's VOD (live-to-VOD: docs/ARCHITECTURE.md#live-lifecycle, bvlived(8) LIVE-TO-VOD):
// what ENCODING produces and VOD serves.
// Its files live in the live's media folder under vod/: the media playlist
// (vod/media.m3u8, segment URIs "vod/..."), the master (vod/index.m3u8), init and media
// segments, and the downloadable MP4 (vod/LIVE_ID.mp4).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "live/enums.hpp"
#include "util/time.hpp"

namespace bvlive {

enum class VodState { Encoding, Ready, Failed };

std::string_view to_string(VodState s);                       // "ENCODING", "READY", "FAILED"
std::optional<VodState> parse_vod_state(std::string_view s);

// What the job measured once the asset is complete.
struct VodInfo {
  double duration_seconds = 0;
  std::int64_t segments = 0;
  std::int64_t discontinuities = 0;
  std::int64_t bytes = 0;        // of the segments
  std::string mp4_file;          // relative to the live's media folder ("" = none)
  std::int64_t mp4_bytes = 0;
  bool operator==(const VodInfo&) const = default;
};

nlohmann::json to_json(const VodInfo& info);
VodInfo vod_info_from_json(const nlohmann::json& j);  // tolerant: missing keys keep defaults

struct VodAsset {
  std::string id;          // "vod_" + 12 characters
  std::string live_id;
  LiveVodSource source = LiveVodSource::Catchup;
  std::string source_ref;  // library id (replace), reused VOD id (playback), "" (catchup)
  VodState state = VodState::Encoding;
  std::optional<std::string> error;  // why the last attempt failed
  std::int64_t attempts = 0;
  VodInfo info;
  TimeMs started_at = 0;   // when the current attempt began
  std::optional<TimeMs> finished_at;
};

std::string new_vod_id();

// Paths inside the live's media folder.
inline constexpr std::string_view kVodDir = "vod";
inline std::string vod_playlist_file() { return "vod/media.m3u8"; }
inline std::string vod_master_file() { return "vod/index.m3u8"; }
inline std::string vod_mp4_file(const std::string& live_id) { return "vod/" + live_id + ".mp4"; }

}  // namespace bvlive
