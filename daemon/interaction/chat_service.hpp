// The chatrooms of lives: viewers post from player pages (HTTP), the host from the CLI
// (bvlive chat). A post is checked (room open, length, characters, speed), kept in SQLite,
// then sent to every page of the live as a `chat` event; late joiners read the history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/settings.hpp"
#include "events/event_hub.hpp"
#include "core/interaction/chat_message.hpp"
#include "core/interaction/rate_limiter.hpp"
#include "core/interaction/refusal.hpp"
#include "live/live_record.hpp"
#include "store/interaction_store.hpp"

namespace bvlive {

class ChatService {
 public:
  ChatService(InteractionStore& store, EventHub& events, const ChatSettings& settings);

  // A viewer's post: `device` is the page's bvlive_device cookie ("" without one),
  // `address` the viewer's. Throws interaction::Refusal.
  interaction::ChatMessage post(const LiveRecord& live, std::string name, std::string text, const std::string& device,
                                const std::string& address, TimeMs now);
  // The host's post: same room rules, no speed limit.
  interaction::ChatMessage host_post(const LiveRecord& live, std::string name, std::string text, TimeMs now);
  // Removes a message for everyone (pages get `chat_delete`). Throws when the live has no such message.
  void remove(const LiveRecord& live, std::int64_t id, TimeMs now);

  // Messages with an id above `after`: the last `limit` of them, oldest first.
  std::vector<interaction::ChatMessage> messages(const LiveRecord& live, std::int64_t after, std::int64_t limit);
  // {phase, enabled, theme, open, reason, max_length}: the room as a page or `bvlive chat` sees it.
  nlohmann::json room_json(const LiveRecord& live) const;
  // The room with its history ([chat] history messages): what a page opens with.
  nlohmann::json page_json(const LiveRecord& live);

  // [chat] changed (reload): limits apply to the next post.
  void apply(const ChatSettings& settings);
  std::uint64_t posted() const { return posted_; }
  std::uint64_t refused_rate() const { return refused_rate_; }

 private:
  interaction::ChatMessage keep(const LiveRecord& live, std::string name, std::string text, bool host,
                                const std::string& device, const std::string& address, TimeMs now);

  InteractionStore& store_;
  EventHub& events_;
  ChatSettings settings_;
  interaction::RateLimiter by_device_;
  interaction::RateLimiter by_address_;  // looser: many viewers may share one address
  std::uint64_t posted_ = 0, refused_rate_ = 0;
};

}  // namespace bvlive
