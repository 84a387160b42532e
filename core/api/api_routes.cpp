#include "core/api/api_routes.hpp"

#include <charconv>
#include <span>
#include <vector>

#include "protocols/http/request.hpp"

namespace bvlive::api {
namespace {

using nlohmann::json;
constexpr Scope R = Scope::Read, W = Scope::Write, A = Scope::Admin;

// The table. Each route calls one method of the service layer, the same one a CLI
// command calls over the control socket (core/rpc/README.md).
constexpr Route kRoutes[] = {
    {"POST", "/lives", "live.create", W, BodyUse::Json},
    {"GET", "/lives", "live.list", R, BodyUse::None, "state,type,page_size:int=50,page_token"},
    {"GET", "/lives/{id}", "live.get", R, BodyUse::None},
    {"PATCH", "/lives/{id}", "live.update", W, BodyUse::Json},
    {"DELETE", "/lives/{id}", "live.delete", W, BodyUse::None},
    {"POST", "/lives/{id}:preview", "live.preview", W, BodyUse::None},
    {"POST", "/lives/{id}:start", "live.start", W, BodyUse::None},
    {"POST", "/lives/{id}:cancel", "live.cancel", W, BodyUse::None},
    {"POST", "/lives/{id}:end", "live.end", W, BodyUse::None},
    {"POST", "/lives/{id}:archive", "live.archive", W, BodyUse::None},
    {"POST", "/lives/{id}:close", "live.close", W, BodyUse::None},
    {"POST", "/lives/{id}:reopen", "live.reopen", W, BodyUse::None},
    {"POST", "/lives/{id}:rotateStreamKey", "live.rotate_key", W, BodyUse::None},
    {"POST", "/lives/{id}/tokens", "live.token", W, BodyUse::Json},
    {"GET", "/lives/{id}/events", "live.events", R, BodyUse::None, "limit:int"},
    {"GET", "/lives/{id}/sessions", "live.sessions", R, BodyUse::None},
    {"GET", "/lives/{id}/vod", "vod.get", R, BodyUse::None},
    {"POST", "/lives/{id}/vod:retry", "vod.retry", W, BodyUse::None},
    {"GET", "/lives/{id}/chat", "chat.list", R, BodyUse::None, "after:int,limit:int"},
    {"POST", "/lives/{id}/chat", "chat.send", W, BodyUse::Json},
    {"DELETE", "/lives/{id}/chat/{message:int}", "chat.delete", W, BodyUse::None},
    {"GET", "/lives/{id}/polls", "poll.list", R, BodyUse::None},
    {"POST", "/lives/{id}/polls", "poll.create", W, BodyUse::Json},
    {"POST", "/lives/{id}/polls/{poll:int}:close", "poll.close", W, BodyUse::None},
    {"GET", "/library", "library.list", R, BodyUse::None},
    {"POST", "/library", "library.upload", W, BodyUse::File, "name,filename"},
    {"GET", "/library/{id}", "library.get", R, BodyUse::None},
    {"DELETE", "/library/{id}", "library.remove", W, BodyUse::None},
    {"GET", "/status", "daemon.status", R, BodyUse::None},
    {"GET", "/apikeys", "apikey.list", A, BodyUse::None},
    {"POST", "/apikeys", "apikey.create", A, BodyUse::Json},
    {"DELETE", "/apikeys/{name}", "apikey.revoke", A, BodyUse::None},
    {"GET", "/openapi.json", "openapi", R, BodyUse::None, "", false},
};

std::vector<std::string_view> split_path(std::string_view p) {
  std::vector<std::string_view> out;
  if (!p.empty() && p.front() == '/') p.remove_prefix(1);
  while (true) {
    const auto slash = p.find('/');
    out.push_back(p.substr(0, slash));
    if (slash == std::string_view::npos) break;
    p.remove_prefix(slash + 1);
  }
  return out;
}

std::optional<std::int64_t> whole_number(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// One pattern segment against one path segment. A literal must be equal; "{name}" or
// "{name:int}", optionally followed by ":verb", captures what precedes the verb.
// `bad` is set when the segment matches in shape but its value is unusable.
bool match_segment(std::string_view pat, std::string_view seg, json& params, std::optional<ApiError>& bad) {
  const auto open = pat.find('{');
  if (open == std::string_view::npos) {
    // A literal, maybe with a verb of its own ("vod:retry").
    return pat == seg;
  }
  const auto close = pat.find('}');
  std::string_view name = pat.substr(open + 1, close - open - 1);
  const std::string_view verb = pat.substr(close + 1);  // "" or ":start"
  const bool is_int = name.ends_with(":int");
  if (is_int) name.remove_suffix(4);
  std::string_view value = seg;
  if (!verb.empty()) {
    if (!seg.ends_with(verb)) return false;
    value.remove_suffix(verb.size());
  }
  if (value.empty() || value.find(':') != std::string_view::npos) return false;
  if (is_int) {
    const auto n = whole_number(value);
    if (!n || *n < 1) {
      bad = api_error(400, "invalid_params", std::string(name) + " must be a whole number >= 1, not '" + std::string(value) + "'",
                      {{"path", std::string(name)}});
      return true;
    }
    params[std::string(name)] = *n;
  } else {
    params[std::string(name)] = std::string(value);
  }
  return true;
}

// Path params from `path` when it has the pattern's shape.
std::optional<json> match_pattern(std::string_view pattern, const std::vector<std::string_view>& segs,
                                  std::optional<ApiError>& bad) {
  const auto pats = split_path(pattern);
  if (pats.size() != segs.size()) return std::nullopt;
  json params = json::object();
  for (std::size_t i = 0; i < pats.size(); ++i)
    if (!match_segment(pats[i], segs[i], params, bad)) return std::nullopt;
  return params;
}

// The query's parameters, typed as the route declares them; unknown ones are refused so a
// misspelt filter is not silently ignored.
std::optional<ApiError> add_query(const Route& route, std::string_view raw_query, json& params) {
  struct Spec {
    std::string_view name;
    bool is_int = false;
    std::optional<std::int64_t> def;
  };
  std::vector<Spec> specs;
  for (std::string_view rest = route.query; !rest.empty();) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    Spec s;
    if (const auto eq = item.find('='); eq != std::string_view::npos) {
      s.def = whole_number(item.substr(eq + 1));
      item = item.substr(0, eq);
    }
    if (item.ends_with(":int")) {
      s.is_int = true;
      item.remove_suffix(4);
    }
    s.name = item;
    specs.push_back(s);
  }
  std::string known;
  for (const auto& s : specs) known += (known.empty() ? "" : ", ") + std::string(s.name);
  for (std::string_view rest = raw_query; !rest.empty();) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const auto name = http::percent_decode(pair.substr(0, eq), true);
    const auto value = http::percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) return api_error(400, "invalid_params", "malformed percent-encoding in the query", {{"path", "query"}});
    const Spec* spec = nullptr;
    for (const auto& s : specs)
      if (s.name == *name) spec = &s;
    if (!spec)
      return api_error(400, "invalid_params",
                       "unknown query parameter '" + *name + "'; " +
                           (known.empty() ? std::string("this operation takes none") : "it takes " + known),
                       {{"path", *name}});
    if (spec->is_int) {
      const auto n = whole_number(*value);
      if (!n) return api_error(400, "invalid_params", *name + " must be a whole number, not '" + *value + "'", {{"path", *name}});
      params[*name] = *n;
    } else {
      params[*name] = *value;
    }
  }
  for (const auto& s : specs)
    if (s.def && !params.contains(std::string(s.name))) params[std::string(s.name)] = *s.def;
  return std::nullopt;
}

}  // namespace

