// The origin's side of an nginx edge (`bvlive edge-config`, core/edge/nginx_edge_config.hpp):
// the gate an edge asks before it serves a viewer from its cache, and how the origin treats
// the edge's own requests afterwards.
#include "origin/origin.hpp"
#include "origin/origin_answers.hpp"

#include "core/protocols/http/request.hpp"

namespace bvlive {

bool Origin::edge_gated(const http::Request& req) const {
  return playback_gate && playback_gate->from_edge(req) && req.header("x-bvlive-edge-gate") == "passed";
}

// The answer is read by nginx's auth_request: 2xx lets the viewer in, 401 and 403 refuse,
// anything else is an error; a 404 makes the edge ask its next origin. Headers carry what
// the edge needs: X-Bvlive-Origin (the address this origin was reached at: routes the live's
// objects here), X-Bvlive-Query (what the viewer's playlist URIs carry), X-Bvlive-Refusal
// and X-Bvlive-State (the refusal the edge answers with).
http::Response Origin::edge_gate(const http::Request& req, const http::ClientInfo& client) {
  if (!playback_gate || !playback_gate->from_edge(req))
    return error(403, "only bvlive edges ask here: their requests carry this origin's [security] edge_secret "
                      "(see bvlive edge-config)");
  const auto uri = req.header("x-original-uri");
  if (!uri || uri->empty() || uri->front() != '/')
    return error(400, "X-Original-URI is missing: the gate location of the edge's configuration sets it "
                      "(bvlive edge-config)");
  // The viewer's request as the origin itself would have read it: its headers (Origin,
  // Referer, X-Forwarded-For) came along with the subrequest.
  http::Request viewer = req;
  const std::string_view target = *uri;
  const auto question = target.find('?');
  const auto path = http::percent_decode(target.substr(0, question), false);
  if (!path) return error(400, "X-Original-URI: a malformed %-escape");
  viewer.path = *path;
  viewer.query = question == std::string_view::npos ? std::string() : std::string(target.substr(question + 1));
  viewer.target = std::string(target);
  if (const auto method = req.header("x-original-method")) viewer.method = std::string(*method);

  const auto parts = split_path(viewer.path);
  if (parts.size() < 2 || (parts[0] != "live" && parts[0] != "watch" && parts[0] != "preview")) {
    http::Response r = error(404, "the gate answers for /live/ID, /watch/ID and /preview/ID only");
    r.set("X-Bvlive-Refusal", "nothing at " + viewer.path);
    return r;
  }
  const LiveRecord* live = lives_.by_id_or_custom_id(parts[1]);
  if (!live) {
    // Another origin may have it: the edge asks the next one on a 404.
    ++edge_gate_counts_.unknown;
    http::Response r = error(404, "no live '" + parts[1] + "' on this origin");
    r.set("X-Bvlive-Refusal", "no live '" + parts[1] + "'");
    return r;
  }
  http::Response r;
  r.status = 200;  // 204 would not be cached by the edge (proxy_cache_valid 200 401 403)
  r.set("Cache-Control", "no-store");
  r.set("X-Bvlive-Origin", client.local);
  // The preview has its own token, which the origin checks when the request comes; a CORS
  // preflight carries no credentials.
  if (parts[0] == "preview" || viewer.method == "OPTIONS") {
    ++edge_gate_counts_.allowed;
    return r;
  }
  const bool entry = parts.size() == 3 && parts[2] == "index.m3u8";
  const auto decision = playback_gate->check(*live, viewer, client, entry, now_ms());
  if (!decision.allowed) {
    ++edge_gate_counts_.refused;
    // auth_request knows only 401 and 403 as refusals.
    r.status = decision.status == 401 ? 401 : 403;
    r.set("X-Bvlive-Refusal", decision.reason);
    r.set("X-Bvlive-State", std::string(to_string(live->state)));
    return r;
  }
  ++edge_gate_counts_.allowed;
  r.set("X-Bvlive-Query", decision.query);
  return r;
}

}  // namespace bvlive
