#include "origin/held_requests.hpp"

#include <utility>
#include <vector>

namespace bvlive {
namespace {

// Deadlines are rounded up to this, so one timer run expires many requests at once.
constexpr std::uint64_t kTickMs = 100;

}  // namespace

HeldRequests::HeldRequests(uv_loop_t* loop, std::size_t max_held) : loop_(loop), max_held_(max_held), timer_(loop) {}

http::Response HeldRequests::hold(std::string key, std::uint64_t timeout_ms, Check check, Timeout on_timeout) {
  http::Response r;
  r.later = [this, key = std::move(key), timeout_ms, check = std::move(check),
             on_timeout = std::move(on_timeout)](http::Response::Send send) mutable {
    if (auto ready = check()) return send(std::move(*ready));
    if (count_ >= max_held_) return send(on_timeout());
    const std::uint64_t deadline = (uv_now(loop_) + timeout_ms + kTickMs - 1) / kTickMs * kTickMs;
    add(key, Waiter{deadline, std::move(check), std::move(on_timeout), std::move(send)});
  };
  return r;
}

void HeldRequests::add(const std::string& key, Waiter w) {
  const std::uint64_t deadline = w.deadline;
  waiting_[key].push_back(std::move(w));
  ++count_;
  if (!armed_for_ || deadline < *armed_for_) arm();
}

void HeldRequests::wake(const std::string& key) {
  const auto found = waiting_.find(key);
  if (found == waiting_.end()) return;
  // Answers are sent once the list is settled: a send may start another request's hold.
  std::vector<std::pair<http::Response::Send, http::Response>> answers;
  auto& list = found->second;
  for (auto it = list.begin(); it != list.end();) {
    if (auto ready = it->check()) {
      answers.emplace_back(std::move(it->send), std::move(*ready));
      it = list.erase(it);
      --count_;
    } else {
      ++it;
    }
  }
  if (list.empty()) waiting_.erase(found);
  answered_ready_ += answers.size();
  for (auto& [send, answer] : answers) send(std::move(answer));
}

void HeldRequests::on_timer() {
  const std::uint64_t now = uv_now(loop_);
  std::vector<std::pair<http::Response::Send, http::Response>> answers;
  for (auto k = waiting_.begin(); k != waiting_.end();) {
    auto& list = k->second;
    for (auto it = list.begin(); it != list.end();) {
      if (it->deadline > now) {
        ++it;
        continue;
      }
      // A last look: what it waits for may have come without a wake.
      auto ready = it->check();
      if (ready) ++answered_ready_;
      else ++timed_out_;
      answers.emplace_back(std::move(it->send), ready ? std::move(*ready) : it->on_timeout());
      it = list.erase(it);
      --count_;
    }
    k = list.empty() ? waiting_.erase(k) : std::next(k);
  }
  arm();
  for (auto& [send, answer] : answers) send(std::move(answer));
}

void HeldRequests::arm() {
  std::optional<std::uint64_t> soonest;
  for (const auto& [key, list] : waiting_)
    for (const Waiter& w : list)
      if (!soonest || w.deadline < *soonest) soonest = w.deadline;
  armed_for_ = soonest;
  if (!soonest) return timer_.stop();
  const std::uint64_t now = uv_now(loop_);
  timer_.start(*soonest > now ? *soonest - now : 0, 0, [this] { on_timer(); });
}

}  // namespace bvlive
