// A poll of a live: a question, 2 to 10 options, open until the host closes it (or the
// live's phase ends), and how many devices chose each option. One vote per device.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/time.hpp"

namespace bvlive::interaction {

struct Poll {
  std::int64_t id = 0;
  std::string live_id;
  std::string question;
  std::vector<std::string> options;
  bool open = true;
  TimeMs created_at = 0;
  std::optional<TimeMs> closed_at;
  std::vector<std::int64_t> votes;  // per option, same length as options

  std::int64_t total() const;
};

struct PollLimits {
  static constexpr std::size_t kMinOptions = 2, kMaxOptions = 10;
  static constexpr std::size_t kMaxQuestion = 200, kMaxOption = 80;  // characters
};

// Trims the question and options in place; why they cannot make a poll, or nothing.
std::optional<std::string> check_poll(std::string& question, std::vector<std::string>& options);

// {id, question, options, open, votes, total, created_at, closed_at?}; with `voted`
// (the asking device's option, or null) when `with_voted`.
nlohmann::json to_json(const Poll& p, bool with_voted = false, std::optional<int> voted = std::nullopt);

}  // namespace bvlive::interaction
