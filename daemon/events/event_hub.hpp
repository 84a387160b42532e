// Server-sent events (the WHATWG "text/event-stream" format) per live: every stream open on
// /live/ID/events gets each event published for that live, as it happens, so a player page
// switches its cover, status and texts without reloading. A comment line every
// kKeepAliveMs keeps idle streams (and the proxies in front of them) open.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/http/response.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class EventHub {
 public:
  static constexpr std::uint64_t kKeepAliveMs = 15'000;

  explicit EventHub(uv_loop_t* loop);
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // The answer to a subscriber: a stream that starts with `first` (events already formatted
  // with format(), e.g. the live's current status) and then gets every publish() for `live_id`.
  http::Response subscribe(const std::string& live_id, std::vector<std::string> first);
  // Sends an event to every stream of a live.
  void publish(const std::string& live_id, std::string_view event, const nlohmann::json& data);
  // Ends every stream of a live (it was deleted).
  void close_live(const std::string& live_id);

  std::size_t streams() const;
  std::uint64_t events_sent() const { return events_sent_; }

  // "event: NAME\ndata: JSON\n\n" (the JSON on one line).
  static std::string format(std::string_view event, const nlohmann::json& data);

 private:
  // Writes to every stream of a live; returns how many took it.
  std::size_t write_all(const std::string& live_id, const std::string& text);
  void keep_alive();

  std::map<std::string, std::vector<std::shared_ptr<http::BodySink>>, std::less<>> streams_;
  std::uint64_t events_sent_ = 0;
  uv::Timer keep_alive_;
};

}  // namespace bvlive
