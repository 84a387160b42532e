#include "events/live_status.hpp"

#include <string>

#include "core/covers/cover_status.hpp"
#include "core/interaction/room_status.hpp"
#include "live/enums.hpp"

namespace bvlive {

nlohmann::json live_status(const LiveRecord& live) {
  const auto& m = live.spec.metadata;
  return {
      {"id", live.id},
      {"name", live.spec.name},
      {"short_description", m.short_description},
      {"long_description", m.long_description},
      {"state", std::string(to_string(live.state))},
      {"broadcast_mode", std::string(long_name(live.spec.broadcast_mode))},
      {"cover", std::string(covers::current_status(live))},
      {"signal_interrupted", live.signal_lost_at.has_value()},
      {"interaction", interaction::status_json(interaction::room_status(live))},
  };
}

}  // namespace bvlive
