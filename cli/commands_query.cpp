// bvlive list, show, events, sessions: read-only views.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "live_view.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>

namespace bvlive::cli {
namespace {

using nlohmann::json;

const json& array_of(const json& result, const char* key) {
  static const json empty = json::array();
  if (!result.is_object()) return empty;
  auto it = result.find(key);
  return it != result.end() && it->is_array() ? *it : empty;
}

struct ListArgs {
  std::string state;
};

int run_list(const Context& ctx, const ListArgs& a) {
  json params = json::object();
  if (!a.state.empty()) params["state"] = a.state;
  json result = ctx.call("live.list", params);
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  const json& lives = array_of(result, "lives");
  if (ctx.options.quiet) {
    for (const auto& s : lives) std::cout << field_text(s, "id") << '\n';
    return kExitOk;
  }
  if (lives.empty()) {
    std::cout << (a.state.empty() ? "no lives\n" : "no lives in state " + a.state + "\n");
    return kExitOk;
  }
  Table table({"ID", "CUSTOM_ID", "NAME", "TYPE", "STATE", "CHANNEL", "SCHEDULED (UTC)"});
  for (const auto& s : lives)
    table.add_row({field_text(s, "id"), field_text(s, "custom_id"), field_text(s, "name"),
                   field_text(s, "type", true), field_text(s, "state"),
                   field_text(s, "channel_state"), time_field(s, "scheduled_at")});
  table.print(std::cout);
  return kExitOk;
}

struct IdArgs {
  std::string id;
};

int run_show(const Context& ctx, const IdArgs& a) {
  json result = ctx.call("live.get", {{"id", a.id}});
  if (ctx.options.json)
    print_json(result);
  else
    print_live(std::cout, result.is_object() ? result.value("live", json::object()) : json::object());
  return kExitOk;
}

struct EventsArgs {
  std::string id;
  int limit = 0;
  CLI::Option* limit_option = nullptr;
};

int run_events(const Context& ctx, const EventsArgs& a) {
  json params = {{"id", a.id}};
  if (a.limit_option->count() > 0) params["limit"] = a.limit;
  json result = ctx.call("live.events", params);
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  if (ctx.options.quiet) return kExitOk;
  const json& events = array_of(result, "events");
  if (events.empty()) {
    std::cout << "no events\n";
    return kExitOk;
  }
  Table table({"SEQ", "TIME", "FROM", "TO", "TRIGGER", "CAUSE", "BY", "DETAIL"});
  for (const auto& e : events) {
    std::string detail = field_text(e, "detail");
    if (auto d = e.find("detail"); d != e.end() && d->is_object()) detail = d->dump();
    table.add_row({field_text(e, "seq"), time_field(e, "at"), field_text(e, "from"),
                   field_text(e, "to"), field_text(e, "trigger"), field_text(e, "cause"),
                   e.value("api_key", json()).is_string() ? "key:" + field_text(e, "api_key") : field_text(e, "uid"),
                   detail});
  }
  table.print(std::cout);
  return kExitOk;
}

int run_sessions(const Context& ctx, const IdArgs& a) {
  json result = ctx.call("live.sessions", {{"id", a.id}});
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  const json& sessions = array_of(result, "sessions");
  if (ctx.options.quiet) {
    for (const auto& s : sessions) std::cout << field_text(s, "id") << '\n';
    return kExitOk;
  }
  if (sessions.empty()) {
    std::cout << "no sessions\n";
    return kExitOk;
  }
  Table table({"ID", "STATE", "PROTOCOL", "REMOTE", "STARTED", "ENDED", "SEGMENTS", "MEDIA", "REASON"});
  for (const auto& s : sessions) {
    const std::string media = media_summary(s.value("media", json::object()));
    table.add_row({field_text(s, "id"), field_text(s, "state"), field_text(s, "protocol"),
                   field_text(s, "remote"), time_field(s, "started_at"), time_field(s, "ended_at"),
                   field_text(s, "segments"), media.empty() ? "-" : media, field_text(s, "end_reason")});
  }
  table.print(std::cout);
  return kExitOk;
}

}  // namespace

CLI::Option* add_id_argument(CLI::App& sub, std::string& id) {
  return sub.add_option("ID", id, "the live's id or custom_id")->required()->type_name("");
}

void register_queries(CLI::App& app, Context& ctx) {
  {
    auto args = std::make_shared<ListArgs>();
    CLI::App* sub = app.add_subcommand("list", "list lives, oldest first");
    add_global_options(*sub, ctx.options);
    sub->add_option("--state", args->state, "only lives in this state (any case), e.g. LIVE")
        ->option_text("STATE");
    set_footer(*sub, "With -q, prints only the ids, one per line.");
    on_run(*sub, ctx, [&ctx, args] { return run_list(ctx, *args); });
  }
  {
    auto args = std::make_shared<IdArgs>();
    CLI::App* sub = app.add_subcommand("show", "show a live: fields, state, schedule, session");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    on_run(*sub, ctx, [&ctx, args] { return run_show(ctx, *args); });
  }
  {
    auto args = std::make_shared<EventsArgs>();
    CLI::App* sub = app.add_subcommand("events", "print a live's state history, oldest first");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    args->limit_option = sub->add_option("--limit", args->limit, "at most N events")
                             ->check(CLI::PositiveNumber)
                             ->option_text("N");
    set_footer(*sub, 
        "FROM is - for the creation event, TO is - for deletion. CAUSE is op, schedule,\n"
        "missed-schedule, ingest, timeout, error or config; BY is the uid of the client that\n"
        "asked, key:NAME for a change made through the HTTP API with key NAME (- for automatic\n"
        "transitions).");
    on_run(*sub, ctx, [&ctx, args] { return run_events(ctx, *args); });
  }
  {
    auto args = std::make_shared<IdArgs>();
    CLI::App* sub = app.add_subcommand("sessions", "list a live's ingest sessions, newest first");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    on_run(*sub, ctx, [&ctx, args] { return run_sessions(ctx, *args); });
  }
}

}  // namespace bvlive::cli