std::span<const Route> routes() { return kRoutes; }

std::variant<ApiCall, ApiError> match_route(std::string_view method, std::string_view path, std::string_view raw_query) {
  if (!path.starts_with(kBasePath) || (path.size() > kBasePath.size() && path[kBasePath.size()] != '/'))
    return api_error(404, "not_found", "no API route at " + std::string(path) + "; the API is under " + std::string(kBasePath));
  const auto segs = split_path(path.substr(kBasePath.size()));
  std::string allow;
  for (const Route& r : kRoutes) {
    std::optional<ApiError> bad;
    auto params = match_pattern(r.pattern, segs, bad);
    if (!params) continue;
    if (r.method != method && !(method == "HEAD" && r.method == "GET")) {
      if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
      continue;
    }
    if (bad) return *bad;
    ApiCall call{&r, std::move(*params)};
    if (auto err = add_query(r, raw_query, call.params)) return *err;
    return call;
  }
  if (!allow.empty()) {
    ApiError e = api_error(405, "method_not_allowed", std::string(method) + " is not allowed on " + std::string(path) + "; use " + allow);
    e.headers.emplace_back("Allow", allow);
    return e;
  }
  return api_error(404, "not_found", "no API route " + std::string(method) + " " + std::string(path) +
                                          "; the routes are listed in " + std::string(kBasePath) + "/openapi.json");
}

std::variant<ApiCall, ApiError> add_body(ApiCall call, const json& body) {
  const bool empty = body.is_null() || (body.is_object() && body.empty());
  if (call.route->body != BodyUse::Json) {
    if (!empty)
      return api_error(400, "invalid_params", std::string(call.route->method) + " " + std::string(kBasePath) +
                                                  std::string(call.route->pattern) + " takes no body",
                       {{"path", "body"}});
    return call;
  }
  if (!body.is_object() && !body.is_null())
    return api_error(400, "invalid_params", "the body must be a JSON object", {{"path", "body"}});
  json params = body.is_null() ? json::object() : body;
  for (auto& [k, v] : call.params.items()) params[k] = v;  // the path names the resource
  call.params = std::move(params);
  return call;
}

}  // namespace bvlive::api
