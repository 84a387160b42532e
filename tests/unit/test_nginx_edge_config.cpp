// The edge's nginx configuration from bytes: origin addresses as operators write them, the
// options nginx would reject, and what the rendered file routes, caches and holds. The
// file working in a real nginx is tests/integration/test_edge.cpp's part.
#define BOOST_TEST_MODULE nginx_edge_config
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/edge/nginx_edge_config.hpp"

using namespace bvlive::edge;

namespace {

std::string origin_text(const std::string& given) {
  const auto parsed = parse_origin(given);
  if (const auto* why = std::get_if<std::string>(&parsed)) return "error: " + *why;
  return std::get<OriginAddress>(parsed).text();
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

NginxEdgeOptions two_origins() {
  NginxEdgeOptions o;
  o.origins = {std::get<OriginAddress>(parse_origin("http://10.0.0.5:8080")),
               std::get<OriginAddress>(parse_origin("[2001:db8::6]:8080"))};
  o.secret = "0123456789abcdef0123";
  return o;
}

}  // namespace

BOOST_AUTO_TEST_CASE(origins_as_operators_write_them) {
  BOOST_TEST(origin_text("http://10.0.0.5:8080") == "10.0.0.5:8080");
  BOOST_TEST(origin_text("http://10.0.0.5:8080/") == "10.0.0.5:8080");
  BOOST_TEST(origin_text("10.0.0.5:8080") == "10.0.0.5:8080");
  BOOST_TEST(origin_text("origin-1.example") == "origin-1.example:80");
  BOOST_TEST(origin_text("http://[::1]:8080") == "[::1]:8080");
  BOOST_TEST(has(origin_text("https://10.0.0.5:8443"), "plain HTTP"));
  BOOST_TEST(has(origin_text("http://10.0.0.5:8080/live"), "without a path"));
  BOOST_TEST(has(origin_text("10.0.0.5:99999"), "1 to 65535"));
  BOOST_TEST(has(origin_text("10.0.0.5:"), "port is missing"));
  BOOST_TEST(has(origin_text("bad host;:80"), "not a host"));
  BOOST_TEST(has(origin_text("[::1:8080"), "closing ']'"));
}

BOOST_AUTO_TEST_CASE(options_nginx_would_reject_are_refused) {
  NginxEdgeOptions o = two_origins();
  BOOST_TEST(check_edge_options(o) == "");
  o.listen = "80; include /etc/passwd";
  BOOST_TEST(has(check_edge_options(o), "listen"));
  o = two_origins();
  o.cache_dir = "relative/dir";
  BOOST_TEST(has(check_edge_options(o), "absolute"));
  o = two_origins();
  o.cache_size = "lots";
  BOOST_TEST(has(check_edge_options(o), "cache size"));
  o = two_origins();
  o.secret = "short";
  BOOST_TEST(has(check_edge_options(o), "edge_secret"));
  o = two_origins();
  o.secret = "0123456789abcdef\"; evil";
  BOOST_TEST(has(check_edge_options(o), "edge_secret"));
  o = two_origins();
  o.origins.push_back(o.origins[0]);
  BOOST_TEST(has(check_edge_options(o), "twice"));
  o.origins.clear();
  BOOST_TEST(has(check_edge_options(o), "at least one origin"));
}

BOOST_AUTO_TEST_CASE(the_file_routes_caches_and_holds) {
  NginxEdgeOptions o = two_origins();
  o.listen = "127.0.0.1:8090";
  o.ull_segment_duration = 1.0;
  const std::string text = render_nginx_edge(o);
  // Every origin for the gate, each alone for its lives' objects, chosen by the gate's answer.
  BOOST_TEST(has(text, "upstream bvlive_origins {\n    server 10.0.0.5:8080 max_fails=0;\n    server [2001:db8::6]:8080"));
  BOOST_TEST(has(text, "upstream bvlive_origin_2 {\n    server [2001:db8::6]:8080"));
  BOOST_TEST(has(text, "\"[2001:db8::6]:8080\" bvlive_origin_2;"));
  BOOST_TEST(has(text, "proxy_next_upstream error timeout http_404"));
  BOOST_TEST(has(text, "listen 127.0.0.1:8090;"));
  // Shared objects keyed without the viewer's token; blocking reloads by their parameters.
  BOOST_TEST(has(text, "proxy_cache_key \"$uri|$arg__HLS_msn|$arg__HLS_part|$arg__HLS_skip\";"));
  BOOST_TEST(has(text, "proxy_cache_lock on;"));
  // The origin holds 3 s (3 LL-HLS segments of 1 s): the edge waits longer.
  BOOST_TEST(has(text, "proxy_cache_lock_timeout 5s;"));
  BOOST_TEST(has(text, "proxy_read_timeout 13s;"));
  BOOST_TEST(has(text, std::string("sub_filter \"") + std::string(kEdgeQueryPlaceholder) + "\" \"$bvlive_query\";"));
  BOOST_TEST(has(text, "proxy_set_header X-Bvlive-Edge \"0123456789abcdef0123\";"));
  // The edge writes the viewer's address; what a viewer sends is not passed on.
  BOOST_TEST(has(text, "proxy_set_header X-Forwarded-For $remote_addr;"));
  BOOST_TEST(!has(text, "$proxy_add_x_forwarded_for"));
  // Longer LL-HLS segments: longer holds.
  o.ull_segment_duration = 2.0;
  BOOST_TEST(has(render_nginx_edge(o), "proxy_cache_lock_timeout 8s;"));
}
