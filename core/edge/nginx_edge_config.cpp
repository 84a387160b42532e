#include "core/edge/nginx_edge_config.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>
#include <sstream>

namespace bvlive::edge {
namespace {

bool all_of_chars(std::string_view text, std::string_view allowed_punctuation) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || allowed_punctuation.find(c) != std::string_view::npos;
  });
}

std::optional<int> port_of(std::string_view text) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535) return std::nullopt;
  return port;
}

// Seconds for nginx, rounded up: its cache and lock times have a resolution of one second.
std::string seconds(double s) { return std::to_string(static_cast<long>(std::ceil(s))) + "s"; }

// The headers every request to an origin carries. nginx drops a level's inherited
// proxy_set_header lines as soon as it sets one of its own, so each location writes all.
std::string origin_headers(const NginxEdgeOptions& o, bool gated, bool playlist) {
  std::string s;
  s += "        proxy_http_version 1.1;\n";
  s += "        proxy_set_header Connection \"\";\n";
  s += "        proxy_set_header Host $host;\n";
  s += "        proxy_set_header X-Forwarded-For $remote_addr;\n";
  s += "        proxy_set_header X-Forwarded-Proto $scheme;\n";
  s += "        proxy_set_header X-Bvlive-Edge \"" + o.secret + "\";\n";
  // The origin skips its own gate only when told the edge applied it.
  s += std::string("        proxy_set_header X-Bvlive-Edge-Gate \"") + (gated ? "passed" : "") + "\";\n";
  if (playlist) s += "        proxy_set_header Accept-Encoding \"\";  # sub_filter rewrites plain text only\n";
  return s;
}

// Ask the gate first; a refusal is answered here with the origin's reason.
std::string gate_lines() {
  return "        auth_request /bvlive-edge-gate;\n"
         "        auth_request_set $bvlive_origin $upstream_http_x_bvlive_origin;\n"
         "        auth_request_set $bvlive_query $upstream_http_x_bvlive_query;\n"
         "        auth_request_set $bvlive_refusal $upstream_http_x_bvlive_refusal;\n"
         "        auth_request_set $bvlive_state $upstream_http_x_bvlive_state;\n"
         "        error_page 401 = @bvlive_refused_401;\n"
         "        error_page 403 = @bvlive_refused_403;\n"
         "        error_page 500 = @bvlive_no_origin;\n";
}

}  // namespace

std::string OriginAddress::text() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::variant<OriginAddress, std::string> parse_origin(std::string_view text) {
  const std::string given(text);
  std::string_view rest = text;
  if (rest.starts_with("https://"))
    return "origin " + given + ": the edge talks to origins over plain HTTP (their http port); give http://HOST:PORT";
  if (rest.starts_with("http://")) rest.remove_prefix(7);
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos)
    return "origin " + given + ": give only the address, http://HOST:PORT, without a path";
  OriginAddress a;
  std::string_view port_text;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return "origin " + given + ": an IPv6 address needs its closing ']'";
    a.host = std::string(rest.substr(1, close - 1));
    const auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return "origin " + given + ": expected ':PORT' after the IPv6 address";
      port_text = after.substr(1);
    }
    if (!all_of_chars(a.host, ":.")) return "origin " + given + ": '" + a.host + "' is not an IPv6 address";
  } else {
    const auto colon = rest.rfind(':');
    a.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
    if (!all_of_chars(a.host, ".-")) return "origin " + given + ": '" + a.host + "' is not a host name or address";
    if (colon != std::string_view::npos && port_text.empty()) return "origin " + given + ": the port is missing after ':'";
  }
  if (!port_text.empty()) {
    const auto port = port_of(port_text);
    if (!port) return "origin " + given + ": the port must be 1 to 65535";
    a.port = *port;
  }
  return a;
}

