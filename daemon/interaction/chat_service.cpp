#include "daemon/interaction/chat_service.hpp"

#include <algorithm>

#include "core/interaction/room_status.hpp"

namespace bvlive {
namespace {

using interaction::ChatMessage;
using interaction::Refusal;

// Viewers behind one address (an office, a carrier's NAT) share its allowance: it is this
// many times a device's.
constexpr int kAddressShare = 4;

interaction::RateLimiter device_limiter(const ChatSettings& s) { return {s.rate_burst, s.rate_interval}; }
interaction::RateLimiter address_limiter(const ChatSettings& s) {
  return {s.rate_burst * kAddressShare, std::max<DurationMs>(1, s.rate_interval / kAddressShare)};
}

std::string seconds_text(DurationMs ms) {
  const auto s = std::max<DurationMs>(1, (ms + 999) / 1000);
  return std::to_string(s) + (s == 1 ? " second" : " seconds");
}

}  // namespace

ChatService::ChatService(InteractionStore& store, EventHub& events, const ChatSettings& settings)
    : store_(store),
      events_(events),
      settings_(settings),
      by_device_(device_limiter(settings)),
      by_address_(address_limiter(settings)) {}

void ChatService::apply(const ChatSettings& settings) {
  if (settings.rate_burst != settings_.rate_burst || settings.rate_interval != settings_.rate_interval) {
    by_device_ = device_limiter(settings);
    by_address_ = address_limiter(settings);
  }
  settings_ = settings;
}

ChatMessage ChatService::post(const LiveRecord& live, std::string name, std::string text, const std::string& device,
                              const std::string& address, TimeMs now) {
  const auto room = interaction::room_status(live);
  if (!room.open) throw Refusal(ErrorKind::Conflict, 403, room.reason);
  interaction::ChatLimits limits{static_cast<std::size_t>(settings_.max_length)};
  if (auto why = interaction::check_post(name, text, limits)) throw Refusal(ErrorKind::InvalidParams, 400, *why);
  // Both allowances must have room; a refused post uses neither.
  const std::string device_key = device.empty() ? "a:" + address : "d:" + device;
  DurationMs wait = by_device_.take(device_key, now);
  if (wait == 0) {
    wait = by_address_.take(address, now);
    if (wait != 0) by_device_.undo(device_key);
  }
  if (wait != 0) {
    ++refused_rate_;
    throw Refusal(ErrorKind::Unavailable, 429,
                  "posting too fast: " + std::to_string(settings_.rate_burst) + " messages at once, then one every " +
                      seconds_text(settings_.rate_interval) + "; retry in " + seconds_text(wait),
                  wait);
  }
  return keep(live, std::move(name), std::move(text), false, device, address, now);
}

ChatMessage ChatService::host_post(const LiveRecord& live, std::string name, std::string text, TimeMs now) {
  const auto room = interaction::room_status(live);
  if (!room.open) throw Refusal(ErrorKind::Conflict, 403, room.reason);
  interaction::ChatLimits limits{static_cast<std::size_t>(settings_.max_length)};
  if (name.empty()) name = "Host";
  if (auto why = interaction::check_post(name, text, limits)) throw Refusal(ErrorKind::InvalidParams, 400, *why);
  return keep(live, std::move(name), std::move(text), true, "", "", now);
}

ChatMessage ChatService::keep(const LiveRecord& live, std::string name, std::string text, bool host,
                              const std::string& device, const std::string& address, TimeMs now) {
  ChatMessage m;
  m.live_id = live.id;
  m.phase = interaction::to_string(interaction::room_status(live).room);
  m.name = std::move(name);
  m.text = std::move(text);
  m.host = host;
  m.at = now;
  store_.insert_message(m, device, address);  // kept before anyone sees it
  ++posted_;
  events_.publish(live.id, "chat", interaction::to_json(m));
  return m;
}

void ChatService::remove(const LiveRecord& live, std::int64_t id, TimeMs now) {
  if (!store_.delete_message(live.id, id, now))
    throw Refusal(ErrorKind::NotFound, 404,
                  "live " + live.label() + " has no chat message " + std::to_string(id) +
                      " (bvlive chat " + live.label() + " --once lists them)");
  events_.publish(live.id, "chat_delete", {{"id", id}});
}

std::vector<ChatMessage> ChatService::messages(const LiveRecord& live, std::int64_t after, std::int64_t limit) {
  return store_.messages(live.id, after, limit);
}

nlohmann::json ChatService::room_json(const LiveRecord& live) const {
  const auto room = interaction::room_status(live);
  return {{"phase", interaction::phase_json(room.phase)},
          {"room", interaction::to_string(room.room)},
          {"enabled", room.enabled},
          {"theme", interaction::theme_name(room.theme)},
          {"open", room.open},
          {"reason", room.open ? std::string() : room.reason},
          {"max_length", settings_.max_length}};
}

nlohmann::json ChatService::page_json(const LiveRecord& live) {
  nlohmann::json j = room_json(live);
  j["messages"] = interaction::to_json(store_.messages(live.id, 0, settings_.history));
  return j;
}

}  // namespace bvlive
