// bvlive delete, bvlive rotate-key.
#include "cli_error.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <string>

namespace bvlive::cli {
namespace {

using nlohmann::json;

struct DeleteArgs {
  std::string id;
  bool yes = false;
};

// Asks on the terminal; true for y/yes (any case).
bool confirm(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << '\n';
    return false;
  }
  auto b = answer.find_first_not_of(" \t");
  auto e = answer.find_last_not_of(" \t\r");
  answer = b == std::string::npos ? std::string() : answer.substr(b, e - b + 1);
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "Yes" || answer == "YES";
}

int run_delete(const Context& ctx, const DeleteArgs& a) {
  if (!a.yes) {
    if (!::isatty(STDIN_FILENO))
      throw CliError(kExitUsage, "pass --yes to delete without a prompt");
    // Look it up first: a wrong id fails (exit 4) before asking anything.
    json got = ctx.call("live.get", {{"id", a.id}});
    const json live = got.is_object() ? got.value("live", json::object()) : json::object();
    std::string what = a.id;
    if (std::string name = field_text(live, "name"); name != "-") what += " (" + name + ")";
    if (!confirm("Delete live " + what + " and all its media?"))
      throw CliError(kExitError, "not deleted");
  }
  json result = ctx.call("live.delete", {{"id", a.id}});
  if (ctx.options.json) {
    print_json(result);
  } else if (!ctx.options.quiet) {
    const json deleted = result.is_object() ? result.value("deleted", json::object()) : json::object();
    std::string id = field_text(deleted, "id");
    std::string custom_id = field_text(deleted, "custom_id");
    std::cout << "deleted " << (custom_id != "-" ? custom_id + " (" + id + ")" : id) << '\n';
  }
  return kExitOk;
}

struct IdArgs {
  std::string id;
};

int run_rotate_key(const Context& ctx, const IdArgs& a) {
  json result = ctx.call("live.rotate_key", {{"id", a.id}});
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  const json live = result.is_object() ? result.value("live", json::object()) : json::object();
  if (ctx.options.quiet) {
    std::cout << field_text(live, "stream_key") << '\n';
  } else {
    KeyValues kv;
    kv.add("live", display_name(live));
    kv.add("stream_key", field_text(live, "stream_key"));
    kv.print(std::cout);
  }
  return kExitOk;
}

}  // namespace

void register_manage(CLI::App& app, Context& ctx) {
  {
    auto args = std::make_shared<DeleteArgs>();
    CLI::App* sub = app.add_subcommand("delete", "delete a live and all its media");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    sub->add_flag("-y,--yes", args->yes, "do not ask (required when stdin is not a terminal)");
    set_footer(*sub, "Without --yes, asks on the terminal; with no terminal, refuses (exit 2).");
    on_run(*sub, ctx, [&ctx, args] { return run_delete(ctx, *args); });
  }
  {
    auto args = std::make_shared<IdArgs>();
    CLI::App* sub = app.add_subcommand("rotate-key", "replace a live's stream key with a new one");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    set_footer(*sub, "With -q, prints only the new key.");
    on_run(*sub, ctx, [&ctx, args] { return run_rotate_key(ctx, *args); });
  }
}

}  // namespace bvlive::cli
