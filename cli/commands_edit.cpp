// bvlive create, bvlive update.
//
// `--json` is the global "print JSON" flag, but the product promises that
// `bvlive create --json FILE` accepts a body written for the hosted API. On `create`
// (only) `--json` therefore takes an optional value:
//   bvlive create --json body.json   read the body from body.json and print the result as JSON
//   bvlive create --json - < b.json  the same, body from stdin
//   bvlive create --name x --json    no value: just print the result as JSON
// The explicit spellings are `-f/--file FILE|-` for the body and `-o/--output json` (or
// `bvlive --json create ...`, before the command name) for the output. Because the value
// is optional, `--json` with no FILE must be last or followed by another option.
#include "cli_error.hpp"
#include "commands.hpp"
#include "create_body.hpp"
#include "exit_codes.hpp"
#include "live_view.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>

namespace bvlive::cli {
namespace {

using nlohmann::json;

struct CreateArgs {
  LiveFlags flags;
  std::string file;
  CLI::Option* file_option = nullptr;
  std::string json_file;
  CLI::Option* json_option = nullptr;
  std::string output = "text";
};

struct UpdateArgs {
  std::string id;
  LiveFlags flags;
  std::string file;
  CLI::Option* file_option = nullptr;
};

constexpr const char* kCreateFooter =
    "The body file holds a live as in the hosted API's create body ({\"live\": {...}} or the bare\n"
    "object); enum values may use the long names (BROADCAST_MODE_DVR) or the short forms (dvr).\n"
    "Flags override the fields of the file.\n";
constexpr const char* kUpdateFooter =
    "The patch holds only the fields to change (RFC 7396 merge patch: null removes a field);\n"
    "flags override the fields of the file. Prints the changed fields, then the live.\n";
constexpr const char* kFlagFooter =
    "TIME is RFC 3339 (2025-06-01T09:00:00Z); DUR is a duration (90s, 15m, 1h30m, 2d);\n"
    "'none' clears a TIME or DUR field.";

int run_create(const Context& ctx, const CreateArgs& a) {
  bool json_out = ctx.options.json || a.output == "json" || a.json_option->count() > 0;
  std::string body_path = a.file_option->count() > 0 ? a.file : std::string();
  if (a.json_option->count() > 0 && !a.json_file.empty()) {
    if (!body_path.empty())
      throw CliError(kExitUsage, "give the body once: --file FILE or --json FILE, not both");
    body_path = a.json_file;
  }
  json body = body_path.empty() ? json::object() : read_body_file(body_path);
  apply_live_flags(a.flags, body, ClearAs::Remove);

  json result = ctx.call("live.create", {{"live", body}});
  const json& live = result.is_object() && result.contains("live") ? result["live"] : result;
  if (json_out)
    print_json(result);
  else if (ctx.options.quiet)
    std::cout << field_text(live, "id") << '\n';
  else
    print_live(std::cout, live);
  ctx.print_warnings(result);
  return kExitOk;
}

int run_update(const Context& ctx, const UpdateArgs& a) {
  json patch = a.file_option->count() > 0 ? read_body_file(a.file) : json::object();
  apply_live_flags(a.flags, patch, ClearAs::Null);
  if (patch.empty())
    throw CliError(kExitUsage, "nothing to update: give field flags (see bvlive update --help) or --file");

  json result = ctx.call("live.update", {{"id", a.id}, {"live", patch}});
  if (ctx.options.json) {
    print_json(result);
  } else if (!ctx.options.quiet) {
    const json& changed = result.is_object() ? result.value("changed", json::array()) : json::array();
    if (changed.is_array() && !changed.empty())
      std::cout << "changed: " << text_of(changed) << "\n\n";
    else
      std::cout << "no changes\n\n";
    // A new schedule may already be due: say what it set off.
    if (print_transitions(std::cout, result, a.id)) std::cout << '\n';
    print_live(std::cout, result.is_object() ? result.value("live", json::object()) : json::object());
  }
  ctx.print_warnings(result);
  return kExitOk;
}

}  // namespace

void register_create_update(CLI::App& app, Context& ctx) {
  {
    auto args = std::make_shared<CreateArgs>();
    CLI::App* sub = app.add_subcommand("create", "create a live from flags and/or a JSON body");
    add_global_options(*sub, ctx.options, /*with_json=*/false);
    args->json_option =
        sub->add_option("--json", args->json_file,
                        "print the result as JSON; with FILE (or - for stdin), also read the "
                        "body from it, as --file does")
            ->expected(0, 1)
            ->option_text("[FILE|-]")
            ->group("Global options");
    args->file_option = sub->add_option("-f,--file", args->file,
                                        "read the create body (JSON) from FILE, or - for stdin")
                            ->option_text("FILE|-");
    sub->add_option("-o,--output", args->output, "output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->option_text("text|json");
    add_live_flags(*sub, args->flags);
    set_footer(*sub, std::string(kCreateFooter) + kFlagFooter +
                "\n\nExamples:\n"
                "  bvlive create --name 'Sunday service' --custom-id sunday \\\n"
                "      --scheduled-at 2025-06-01T09:00:00Z --broadcast-mode dvr --ingest rtmp,srt\n"
                "  bvlive create --json body.json            (prints JSON)\n"
                "  bvlive create -f body.json --name 'Other name'\n"
                "  ID=$(bvlive create -q --name test)");
    on_run(*sub, ctx, [&ctx, args] { return run_create(ctx, *args); });
  }
  {
    auto args = std::make_shared<UpdateArgs>();
    CLI::App* sub = app.add_subcommand("update", "change fields of a live (a merge patch)");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    args->file_option = sub->add_option("-f,--file", args->file,
                                        "read a JSON merge patch (RFC 7396) from FILE, or - for stdin")
                            ->option_text("FILE|-");
    add_live_flags(*sub, args->flags);
    set_footer(*sub, std::string(kUpdateFooter) + kFlagFooter +
                "\n\nExamples:\n"
                "  bvlive update sunday --scheduled-at 2025-06-08T09:00:00Z --auto-start\n"
                "  bvlive update sunday --live-vod none --no-ull");
    on_run(*sub, ctx, [&ctx, args] { return run_update(ctx, *args); });
  }
}

}  // namespace bvlive::cli
