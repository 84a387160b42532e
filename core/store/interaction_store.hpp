// The chatrooms and polls of lives in the daemon's SQLite file (tables of migration 7).
// Messages, polls and votes are written here before anyone hears of them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/interaction/chat_message.hpp"
#include "core/interaction/poll.hpp"
#include "store/sqlite.hpp"

namespace bvlive {

class InteractionStore {
 public:
  explicit InteractionStore(sql::Database& db) : db_(db) {}

  // Sets m.id. `device` and `address` say who posted (kept for moderation, never shown).
  void insert_message(interaction::ChatMessage& m, const std::string& device, const std::string& address);
  // The last `limit` messages of a live with an id above `after`, oldest first, without
  // deleted ones.
  std::vector<interaction::ChatMessage> messages(const std::string& live_id, std::int64_t after, std::int64_t limit);
  // Blanks a message of a live; false when the live has no such message (or it is gone).
  bool delete_message(const std::string& live_id, std::int64_t id, TimeMs at);

  // Sets p.id.
  void insert_poll(interaction::Poll& p);
  void close_poll(std::int64_t id, TimeMs at);
  // Every poll with its counts, in id order.
  std::vector<interaction::Poll> load_polls();
  // False when this device has voted in this poll already.
  bool insert_vote(std::int64_t poll_id, const std::string& device, int option, TimeMs at);
  // What a device chose in a live's polls: poll id -> option.
  std::map<std::int64_t, int> votes_of(const std::string& live_id, const std::string& device);

 private:
  sql::Database& db_;
};

}  // namespace bvlive
