// edge.config: the nginx configuration of a caching edge in front of this origin and others
// (core/edge/nginx_edge_config.hpp). The daemon answers it, not the CLI alone, because the
// file carries this origin's [security] edge_secret and its LL-HLS hold times.
#include "daemon.hpp"

#include "bvlive/version.hpp"
#include "core/edge/nginx_edge_config.hpp"
#include "rpc/error.hpp"

namespace bvlive {

nlohmann::json Daemon::edge_config(const nlohmann::json& params) {
  edge::NginxEdgeOptions options;
  const auto origins = params.find("origins");
  if (origins == params.end() || !origins->is_array() || origins->empty())
    throw_invalid("origins", "give each origin's HTTP address, e.g. [\"http://10.0.0.5:8080\"]");
  for (const auto& item : *origins) {
    if (!item.is_string()) throw_invalid("origins", "each origin is a string, http://HOST:PORT");
    auto parsed = edge::parse_origin(item.get<std::string>());
    if (const auto* why = std::get_if<std::string>(&parsed)) throw_invalid("origins", *why);
    options.origins.push_back(std::get<edge::OriginAddress>(std::move(parsed)));
  }
  const auto text = [&](const char* name, std::string& into) {
    if (!params.contains(name)) return;
    if (!params[name].is_string()) throw_invalid(name, "must be a string");
    into = params[name].get<std::string>();
  };
  text("listen", options.listen);
  text("cache_dir", options.cache_dir);
  text("cache_size", options.cache_size);
  options.secret = settings_.security.edge_secret;
  options.segment_duration = settings_.media.segment_duration;
  options.ull_segment_duration = settings_.media.ull_segment_duration;
  options.version = kVersion;
  if (options.secret.empty())
    throw RpcError(ErrorKind::Conflict,
                   "this origin has no [security] edge_secret: set the same one on every origin (e.g. `openssl rand "
                   "-hex 32`), restart them, then run edge-config again");
  if (const std::string why = edge::check_edge_options(options); !why.empty()) {
    const bool origin_problem = why.starts_with("origin") || why.starts_with("give at least");
    throw_invalid(origin_problem ? "origins" : why.starts_with("listen") ? "listen"
                                              : why.starts_with("cache size") ? "cache_size" : "cache_dir",
                  why);
  }
  return {{"config", edge::render_nginx_edge(options)}, {"origins", origins->size()}};
}

}  // namespace bvlive
