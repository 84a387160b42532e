// A chat message and the rules a post must meet before it is kept. Messages are stored
// and sent exactly as typed (after trimming); pages render them as text, so escaping is
// the JSON encoder's job and the page's, never a rewrite of what the viewer wrote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/time.hpp"

namespace bvlive::interaction {

struct ChatMessage {
  std::int64_t id = 0;  // per daemon, increasing: the order of the room and a cursor for `after`
  std::string live_id;
  std::string phase;  // "live" or "vod": the room it was posted in
  std::string name;   // display name
  std::string text;
  bool host = false;  // posted by the operator (bvlive chat --send)
  TimeMs at = 0;
};

struct ChatLimits {
  std::size_t max_length = 500;  // characters (code points) of a message
  static constexpr std::size_t kMaxName = 40;
};

// Trims `name` and `text` in place and checks them. Returns why the post is refused (a
// sentence a viewer can act on), or nothing when it may be kept. Input is valid UTF-8 (it
// came through the JSON parser, which rejects anything else).
std::optional<std::string> check_post(std::string& name, std::string& text, const ChatLimits& limits);

// {id, name, text, host, at}: what pages and `bvlive chat -j` see.
nlohmann::json to_json(const ChatMessage& m);
// A JSON array of them, in order.
nlohmann::json to_json(const std::vector<ChatMessage>& messages);

}  // namespace bvlive::interaction
