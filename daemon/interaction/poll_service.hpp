// The polls of lives (interaction.poll_enabled): the host creates and closes them from the
// CLI, viewers vote once per device from player pages, and every page sees the counts move.
// Polls and votes are in SQLite; the counts are also kept here so a vote is one insert.
// Votes in a burst are sent to pages at most every kPublishMs per poll, so a popular poll
// does not send one event per vote to every viewer.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "events/event_hub.hpp"
#include "core/interaction/poll.hpp"
#include "core/interaction/refusal.hpp"
#include "live/live_record.hpp"
#include "store/interaction_store.hpp"
#include "uv/timer.hpp"

namespace bvlive {

class PollService {
 public:
  static constexpr std::uint64_t kPublishMs = 250;

  PollService(uv_loop_t* loop, InteractionStore& store, EventHub& events);

  // Throw interaction::Refusal (polls not enabled, the live phase is over, bad question or
  // options, no such poll, closed, already voted).
  interaction::Poll create(const LiveRecord& live, std::string question, std::vector<std::string> options, TimeMs now);
  interaction::Poll close(const LiveRecord& live, std::int64_t poll_id, TimeMs now);
  // `device`: the page's bvlive_device cookie.
  interaction::Poll vote(const LiveRecord& live, std::int64_t poll_id, int option, const std::string& device,
                         TimeMs now);

  // A live's polls, oldest first.
  std::vector<interaction::Poll> of_live(const std::string& live_id) const;
  // The polls as a page sees them, with what this device chose (`voted`).
  nlohmann::json page_json(const LiveRecord& live, const std::string& device);

  // The live left its live phase: its open polls close. It was deleted: they are forgotten
  // (SQLite dropped them with the live).
  void close_all(const LiveRecord& live, TimeMs now);
  void forget(const std::string& live_id);

  std::uint64_t votes() const { return votes_; }

 private:
  interaction::Poll& find(const LiveRecord& live, std::int64_t poll_id);
  void shut(interaction::Poll& p, TimeMs now);  // kept closed, then pages hear it
  void publish(const interaction::Poll& p);
  void flush();

  InteractionStore& store_;
  EventHub& events_;
  std::map<std::int64_t, interaction::Poll> polls_;  // by id: all lives'
  std::set<std::int64_t> unsent_;                    // polls whose counts pages have not seen
  uv::Timer publish_timer_;
  bool publish_pending_ = false;
  std::uint64_t votes_ = 0;
};

}  // namespace bvlive
