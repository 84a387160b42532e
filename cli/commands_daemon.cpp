// bvlive status, bvlive reload: the daemon itself.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "lifecycle/live_state.hpp"
#include "util/byte_size.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <vector>
#include <iostream>

namespace bvlive::cli {
namespace {

using nlohmann::json;

std::string uptime_text(const json& status) {
  auto it = status.find("uptime_s");
  if (it == status.end() || !it->is_number()) return "-";
  auto seconds = static_cast<DurationMs>(std::llround(it->get<double>()));
  std::string out = format_duration(seconds * 1000);
  if (std::string since = time_field(status, "started_at"); since != "-") out += " (since " + since + ")";
  return out;
}

std::string lives_text(const json& status) {
  std::string out = field_text(status, "lives_total");
  auto by = status.find("lives_by_state");
  if (by == status.end() || !by->is_object() || by->empty()) return out;
  // Lifecycle order first, then anything else the daemon reports; zero counts left out.
  std::vector<std::string> states;
  for (auto s : kAllLiveStates) states.emplace_back(to_string(s));
  for (const auto& [state, n] : by->items())
    if (std::find(states.begin(), states.end(), state) == states.end()) states.push_back(state);
  std::string parts;
  for (const auto& state : states) {
    auto n = by->find(state);
    if (n == by->end() || (n->is_number() && n->get<double>() == 0)) continue;
    if (!parts.empty()) parts += ", ";
    parts += state + " " + text_of(*n);
  }
  return parts.empty() ? out : out + " (" + parts + ")";
}

int run_status(const Context& ctx) {
  json status = ctx.call("daemon.status", json::object());
  if (ctx.options.json) {
    print_json(status);
    return kExitOk;
  }
  if (ctx.options.quiet) return kExitOk;
  if (!status.is_object()) status = json::object();
  KeyValues kv;
  kv.add("version", field_text(status, "version"));
  kv.add("pid", field_text(status, "pid"));
  kv.add("uptime", uptime_text(status));
  kv.add("socket", status.contains("socket") ? field_text(status, "socket") : ctx.socket_path());
  kv.add("state dir", field_text(status, "state_dir"));
  std::string config = field_text(status, "config");
  kv.add("config", config == "-" ? "none (built-in defaults)" : config);
  kv.add("lives", lives_text(status));
  // Listener ports: "rtmp 1935, srt 9000, http 8080" (a disabled one is left out).
  std::string ports;
  const json listeners = status.value("listeners", json::object());
  for (const char* name : {"rtmp", "rtmps", "srt", "http", "https", "webrtc", "api"}) {
    const json port = listeners.is_object() ? listeners.value(name, json()) : json();
    if (!port.is_number()) continue;
    ports += (ports.empty() ? "" : ", ") + std::string(name) + " " + text_of(port);
  }
  kv.add("listeners", ports.empty() ? "none" : ports);
  if (const json& tls = status.value("tls", json()); tls.is_object())
    kv.add("certificate", field_text(tls, "subject") + " (valid until " + field_text(tls, "not_after") + ")");
  if (const json& disk = status.value("media_disk", json()); disk.is_object()) {
    std::string line = format_byte_size(disk.value("free_bytes", std::uint64_t{0})) + " free of " +
                       format_byte_size(disk.value("size_bytes", std::uint64_t{0}));
    if (const auto min = disk.value("min_free_bytes", std::uint64_t{0}); min > 0)
      line += disk.value("pushes_refused", false) ? ": PUSHES REFUSED (below " + format_byte_size(min) + ")"
                                                  : " (pushes refused below " + format_byte_size(min) + ")";
    kv.add("media disk", line);
  }
  if (const json& drm = status.value("drm", json()); drm.is_object()) {
    std::string line = "keys from the " + field_text(drm, "keys");
    if (const auto failures = drm.value("key_fetch_failures", std::uint64_t{0}); failures > 0)
      line += " (" + std::to_string(failures) + " fetches failed)";
    kv.add("drm", line);
  }
  kv.add("sessions", field_text(status, "sessions_running") + " running");
  kv.print(std::cout);
  return kExitOk;
}

std::string list_text(const json& items) {
  if (!items.is_array() || items.empty()) return "-";
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += "\n";
    if (!item.is_object()) {
      out += text_of(item);
      continue;
    }
    out += field_text(item, "custom_id");
    if (auto f = item.find("fields"); f != item.end()) out += " (" + text_of(*f) + ")";
    if (auto r = item.find("reason"); r != item.end()) out += ": " + text_of(*r);
  }
  return out;
}

int run_reload(const Context& ctx) {
  json result = ctx.call("daemon.reload", json::object());
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  if (ctx.options.quiet) return kExitOk;
  if (!result.is_object()) result = json::object();
  KeyValues kv;
  kv.add("config", field_text(result, "config"));
  for (const char* key : {"created", "updated", "unchanged", "skipped"})
    kv.add(key, list_text(result.value(key, json::array())));
  // Only worth a line when there is something to say.
  for (const char* key : {"not_applied", "restart_needed_for"})
    if (auto it = result.find(key); it != result.end() && it->is_array() && !it->empty())
      kv.add(key == std::string("not_applied") ? "not applied" : "restart needed for", list_text(*it));
  if (const json& tls = result.value("tls", json()); tls.is_object()) {
    if (tls.value("reloaded", false))
      kv.add("certificate", field_text(tls, "subject") + " (valid until " + field_text(tls, "not_after") + ")");
    else
      kv.add("certificate", "NOT reloaded, the running one is kept: " + field_text(tls, "error"));
  }
  kv.print(std::cout);
  return kExitOk;
}

}  // namespace

void register_daemon(CLI::App& app, Context& ctx) {
  CLI::App* status = app.add_subcommand("status", "show the daemon: version, uptime, paths, lives by state");
  add_global_options(*status, ctx.options);
  on_run(*status, ctx, [&ctx] { return run_status(ctx); });

  CLI::App* reload = app.add_subcommand("reload", "re-read bvlived.toml and apply its [[live]] tables");
  add_global_options(*reload, ctx.options);
  set_footer(*reload, "A bad config file is refused with file, line and column; the running state is kept.");
  on_run(*reload, ctx, [&ctx] { return run_reload(ctx); });
}

}  // namespace bvlive::cli
