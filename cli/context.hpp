// What every command shares: the global options (--socket, --json, -q/--quiet), the
// daemon call, and the action the parsed subcommand runs after parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace bvlive::cli {

struct GlobalOptions {
  std::string socket;  // empty: $BVLIVE_SOCKET or the default
  bool json = false;   // print the daemon's result JSON as is
  bool quiet = false;  // print only what a script needs (an id, a key), no warnings
};

// Adds --socket, -q/--quiet and (unless with_json is false) --json to `app`. Called on
// the app and on every subcommand, so the options go before or after the command name.
void add_global_options(CLI::App& app, GlobalOptions& options, bool with_json = true);

class Context {
 public:
  GlobalOptions options;
  // Set by the parsed subcommand's callback, run by main after parsing; returns the exit code.
  std::function<int()> action;

  // Calls the daemon; throws CliError (exit code of the error kind, or 69).
  nlohmann::json call(std::string_view method, const nlohmann::json& params) const;
  std::string socket_path() const;

  // "bvlive: warning: ..." on stderr for each string of result.warnings, unless quiet.
  void print_warnings(const nlohmann::json& result) const;
};

// Sets a subcommand's help footer: `text`, then the exit codes.
void set_footer(CLI::App& sub, const std::string& text);

// Registers the subcommand callback: sets ctx.action to `run`.
void on_run(CLI::App& sub, Context& ctx, std::function<int()> run);

}  // namespace bvlive::cli
