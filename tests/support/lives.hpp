// Small helpers over `bvlive ... --json` for the integration tests.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace bvtest {

// `bvlive show ID --json` -> the "live" object (throws with the CLI's output on failure).
nlohmann::json live_of(const Cli& cli, const std::string& id);
std::string state_of(const Cli& cli, const std::string& id);  // "" when show fails
// Polls `show` every 100 ms until the live is in `state`; false after `timeout`.
bool wait_for_state(const Cli& cli, const std::string& id, const std::string& state, Ms timeout = 10s);
// `bvlive events ID --json` -> the "events" array, oldest first.
nlohmann::json events_of(const Cli& cli, const std::string& id);
// One line per event, "FROM -> TO trigger/cause", for comparing and printing histories.
std::vector<std::string> history(const nlohmann::json& events);
std::string joined(const std::vector<std::string>& lines);
bool has_line(const std::vector<std::string>& lines, const std::string& line);
// The first event whose "to" is `to` (and "from" is `from` unless empty); null if none.
nlohmann::json find_event(const nlohmann::json& events, const std::string& to, const std::string& from = "");
// `bvlive list --json` exactly as printed (for "nothing changed" comparisons).
std::string list_json_text(const Cli& cli);
// Sleeps until the wall clock has passed `unix_ms` (+ `margin`).
void sleep_until(std::int64_t unix_ms, Ms margin = 0ms);

}  // namespace bvtest
