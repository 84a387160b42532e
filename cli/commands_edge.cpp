// bvlive edge-config: the nginx configuration of a caching edge in front of the origins
// (rendered by the daemon, which holds the edge secret: core/edge/nginx_edge_config.hpp).
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace bvlive::cli {
namespace {

using nlohmann::json;

struct EdgeConfigArgs {
  std::vector<std::string> origins;
  std::string listen;
  std::string cache_dir;
  std::string cache_size;
};

int run_edge_config(const Context& ctx, const EdgeConfigArgs& a) {
  json params = {{"origins", a.origins}};
  if (!a.listen.empty()) params["listen"] = a.listen;
  if (!a.cache_dir.empty()) params["cache_dir"] = a.cache_dir;
  if (!a.cache_size.empty()) params["cache_size"] = a.cache_size;
  const json result = ctx.call("edge.config", params);
  if (ctx.options.json) print_json(result);
  else std::cout << result.value("config", std::string());
  return kExitOk;
}

}  // namespace

void register_edge(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<EdgeConfigArgs>();
  CLI::App* sub = app.add_subcommand("edge-config", "print the nginx configuration of a caching edge in front of the origins");
  add_global_options(*sub, ctx.options);
  sub->add_option("--origin", args->origins, "an origin's HTTP address, http://HOST:PORT (repeat for each origin)")
      ->option_text("URL")
      ->required()
      ->take_all();
  sub->add_option("--listen", args->listen, "where the edge listens: PORT, ADDRESS:PORT or [::]:PORT (default 80)")
      ->option_text("ADDR");
  sub->add_option("--cache-dir", args->cache_dir, "the edge's cache directory (default /var/cache/nginx/bvlive)")
      ->option_text("DIR");
  sub->add_option("--cache-size", args->cache_size, "the most the media cache holds: 512m, 10g (default 10g)")
      ->option_text("SIZE");
  set_footer(*sub,
             "Save the output as /etc/nginx/conf.d/bvlive-edge.conf on each edge, then `nginx -t && systemctl reload\n"
             "nginx`. Every origin needs the same [security] edge_secret in bvlived.toml; the file carries it.");
  on_run(*sub, ctx, [&ctx, args] { return run_edge_config(ctx, *args); });
}

}  // namespace bvlive::cli
