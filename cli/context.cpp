#include "context.hpp"

#include "client.hpp"
#include "socket_path.hpp"

#include <iostream>

namespace bvlive::cli {

void add_global_options(CLI::App& app, GlobalOptions& options, bool with_json) {
  app.add_option("--socket", options.socket,
                 "control socket of bvlived (default: $BVLIVE_SOCKET, else "
                 "$XDG_RUNTIME_DIR/bvlive/bvlived.sock, /run/bvlive/bvlived.sock as root, "
                 "/tmp/bvlive-UID/bvlived.sock)")
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

void on_run(CLI::App& sub, Context& ctx, std::function<int()> run) {
  sub.callback([&ctx, run = std::move(run)] { ctx.action = run; });
}

}  // namespace bvlive::cli
