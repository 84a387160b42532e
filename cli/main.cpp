// bvlive: the command-line client of bvlived. Builds the CLI11 app, runs the parsed
// subcommand, and maps failures to the documented exit codes (exit_codes.hpp).
#include "bvlive/version.hpp"
#include "cli_error.hpp"
#include "commands.hpp"
#include "context.hpp"
#include "exit_codes.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

namespace {

constexpr const char* kSocketHelp =
    "The control socket is --socket PATH, else $BVLIVE_SOCKET, else\n"
    "$XDG_RUNTIME_DIR/bvlive/bvlived.sock, else /run/bvlive/bvlived.sock for root,\n"
    "else /tmp/bvlive-UID/bvlived.sock (the daemon uses the same rule).\n"
    "Global options go before or after the command name. Run 'bvlive COMMAND --help'\n"
    "for a command's options.\n";

std::string failure_message(const CLI::App* app, const CLI::Error& e) {
  std::string help = "bvlive --help";
  if (app != nullptr) {
    auto subs = app->get_subcommands();
    if (!subs.empty()) help = "bvlive " + subs.front()->get_name() + " --help";
  }
  return std::string("bvlive: ") + e.what() + "\nRun '" + help + "' for more information.\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bvlive::cli;

  Context ctx;
  CLI::App app{"bvlive: control bvlived, the self-hosted live streaming daemon.\n"
               "Every ID argument is a live's id or its custom_id.",
               "bvlive"};
  app.set_version_flag("--version", std::string("bvlive ") + bvlive::kVersion);
  app.require_subcommand(1);
  app.failure_message(failure_message);
  app.get_formatter()->column_width(34);
  app.footer(std::string(kSocketHelp) + "\n" + kExitCodesHelp);
  add_global_options(app, ctx.options);

  register_create_update(app, ctx);
  register_queries(app, ctx);
  register_lifecycle(app, ctx);
  register_manage(app, ctx);
  register_daemon(app, ctx);
  register_library(app, ctx);
  register_security(app, ctx);
  register_interaction(app, ctx);
  register_apikey(app, ctx);
  register_edge(app, ctx);

  if (argc <= 1) {
    std::cerr << app.help();
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);  // prints help, the version, or the error
    return rc == 0 ? kExitOk : kExitUsage;
  }

  try {
    return ctx.action ? ctx.action() : kExitOk;
  } catch (const CliError& e) {
    std::cerr << "bvlive: " << e.what() << '\n';
    return e.exit_code();
  } catch (const std::exception& e) {
    std::cerr << "bvlive: " << e.what() << '\n';
    return kExitError;
  }
}
