// The JSON a client sees for a live (LIVE and SUMMARY in core/rpc/README.md).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>

#include "live/live_record.hpp"
#include "schedule/due.hpp"
#include "store/store.hpp"

namespace bvlive {

nlohmann::json session_json(const SessionRow& s);
nlohmann::json event_json(const EventRow& e);
nlohmann::json live_json(const LiveRecord& l, const std::optional<DueTransition>& next,
                         const std::optional<SessionRow>& current_session);
nlohmann::json live_summary_json(const LiveRecord& l, bool session_running);

}  // namespace bvlive
