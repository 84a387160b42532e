#include "core/interaction/poll.hpp"

#include <algorithm>
#include <numeric>

#include "util/utf8_text.hpp"

namespace bvlive::interaction {

std::int64_t Poll::total() const { return std::accumulate(votes.begin(), votes.end(), std::int64_t{0}); }

std::optional<std::string> check_poll(std::string& question, std::vector<std::string>& options) {
  question = utf8::trim(question);
  if (question.empty()) return "the poll needs a question";
  if (utf8::length(question) > PollLimits::kMaxQuestion)
    return "the question is " + std::to_string(utf8::length(question)) + " characters long; at most " +
           std::to_string(PollLimits::kMaxQuestion) + " are allowed";
  if (options.size() < PollLimits::kMinOptions || options.size() > PollLimits::kMaxOptions)
    return "a poll has " + std::to_string(PollLimits::kMinOptions) + " to " + std::to_string(PollLimits::kMaxOptions) +
           " options; " + std::to_string(options.size()) + " given";
  for (std::size_t i = 0; i < options.size(); ++i) {
    auto& o = options[i];
    o = utf8::trim(o);
    const std::string which = "option " + std::to_string(i + 1);
    if (o.empty()) return which + " is empty";
    if (utf8::length(o) > PollLimits::kMaxOption)
      return which + " is " + std::to_string(utf8::length(o)) + " characters long; at most " +
             std::to_string(PollLimits::kMaxOption) + " are allowed";
    if (std::find(options.begin(), options.begin() + static_cast<std::ptrdiff_t>(i), o) !=
        options.begin() + static_cast<std::ptrdiff_t>(i))
      return which + " (\"" + o + "\") is given twice; options must differ";
  }
  if (utf8::has_control(question) ||
      std::any_of(options.begin(), options.end(), [](const std::string& o) { return utf8::has_control(o); }))
    return "the question and options must be printable text without control characters";
  return std::nullopt;
}

nlohmann::json to_json(const Poll& p, bool with_voted, std::optional<int> voted) {
  nlohmann::json j = {{"id", p.id},       {"question", p.question},
                      {"options", p.options}, {"open", p.open},
                      {"votes", p.votes}, {"total", p.total()},
                      {"created_at", format_rfc3339(p.created_at)}};
  if (p.closed_at) j["closed_at"] = format_rfc3339(*p.closed_at);
  if (with_voted) j["voted"] = voted ? nlohmann::json(*voted) : nlohmann::json(nullptr);
  return j;
}

}  // namespace bvlive::interaction