std::string check_edge_options(const NginxEdgeOptions& o) {
  if (o.origins.empty()) return "give at least one origin: --origin http://HOST:PORT";
  for (std::size_t i = 0; i < o.origins.size(); ++i)
    for (std::size_t j = i + 1; j < o.origins.size(); ++j)
      if (o.origins[i].text() == o.origins[j].text()) return "origin " + o.origins[i].text() + " is given twice";
  // The port alone, ADDRESS:PORT or [IPv6]:PORT: nothing nginx would read as another parameter.
  if (!all_of_chars(o.listen, ".:[]") || std::all_of(o.listen.begin(), o.listen.end(), [](char c) {
        return std::isalpha(static_cast<unsigned char>(c));
      }))
    return "listen '" + o.listen + "': give a port (80), ADDRESS:PORT (127.0.0.1:8080) or [::]:PORT";
  if (o.cache_dir.empty() || o.cache_dir[0] != '/' || !all_of_chars(o.cache_dir, "/._-"))
    return "cache directory '" + o.cache_dir + "': give an absolute path of letters, digits and / . _ -";
  {
    std::string_view size = o.cache_size;
    if (!size.empty() && std::string_view("kKmMgG").find(size.back()) != std::string_view::npos) size.remove_suffix(1);
    if (size.empty() || size.size() > 12 || !std::all_of(size.begin(), size.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return "cache size '" + o.cache_size + "': give a number with k, m or g (512m, 10g)";
  }
  if (o.secret.size() < 16 || !all_of_chars(o.secret, "._~+/=-"))
    return "the origin has no usable [security] edge_secret (16 or more of A-Z a-z 0-9 . _ ~ + / = -)";
  return "";
}

std::string render_nginx_edge(const NginxEdgeOptions& o) {
  // An origin holds a blocking reload or a hinted part up to 3 LL-HLS segment durations
  // (daemon/origin/origin.cpp); the edge waits longer, so it never gives up first.
  const double hold = 3 * std::ceil(o.ull_segment_duration);
  const std::string lock_timeout = seconds(hold + 2);
  const std::string read_timeout = seconds(hold + 10);
  // A live playlist is good for a fraction of a segment; nginx counts whole seconds.
  const std::string playlist_ttl = seconds(std::max(1.0, std::floor(o.segment_duration / 2)));
  const std::string upstream_default = "bvlive_origin_1";

  std::ostringstream out;
  out << "# bvlive edge for nginx, made by `bvlive edge-config`" << (o.version.empty() ? "" : " (bvlive " + o.version + ")")
      << ".\n# Origins:";
  for (const auto& origin : o.origins) out << " " << origin.text();
  out << R"ng(
#
# Install on each edge host (Debian's nginx; nginx-light has every module used here):
#   bvlive edge-config --origin http://HOST:PORT ... > /etc/nginx/conf.d/bvlive-edge.conf
#   nginx -t && systemctl reload nginx
# This file belongs to the http context (Debian's nginx.conf includes conf.d/*.conf there).
# Every origin must have the same [security] edge_secret in bvlived.toml as the one below:
# only requests carrying it may use the origins' gate, skip their own check of a viewer
# the gate let in, and have their X-Forwarded-For believed. Keep this file private.
#
# The path of a viewer's request:
#  1. /live/ID/... first asks the gate (location /bvlive-edge-gate, the origins'
#     /bv/edge/gate). The origin that has live ID answers as its own playback gate would:
#     200 with the viewer's playlist query and its own address, or 401/403 with the reason,
#     which this edge answers itself. Origins without the live answer 404 and nginx asks the
#     next. Answers are cached per viewer, token and device for 5 s, so a token that expires
#     or a device over the limit is refused within seconds.
#  2. The object comes from the origin that answered, through one cache shared by every
#     viewer: keyed without their token and device, with proxy_cache_lock, so N viewers
#     make one origin request per object per edge.
#  3. A token-protected live's playlists come with a placeholder where each viewer's query
#     goes; sub_filter writes the viewer's own there.

# Media: playlists for seconds, init segments, segments and parts for as long as they stay.
proxy_cache_path )ng" << o.cache_dir << " levels=1:2 keys_zone=bvlive_media:32m max_size=" << o.cache_size
      << R"ng( inactive=10m use_temp_path=off;
# The gate's answers, a few seconds each.
proxy_cache_path )ng" << o.cache_dir << R"ng(-gate levels=1:2 keys_zone=bvlive_gate:16m max_size=256m inactive=1m use_temp_path=off;

# Every origin, for the gate: asked in turn until the one that has the live answers.
upstream bvlive_origins {
)ng";
  for (const auto& origin : o.origins) out << "    server " << origin.text() << " max_fails=0;\n";
  out << "    keepalive 16;\n}\n\n# Each origin alone, for the objects of the lives it has.\n";
  for (std::size_t i = 0; i < o.origins.size(); ++i)
    out << "upstream bvlive_origin_" << i + 1 << " {\n    server " << o.origins[i].text()
        << " max_fails=0;\n    keepalive 64;\n}\n";
  out << R"ng(
# The origin the gate's answer came from (X-Bvlive-Origin: the address it was reached at)
# is the one the live's objects come from.
map $bvlive_origin $bvlive_upstream {
    default )ng" << upstream_default << ";\n";
  for (std::size_t i = 0; i < o.origins.size(); ++i)
    out << "    \"" << o.origins[i].text() << "\" bvlive_origin_" << i + 1 << ";\n";
  out << R"ng(}

# What the gate's answer depends on, read from the viewer's request line: the gate
# subrequest has no query of its own.
map $request_uri $bvlive_live {
    "~^/(?:live|preview|watch)/(?<bvlive_m_live>[^/?]+)" $bvlive_m_live;
    default "";
}
map $request_uri $bvlive_token {
    "~[?&]token=(?<bvlive_m_token>[^&]*)" $bvlive_m_token;
    default "";
}
map $request_uri $bvlive_device {
    "~[?&]device=(?<bvlive_m_device>[^&]*)" $bvlive_m_device;
    default "";
}
# A token without a device id: the origin hands out a new device (the master playlist),
# so this answer is never shared.
map "$bvlive_token:$bvlive_device" $bvlive_new_device {
    "~.:$" 1;
    default 0;
}

server {
    listen )ng" << o.listen << R"ng(;
    server_name _;
    # Viewers send no bodies but chat posts and votes.
    client_max_body_size 16k;

    # The gate: the origins' own playback gate, asked once per viewer every few seconds.
    location = /bvlive-edge-gate {
        internal;
        proxy_pass http://bvlive_origins/bv/edge/gate;
        proxy_pass_request_body off;
        proxy_set_header Content-Length "";
        proxy_set_header X-Original-URI $request_uri;
        proxy_set_header X-Original-Method $request_method;
)ng" << origin_headers(o, false, false)
      << R"ng(        # An origin without the live answers 404: try the next one.
        proxy_next_upstream error timeout http_404 http_502 http_503;
        proxy_next_upstream_tries 0;
        proxy_connect_timeout 2s;
        proxy_read_timeout 10s;
        proxy_cache bvlive_gate;
        proxy_cache_key "$bvlive_live|$bvlive_token|$bvlive_device|$remote_addr|$http_origin|$http_referer";
        proxy_cache_valid 200 401 403 5s;
        proxy_cache_lock on;
        proxy_cache_bypass $bvlive_new_device;
        proxy_no_cache $bvlive_new_device;
        proxy_ignore_headers Cache-Control Expires Set-Cookie X-Accel-Expires;
    }

    # Refused by the gate: the origin's status and reason, answered here.
    location @bvlive_refused_401 {
        default_type text/plain;
        add_header Cache-Control "no-store" always;
        add_header X-Bvlive-State $bvlive_state always;
        return 401 "$bvlive_refusal\n";
    }
    location @bvlive_refused_403 {
        default_type text/plain;
        add_header Cache-Control "no-store" always;
        add_header X-Bvlive-State $bvlive_state always;
        return 403 "$bvlive_refusal\n";
    }
    # No origin has the live (each answered 404), or none answered.
    location @bvlive_no_origin {
        default_type text/plain;
        add_header Cache-Control "no-store" always;
        if ($bvlive_refusal) {
            return 404 "$bvlive_refusal\n";
        }
        return 503 "no origin answered for this live; try again\n";
    }

    # Playlists (live, LL-HLS, VOD), shared by every viewer of an edge for a moment; an
    # LL-HLS blocking reload (_HLS_msn, _HLS_part, _HLS_skip) is its own object, held at the
    # origin until it exists, and one origin request serves every viewer waiting for it.
    location ~ ^/live/.+\.m3u8$ {
)ng" << gate_lines()
      << "        proxy_pass http://$bvlive_upstream;\n"
      << origin_headers(o, true, true) << R"ng(        proxy_cache bvlive_media;
        proxy_cache_key "$uri|$arg__HLS_msn|$arg__HLS_part|$arg__HLS_skip";
        proxy_ignore_headers Cache-Control Expires;
        proxy_cache_valid 200 )ng" << playlist_ttl << R"ng(;
        proxy_cache_valid 404 410 503 1s;
        proxy_cache_lock on;
        proxy_cache_lock_timeout )ng" << lock_timeout << R"ng(;
        proxy_cache_lock_age )ng" << lock_timeout << R"ng(;
        proxy_cache_use_stale updating;
        # A player that gives up on a blocking reload does not cancel it for the others
        # waiting on the cache lock.
        proxy_ignore_client_abort on;
        proxy_read_timeout )ng" << read_timeout << R"ng(;
        # Each viewer's token and device where the origin left the placeholder.
        sub_filter_types application/vnd.apple.mpegurl;
        sub_filter ")ng" << kEdgeQueryPlaceholder << R"ng(" "$bvlive_query";
        sub_filter_once off;
        add_header X-Cache-Status $upstream_cache_status always;
    }

    # Server-sent events, chat posts and votes: per viewer, streamed, never cached. Keys,
    # DRM licences (POST clearkey) and covers too: a key is only ever for viewers the gate
    # let in, a cover changes with the live's state.
    location ~ ^/live/[^/]+/(events|interaction|chat|polls/|keys/|clearkey|cover) {
)ng" << gate_lines()
      << "        proxy_pass http://$bvlive_upstream;\n"
      << origin_headers(o, true, false) << R"ng(        proxy_buffering off;
        proxy_cache off;
        proxy_read_timeout 1h;
    }

    # Init segments, segments and parts: immutable once written. A hinted part is held at
    # the origin until it exists; one that never comes (the segment closed first) is a 404,
    # kept a second like the origin's other refusals, so viewers still asking for it do not
    # each reach the origin.
    location /live/ {
)ng" << gate_lines()
      << "        proxy_pass http://$bvlive_upstream;\n"
      << origin_headers(o, true, false) << R"ng(        proxy_cache bvlive_media;
        proxy_cache_key "$uri";
        proxy_ignore_headers Cache-Control Expires;
        proxy_cache_valid 200 1h;
        proxy_cache_valid 404 410 503 1s;
        proxy_cache_lock on;
        proxy_cache_lock_timeout )ng" << lock_timeout << R"ng(;
        proxy_cache_lock_age )ng" << lock_timeout << R"ng(;
        proxy_cache_use_stale error timeout updating;
        # Players drop a hinted part's request when the playlist moves on; what the origin
        # answers still fills the cache for the viewers waiting on the lock.
        proxy_ignore_client_abort on;
        proxy_read_timeout )ng" << read_timeout << R"ng(;
        add_header X-Cache-Status $upstream_cache_status always;
    }

    # The viewer page, behind the same gate.
    location /watch/ {
)ng" << gate_lines()
      << "        proxy_pass http://$bvlive_upstream;\n"
      << origin_headers(o, true, false) << R"ng(    }

    # The host's preview: its own token, checked by the origin; routed by the gate.
    location /preview/ {
)ng" << gate_lines()
      << "        proxy_pass http://$bvlive_upstream;\n"
      << origin_headers(o, false, false) << R"ng(        proxy_read_timeout )ng" << read_timeout << R"ng(;
    }

    # The viewer page's player library: the same on every origin.
    location /assets/ {
        proxy_pass http://)ng" << upstream_default << R"ng(;
)ng" << origin_headers(o, false, false) << R"ng(        proxy_cache bvlive_media;
        proxy_cache_valid 200 10m;
    }

    location = /healthz {
        default_type text/plain;
        return 200 "ok\n";
    }

    # Nothing else: /metrics and the API stay on the origins.
    location / {
        default_type text/plain;
        return 404 "nothing here; playlists are at /live/ID/index.m3u8, the viewer page at /watch/ID\n";
    }
}
)ng";
  return out.str();
}

}  // namespace bvlive::edge
