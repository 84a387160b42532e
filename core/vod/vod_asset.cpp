#include "core/vod/vod_asset.hpp"

#include "util/random_id.hpp"

namespace bvlive {

std::string_view to_string(VodState s) {
  switch (s) {
    case VodState::Encoding: return "ENCODING";
    case VodState::Ready: return "READY";
    case VodState::Failed: return "FAILED";
  }
  return "FAILED";
}

std::optional<VodState> parse_vod_state(std::string_view s) {
  for (auto v : {VodState::Encoding, VodState::Ready, VodState::Failed})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

nlohmann::json to_json(const VodInfo& i) {
  return {{"duration_seconds", i.duration_seconds}, {"segments", i.segments},
          {"discontinuities", i.discontinuities},   {"bytes", i.bytes},
          {"mp4_file", i.mp4_file},                 {"mp4_bytes", i.mp4_bytes}};
}

VodInfo vod_info_from_json(const nlohmann::json& j) {
  VodInfo i;
  if (!j.is_object()) return i;
  i.duration_seconds = j.value("duration_seconds", 0.0);
  i.segments = j.value("segments", std::int64_t{0});
  i.discontinuities = j.value("discontinuities", std::int64_t{0});
  i.bytes = j.value("bytes", std::int64_t{0});
  i.mp4_file = j.value("mp4_file", std::string{});
  i.mp4_bytes = j.value("mp4_bytes", std::int64_t{0});
  return i;
}

std::string new_vod_id() { return "vod_" + random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789"); }

}  // namespace bvlive
