// The "status" event of a live's event stream (EventHub): what a player page shows of the
// live (its name, descriptions, state, broadcast mode, and the cover status it should show,
// covers/cover_status.hpp), sent when the stream opens and whenever any of it changes.
#pragma once

#include <nlohmann/json.hpp>

#include "live/live_record.hpp"

namespace bvlive {

nlohmann::json live_status(const LiveRecord& live);

}  // namespace bvlive
