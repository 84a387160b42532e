// A client of a server-sent event stream (text/event-stream) on loopback: what a player
// page's EventSource does, over a plain socket, with bounded waits.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace bvtest {

struct ServerEvent {
  std::string event;  // "message" when the stream names none
  std::string data;   // data lines joined by '\n'
};

class EventStream {
 public:
  // GETs http://127.0.0.1:PORT/PATH (path with its query) and reads the response head;
  // status() tells how it was answered. Throws on a network error.
  EventStream(int port, const std::string& path, const std::vector<std::string>& headers = {});
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  int status() const { return status_; }
  const std::string& head() const { return head_; }
  // The next event (comments and retry lines skipped), or nothing when none comes in time.
  std::optional<ServerEvent> next(Ms timeout = 10s);
  // The data (JSON) of the next `event` event that `wanted` accepts (any, without it),
  // skipping the others, or nothing within `timeout`.
  std::optional<nlohmann::json> next_json(const std::string& event, Ms timeout = 5s,
                                          const std::function<bool(const nlohmann::json&)>& wanted = {});
  // Waits for the server to close the stream; true when it did in time.
  bool closed(Ms timeout = 10s);

 private:
  bool fill(Ms timeout);  // false: timeout or EOF (eof_ set)

  int fd_ = -1;
  int status_ = 0;
  std::string head_;
  std::string buf_;
  bool eof_ = false;
};

}  // namespace bvtest
