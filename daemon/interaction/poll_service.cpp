#include "daemon/interaction/poll_service.hpp"

#include "core/interaction/room_status.hpp"

namespace bvlive {
namespace {

using interaction::Poll;
using interaction::Refusal;

}  // namespace

PollService::PollService(uv_loop_t* loop, InteractionStore& store, EventHub& events)
    : store_(store), events_(events), publish_timer_(loop) {
  for (auto& p : store_.load_polls()) polls_.emplace(p.id, std::move(p));
}

Poll PollService::create(const LiveRecord& live, std::string question, std::vector<std::string> options, TimeMs now) {
  const auto room = interaction::room_status(live);
  const std::string label = live.label();
  if (!room.polls_enabled)
    throw Refusal(ErrorKind::Conflict, 403,
                  "polls are not enabled for live " + label + " (bvlive update " + label + " --polls)");
  if (!room.polls_open)
    throw Refusal(ErrorKind::Conflict, 403,
                  "live " + label + " is " + std::string(to_string(live.state)) +
                      "; polls run in its live phase (before it ends)");
  if (auto why = interaction::check_poll(question, options)) throw Refusal(ErrorKind::InvalidParams, 400, *why);
  Poll p;
  p.live_id = live.id;
  p.question = std::move(question);
  p.options = std::move(options);
  p.votes.assign(p.options.size(), 0);
  p.created_at = now;
  store_.insert_poll(p);
  const auto& kept = polls_.emplace(p.id, p).first->second;
  publish(kept);
  return kept;
}

Poll& PollService::find(const LiveRecord& live, std::int64_t poll_id) {
  const auto found = polls_.find(poll_id);
  if (found == polls_.end() || found->second.live_id != live.id)
    throw Refusal(ErrorKind::NotFound, 404,
                  "live " + live.label() + " has no poll " + std::to_string(poll_id) + " (bvlive poll results " +
                      live.label() + " lists them)");
  return found->second;
}

Poll PollService::close(const LiveRecord& live, std::int64_t poll_id, TimeMs now) {
  Poll& p = find(live, poll_id);
  if (!p.open) throw Refusal(ErrorKind::Conflict, 409, "poll " + std::to_string(poll_id) + " is already closed");
  shut(p, now);
  return p;
}

Poll PollService::vote(const LiveRecord& live, std::int64_t poll_id, int option, const std::string& device,
                       TimeMs now) {
  Poll& p = find(live, poll_id);
  const auto room = interaction::room_status(live);
  if (!room.polls_enabled)
    throw Refusal(ErrorKind::Conflict, 403, "polls are not enabled for live " + live.label());
  if (!p.open) throw Refusal(ErrorKind::Conflict, 403, "poll " + std::to_string(poll_id) + " is closed; its results stay");
  if (option < 0 || static_cast<std::size_t>(option) >= p.options.size())
    throw Refusal(ErrorKind::InvalidParams, 400,
                  "option " + std::to_string(option) + " is not one of poll " + std::to_string(poll_id) +
                      "'s; give 0 to " + std::to_string(p.options.size() - 1));
  if (device.empty())
    throw Refusal(ErrorKind::InvalidParams, 400,
                  "a vote needs this device's id, the bvlive_device cookie (or the X-Bvlive-Device header "
                  "with the \"device\" of GET /live/" + live.label() + "/interaction): open /watch/" + live.label() +
                      " first");
  if (!store_.insert_vote(p.id, device, option, now)) {
    const auto earlier = store_.votes_of(live.id, device);
    const auto chose = earlier.find(p.id);
    throw Refusal(ErrorKind::Conflict, 409,
                  "this device has already voted in poll " + std::to_string(poll_id) +
                      (chose != earlier.end() && static_cast<std::size_t>(chose->second) < p.options.size()
                           ? " (for \"" + p.options[static_cast<std::size_t>(chose->second)] + "\")"
                           : std::string()) +
                      "; one vote per device");
  }
  ++p.votes[static_cast<std::size_t>(option)];
  ++votes_;
  unsent_.insert(p.id);
  if (!publish_pending_) {
    publish_pending_ = true;
    publish_timer_.start(kPublishMs, 0, [this] { flush(); });
  }
  return p;
}

void PollService::shut(Poll& p, TimeMs now) {
  store_.close_poll(p.id, now);
  p.open = false;
  p.closed_at = now;
  publish(p);
}

void PollService::publish(const Poll& p) {
  unsent_.erase(p.id);
  events_.publish(p.live_id, "poll", interaction::to_json(p));
}

void PollService::flush() {
  publish_pending_ = false;
  const auto ids = std::move(unsent_);
  unsent_.clear();
  for (const auto id : ids)
    if (const auto found = polls_.find(id); found != polls_.end()) publish(found->second);
}

std::vector<Poll> PollService::of_live(const std::string& live_id) const {
  std::vector<Poll> out;
  for (const auto& [id, p] : polls_)
    if (p.live_id == live_id) out.push_back(p);
  return out;
}

nlohmann::json PollService::page_json(const LiveRecord& live, const std::string& device) {
  const auto mine = device.empty() ? std::map<std::int64_t, int>() : store_.votes_of(live.id, device);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : of_live(live.id)) {
    const auto chose = mine.find(p.id);
    list.push_back(interaction::to_json(p, true, chose == mine.end() ? std::nullopt : std::optional<int>(chose->second)));
  }
  return list;
}

void PollService::close_all(const LiveRecord& live, TimeMs now) {
  for (auto& [id, p] : polls_)
    if (p.live_id == live.id && p.open) shut(p, now);
}

void PollService::forget(const std::string& live_id) {
  std::erase_if(polls_, [&](const auto& entry) { return entry.second.live_id == live_id; });
}

}  // namespace bvlive
