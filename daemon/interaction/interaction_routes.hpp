// The HTTP side of chat and polls, under /live/ID/ behind the playback gate (the origin
// checks the gate first):
//   GET  /live/ID/interaction           the rooms as a page opens them: chat history, polls
//                                        and this device's votes (gives the device cookie)
//   POST /live/ID/chat                  {"name", "text"}: a viewer's message -> 201
//   POST /live/ID/polls/POLL_ID/vote    {"option": N}: this device's vote -> 200
// Bodies are JSON (Content-Type application/json, which also keeps plain HTML forms on
// other sites from posting), at most kMaxBody bytes. Refusals are one line of text/plain.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "http/http_server.hpp"
#include "daemon/interaction/chat_service.hpp"
#include "daemon/interaction/poll_service.hpp"

namespace bvlive {

class InteractionRoutes {
 public:
  static constexpr std::size_t kMaxBody = 8 * 1024;

  InteractionRoutes(ChatService& chat, PollService& polls) : chat_(chat), polls_(polls) {}

  // Whether `parts` ("live", ID, ...) is one of these routes, whatever the method.
  static bool owns(const std::vector<std::string>& parts);
  // `viewer`: the viewer's address (behind trusted proxies).
  http::Response handle(const LiveRecord& live, const std::vector<std::string>& parts, const http::Request& req,
                        const std::string& viewer);

 private:
  http::Response interaction(const LiveRecord& live, const http::Request& req);
  http::Response post_chat(const LiveRecord& live, const http::Request& req, const std::string& viewer);
  http::Response vote(const LiveRecord& live, const std::string& poll_id, const http::Request& req);

  ChatService& chat_;
  PollService& polls_;
};

}  // namespace bvlive
