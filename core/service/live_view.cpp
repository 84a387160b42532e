#include "service/live_view.hpp"

#include "lifecycle/channel_state.hpp"
#include "lifecycle/session_state.hpp"

namespace bvlive {
namespace {
using nlohmann::json;
json opt_time(const std::optional<TimeMs>& t) { return t ? json(format_rfc3339(*t)) : json(nullptr); }
}  // namespace

json session_json(const SessionRow& s) {
  json media = json::parse(s.media_json, nullptr, false);
  if (media.is_discarded()) media = json::object();
  return {{"id", s.id},           {"live_id", s.live_id},   {"state", s.state},
          {"protocol", s.protocol}, {"remote", s.remote},   {"media", media},
          {"bytes_in", s.bytes_in}, {"segments", s.segments}, {"started_at", format_rfc3339(s.started_at)},
          {"ended_at", opt_time(s.ended_at)}, {"end_reason", s.end_reason ? json(*s.end_reason) : json(nullptr)},
          {"warning", s.warning ? json(*s.warning) : json(nullptr)}};
}

json event_json(const EventRow& e) {
  auto opt = [](const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); };
  return {{"seq", e.seq},       {"at", format_rfc3339(e.at)}, {"from", opt(e.from_state)},
          {"to", opt(e.to_state)}, {"trigger", e.trigger},   {"cause", e.cause},
          {"detail", e.detail},  {"uid", e.uid ? json(*e.uid) : json(nullptr)},
          {"api_key", opt(e.api_key)}};
}

json live_json(const LiveRecord& l, const std::optional<DueTransition>& next,
               const std::optional<SessionRow>& current_session) {
  json j = to_json(l.spec);
  const bool running = current_session && is_running(*parse_session_state(current_session->state));
  j["id"] = l.id;
  j["state"] = std::string(to_string(l.state));
  j["channel_state"] = std::string(to_string(channel_state(l.state, running)));
  j["stream_key"] = l.stream_key;
  j["preview_token"] = l.preview_token;
  j["created_at"] = format_rfc3339(l.created_at);
  j["updated_at"] = format_rfc3339(l.updated_at);
  j["state_changed_at"] = format_rfc3339(l.state_changed_at);
  j["live_started_at"] = opt_time(l.live_started_at);
  j["live_ended_at"] = opt_time(l.live_ended_at);
  j["current_session"] = current_session ? session_json(*current_session) : json(nullptr);
  j["signal_interrupted"] = l.signal_lost_at ? json{{"since", format_rfc3339(*l.signal_lost_at)}, {"reason", l.signal_reason}}
                                             : json(nullptr);
  j["schedule"]["from_config"] = l.from_config;
  j["next_transition"] =
      next ? json{{"trigger", std::string(to_string(next->trigger))}, {"at", format_rfc3339(next->at)}} : json(nullptr);
  return j;
}

json live_summary_json(const LiveRecord& l, bool session_running) {
  // Built key by key: `list` makes thousands of these, and an initializer list
  // copies every value once more.
  json j(json::value_t::object);
  j["id"] = l.id;
  j["custom_id"] = l.spec.custom_id ? json(*l.spec.custom_id) : json(nullptr);
  j["name"] = l.spec.name;
  j["type"] = long_name(l.spec.type);
  j["state"] = to_string(l.state);
  j["channel_state"] = to_string(channel_state(l.state, session_running));
  j["scheduled_at"] = opt_time(l.spec.scheduled_at);
  j["updated_at"] = format_rfc3339(l.updated_at);
  return j;
}

}  // namespace bvlive
