#include "support/lives.hpp"

#include <stdexcept>

namespace bvtest {

using nlohmann::json;

json live_of(const Cli& cli, const std::string& id) {
  json j = cli.json({"show", id});
  if (!j.is_object() || !j.contains("live") || !j["live"].is_object())
    throw std::runtime_error("bvlive show " + id + " --json has no \"live\" object: " + j.dump());
  return j["live"];
}

std::string state_of(const Cli& cli, const std::string& id) {
  RunResult r = cli.run({"--json", "show", id});
  if (r.code != 0) return "";
  json j = json::parse(r.out, nullptr, false);
  if (j.is_discarded() || !j.contains("live") || !j["live"].contains("state") || !j["live"]["state"].is_string())
    return "";
  return j["live"]["state"].get<std::string>();
}

bool wait_for_state(const Cli& cli, const std::string& id, const std::string& state, Ms timeout) {
  return poll_until([&] { return state_of(cli, id) == state; }, timeout, 100ms);
}

json events_of(const Cli& cli, const std::string& id) {
  json j = cli.json({"events", id});
  if (!j.is_object() || !j.contains("events") || !j["events"].is_array())
    throw std::runtime_error("bvlive events " + id + " --json has no \"events\" array: " + j.dump());
  return j["events"];
}

namespace {
std::string text(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}
}  // namespace

std::vector<std::string> history(const json& events) {
  std::vector<std::string> out;
  for (const auto& e : events)
    out.push_back(text(e.value("from", json())) + " -> " + text(e.value("to", json())) + " " +
                  text(e.value("trigger", json())) + "/" + text(e.value("cause", json())));
  return out;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += "\n    " + l;
  return s;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  for (const auto& l : lines)
    if (l == line) return true;
  return false;
}

json find_event(const json& events, const std::string& to, const std::string& from) {
  for (const auto& e : events) {
    if (text(e.value("to", json())) != to) continue;
    if (!from.empty() && text(e.value("from", json())) != from) continue;
    return e;
  }
  return json();
}

std::string list_json_text(const Cli& cli) {
  RunResult r = cli.run({"--json", "list"});
  if (r.code != 0) throw std::runtime_error("bvlive list --json failed:" + r.describe());
  return r.out;
}

void sleep_until(std::int64_t unix_ms, Ms margin) {
  const std::int64_t wait = unix_ms + margin.count() - now_ms();
  if (wait > 0) sleep_for(Ms(wait));
}

}  // namespace bvtest
