#include "context.hpp"

#include "client.hpp"
#include "exit_codes.hpp"
#include "socket_path.hpp"

#include <iostream>

namespace bvlive::cli {

void add_global_options(CLI::App& app, GlobalOptions& options, bool with_json) {
  app.add_option("--socket", options.socket,
                 "bvlived's control socket (default: see bvlive --help)")
      ->option_text("PATH")
      ->group("Global options");
  if (with_json)
    app.add_flag("--json", options.json, "print the daemon's result as JSON, for scripts")
        ->group("Global options");
  app.add_flag("-q,--quiet", options.quiet,
               "print only what a script needs (the id, the key) and no warnings")
      ->group("Global options");
}

std::string Context::socket_path() const { return resolve_socket_path(options.socket); }

nlohmann::json Context::call(std::string_view method, const nlohmann::json& params) const {
  Client client(socket_path());
  return client.call(method, params);
}

void Context::print_warnings(const nlohmann::json& result) const {
  if (options.quiet || !result.is_object()) return;
  auto it = result.find("warnings");
  if (it == result.end() || !it->is_array()) return;
  for (const auto& w : *it)
    std::cerr << "bvlive: warning: " << (w.is_string() ? w.get<std::string>() : w.dump()) << '\n';
}

void set_footer(CLI::App& sub, const std::string& text) {
  sub.footer(text + "\n\n" + kExitCodesHelp);
}

void on_run(CLI::App& sub, Context& ctx, std::function<int()> run) {
  sub.callback([&ctx, run = std::move(run)] { ctx.action = run; });
}

}  // namespace bvlive::cli
