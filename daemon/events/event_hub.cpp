#include "events/event_hub.hpp"

#include <algorithm>
#include <utility>

namespace bvlive {

EventHub::EventHub(uv_loop_t* loop) : keep_alive_(loop) {
  keep_alive_.start(kKeepAliveMs, kKeepAliveMs, [this] { keep_alive(); });
}

http::Response EventHub::subscribe(const std::string& live_id, std::vector<std::string> first) {
  http::Response r;
  r.set("Content-Type", "text/event-stream; charset=utf-8");
  r.set("Cache-Control", "no-store");
  r.set("X-Accel-Buffering", "no");  // nginx in front: pass events through as they come
  r.stream = [this, live_id, first = std::move(first)](std::shared_ptr<http::BodySink> sink) {
    // A reconnecting EventSource waits this long (ms) before trying again.
    if (!sink->write("retry: 2000\n\n")) return;
    for (const auto& text : first)
      if (!sink->write(text)) return;
    streams_[live_id].push_back(std::move(sink));
  };
  return r;
}

void EventHub::publish(const std::string& live_id, std::string_view event, const nlohmann::json& data) {
  events_sent_ += write_all(live_id, format(event, data));
}

std::size_t EventHub::write_all(const std::string& live_id, const std::string& text) {
  const auto found = streams_.find(live_id);
  if (found == streams_.end()) return 0;
  // Writes may not call back into the hub (the server only buffers or drops), so the list
  // is stable while it is walked; streams whose client has gone are forgotten.
  auto& list = found->second;
  std::erase_if(list, [&](const std::shared_ptr<http::BodySink>& sink) { return !sink->write(text); });
  const std::size_t written = list.size();
  if (list.empty()) streams_.erase(found);
  return written;
}

void EventHub::close_live(const std::string& live_id) {
  const auto found = streams_.find(live_id);
  if (found == streams_.end()) return;
  auto list = std::move(found->second);
  streams_.erase(found);
  for (auto& sink : list) sink->end();
}

void EventHub::keep_alive() {
  std::vector<std::string> lives;
  for (const auto& [id, list] : streams_) lives.push_back(id);
  for (const auto& id : lives) write_all(id, ": keep-alive\n\n");
}

std::size_t EventHub::streams() const {
  std::size_t n = 0;
  for (const auto& [id, list] : streams_) n += list.size();
  return n;
}

std::string EventHub::format(std::string_view event, const nlohmann::json& data) {
  // Names and descriptions are the user's: invalid UTF-8 is replaced rather than thrown on.
  return "event: " + std::string(event) + "\ndata: " + data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n\n";
}

}  // namespace bvlive
