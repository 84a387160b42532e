// bvlive preview, start, end, cancel, close, reopen, archive: the lifecycle operations.
// Each prints one line per transition the daemon made: "sunday: PREVIEW -> LIVE".
#include "commands.hpp"
#include "exit_codes.hpp"
#include "live_view.hpp"
#include "output.hpp"

#include <array>
#include <iostream>
#include <memory>

namespace bvlive::cli {
namespace {

using nlohmann::json;

struct Op {
  const char* name;
  const char* help;
};

constexpr std::array kOps{
    Op{"preview", "open a live for ingest: WAIT_FOR_PREVIEW -> PREVIEW (host preview only)"},
    Op{"start", "go live: PREVIEW -> LIVE (public playback begins)"},
    Op{"end", "end a live: LIVE -> ENCODING (with live_vod) or LIVE_END"},
    Op{"cancel", "cancel a live that has not ended: SCHEDULED ... LIVE -> CLOSED"},
    Op{"close", "close an ended live: LIVE_END -> CLOSED"},
    Op{"reopen", "re-open a closed live: CLOSED -> SCHEDULED or PREPARING"},
    Op{"archive", "archive a live for good: LIVE_END, CLOSED -> ARCHIVED"},
};

int run_op(const Context& ctx, const std::string& op, const std::string& id) {
  json result = ctx.call("live." + op, {{"id", id}});
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  if (ctx.options.quiet) return kExitOk;
  if (!print_transitions(std::cout, result, id)) {
    const json live = result.is_object() ? result.value("live", json::object()) : json::object();
    std::cout << (live.is_object() && !live.empty() ? display_name(live) : id) << ": " << field_text(live, "state")
              << " (no change)\n";
  }
  return kExitOk;
}

}  // namespace

void register_lifecycle(CLI::App& app, Context& ctx) {
  for (const Op& op : kOps) {
    auto id = std::make_shared<std::string>();
    CLI::App* sub = app.add_subcommand(op.name, op.help);
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, *id);
    std::string name = op.name;
    on_run(*sub, ctx, [&ctx, name, id] { return run_op(ctx, name, *id); });
  }
}

}  // namespace bvlive::cli
