// The nginx configuration of a caching edge in front of one or more bvlived origins
// (`bvlive edge-config`), as a pure function: origins, listen address, cache and timing in,
// the text of an http-context file out. The file explains itself in its comments; in short:
// - every per-live request first asks the origins' gate (/bv/edge/gate, daemon/origin/
//   edge_gate.hpp) through nginx's auth_request: the origin that has the live answers with
//   the same playback gate (token, device limit, domain, geo) it applies itself, and with
//   its own address, which routes the live's objects to it; the answer is cached per viewer
//   and token for a few seconds;
// - playlists, init segments, segments and parts come through one shared cache keyed
//   without the viewer's token and device, with proxy_cache_lock, so N viewers make one
//   origin request per object per edge; LL-HLS blocking reloads are keyed by _HLS_msn,
//   _HLS_part and _HLS_skip and held as long as the origin holds them;
// - a token-protected live's playlists come from the origin with a placeholder where each
//   viewer's query goes (kEdgeQueryPlaceholder); sub_filter writes the viewer's own there.
// man/bvlive.1 (edge-config) and the README ("More than one machine") are the user's side.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace bvlive::edge {

// Written by an origin into the URIs of a playlist it renders for an edge, where the
// viewer's "token=...&device=..." goes; the edge replaces it per viewer.
inline constexpr std::string_view kEdgeQueryPlaceholder = "bvlive-edge-query";

struct OriginAddress {
  std::string host;  // "10.0.0.5", "::1", "origin-1.example"
  int port = 80;
  // "10.0.0.5:8080", "[::1]:8080": nginx's form, and what the origin reports itself as.
  std::string text() const;
};

// "http://10.0.0.5:8080", "10.0.0.5:8080", "[::1]:8080", "origin-1.example" (port 80), or
// why not (https, a path, a bad port, garbage).
std::variant<OriginAddress, std::string> parse_origin(std::string_view text);

struct NginxEdgeOptions {
  std::vector<OriginAddress> origins;  // at least one
  std::string listen = "80";           // nginx's listen: "80", "127.0.0.1:8080", "[::]:80"
  std::string cache_dir = "/var/cache/nginx/bvlive";  // the media cache; the gate's is DIR-gate
  std::string cache_size = "10g";      // max_size of the media cache: "512m", "10g"
  std::string secret;                  // the origins' [security] edge_secret
  // From the origins' [media]: how long blocking requests are held there.
  double segment_duration = 2.0;
  double ull_segment_duration = 1.0;
  std::string version;                 // bvlive's, for the header comment
};

// Why `options` cannot make a configuration (no origin, a listen, directory or size nginx
// would reject or that would break out of its quoting), or "" when they can.
std::string check_edge_options(const NginxEdgeOptions& options);

// The configuration text; `options` must pass check_edge_options.
std::string render_nginx_edge(const NginxEdgeOptions& options);

}  // namespace bvlive::edge
