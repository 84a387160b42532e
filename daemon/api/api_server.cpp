#include "daemon/api/api_server.hpp"

#include <charconv>
#include <filesystem>

#include "daemon/api/upload_file.hpp"
#include "log/log.hpp"
#include "rpc/error.hpp"
#include "rpc/jsonrpc.hpp"
#include "util/ascii.hpp"

namespace bvlive {
namespace {

using nlohmann::json;
constexpr std::size_t kMaxJsonBody = 1 << 20;

http::Response json_response(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump() + "\n";
  r.set("Content-Type", "application/json");
  r.set("Cache-Control", "no-store");
  return r;
}

http::Response error_response(const api::ApiError& e) {
  http::Response r = json_response(e.status, e.body());
  for (const auto& [k, v] : e.headers) r.set(k, v);
  return r;
}

// A refusal answered before the body is read (the connection then closes).
http::BodyPlan refuse(const api::ApiError& e) {
  http::ParseError err{e.status, e.body().dump() + "\n", "application/json", e.headers};
  return {nullptr, std::move(err)};
}

// ".mp4" from an upload's file name when it is a plain short extension, else "".
std::string extension_of(const std::string& filename) {
  std::string ext = std::filesystem::path(filename).extension().string();
  if (ext.size() < 2 || ext.size() > 8) return "";
  for (char& c : ext) {
    c = ascii_lower(c);
    if (c != '.' && !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return "";
  }
  return ext;
}

bool is_json_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return iequals(t, "application/json") || iequals(t, "application/merge-patch+json");
}

}  // namespace

ApiServer::ApiServer(uv_loop_t* loop, const ApiSettings& settings, std::uint64_t idle_timeout_ms,
                     api::ApiKeyRegistry& keys, Hooks hooks)
    : settings_(settings),
      keys_(keys),
      hooks_(std::move(hooks)),
      http_(loop, [this](const http::Request& r, const http::ClientInfo&) { return handle(r); },
            http::ServerOptions{idle_timeout_ms, 16384, kMaxJsonBody, 10000}) {
  http_.set_body_plan([this](const http::Request& head) { return plan_body(head); });
  http_.set_error_page([](int status, const std::string& message) {
    const char* code = status == 413 ? "payload_too_large" : status >= 500 ? "internal" : "invalid_request";
    return error_response(api::api_error(status, code, message));
  });
}

int ApiServer::listen(const tls::TlsContext* tls) { return http_.listen(settings_.listen, settings_.port, tls); }

void ApiServer::set_rate(double per_second, int burst) {
  settings_.rate_limit = per_second;
  settings_.rate_burst = burst;
  for (auto& [name, bucket] : buckets_) bucket.set_limits(per_second, burst);
}

std::optional<api::ApiError> ApiServer::admit(const api::Route& route, const http::Request& req, std::string& key_name) {
  if (!route.authenticated) return std::nullopt;
  auto unauthenticated = [&](std::string why) {
    ++refused_auth_;
    api::ApiError e = api::api_error(401, "unauthenticated", std::move(why));
    e.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"bvlive\"");
    return e;
  };
  const auto auth = req.header("authorization");
  if (!auth)
    return unauthenticated("send the header Authorization: Bearer KEY; make a key with bvlive apikey create --name NAME --scope read|write|admin");
  std::string_view value = *auth;
  if (value.size() < 7 || !iequals(value.substr(0, 7), "Bearer "))
    return unauthenticated("the Authorization header must be 'Bearer KEY'");
  value.remove_prefix(7);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  const auto check = keys_.authenticate(value, now_ms());
  if (!check.key) return unauthenticated(check.refusal);
  const api::ApiKeyRecord& key = *check.key;
  if (!api::allows(key.scope, route.scope)) {
    return api::api_error(403, "permission_denied",
                          "the API key '" + key.name + "' has scope " + std::string(api::to_string(key.scope)) + "; " +
                              req.method + " " + req.path + " needs " + std::string(api::to_string(route.scope)),
                          {{"scope", std::string(api::to_string(route.scope))},
                           {"key_scope", std::string(api::to_string(key.scope))}});
  }
  auto bucket = buckets_.find(key.name);
  if (bucket == buckets_.end())
    bucket = buckets_.emplace(key.name, api::TokenBucket(settings_.rate_limit, settings_.rate_burst, now_ms())).first;
  TimeMs retry_ms = 0;
  if (!bucket->second.take(now_ms(), &retry_ms)) {
    ++rate_limited_;
    const auto seconds = std::max<TimeMs>(1, (retry_ms + 999) / 1000);
    api::ApiError e = api::api_error(429, "rate_limited",
                                     "the API key '" + key.name + "' sent more than " + std::to_string(settings_.rate_burst) +
                                         " requests at once or more than " + std::to_string(settings_.rate_limit) +
                                         " a second (api.rate_limit); retry in " + std::to_string(seconds) + " s",
                                     {{"retry_after_s", seconds}});
    e.headers.emplace_back("Retry-After", std::to_string(seconds));
    return e;
  }
  key_name = key.name;
  return std::nullopt;
}

// Uploads are checked (route, key, scope) before a byte of their body is read, and their
// bodies go straight to a file; every other body is JSON, buffered up to 1 MiB.
http::BodyPlan ApiServer::plan_body(const http::Request& head) {
  auto matched = api::match_route(head.method, head.path, head.query);
  const auto* call = std::get_if<api::ApiCall>(&matched);
  if (!call || call->route->body != api::BodyUse::File) {
    // (The parser has checked the header is a number; a body without one is counted as it comes.)
    std::uint64_t length = 0;
    if (const auto text = head.header("content-length"))
      std::from_chars(text->data(), text->data() + text->size(), length);
    if (length > kMaxJsonBody)
      return refuse(api::api_error(413, "payload_too_large",
                                   "the body exceeds " + std::to_string(kMaxJsonBody) + " bytes; JSON bodies are at most 1 MiB"));
    return {};
  }
  std::string key_name;
  if (auto refusal = admit(*call->route, head, key_name)) return refuse(*refusal);
  std::string filename = call->params.value("filename", std::string());
  try {
    auto file = std::make_shared<UploadFile>(hooks_.upload_dir, extension_of(filename), settings_.max_upload_bytes);
    file->sender = key_name;
    return {std::move(file), std::nullopt};
  } catch (const std::exception& e) {
    return refuse(api::api_error(500, "internal", e.what()));
  }
}

http::Response ApiServer::handle(const http::Request& req) {
  auto matched = api::match_route(req.method, req.path, req.query);
  if (auto* err = std::get_if<api::ApiError>(&matched)) return error_response(*err);
  const api::ApiCall& call = std::get<api::ApiCall>(matched);
  if (!call.route->authenticated) {  // the OpenAPI document
    http::Response r;
    r.body = std::string(hooks_.document);
    r.set("Content-Type", "application/json");
    return r;
  }
  std::string key_name;
  if (call.route->body != api::BodyUse::File)  // uploads were admitted at their head
    if (auto refusal = admit(*call.route, req, key_name)) return error_response(*refusal);
  try {
    return serve(call, req, key_name);
  } catch (const RpcError& e) {
    return error_response(api::from_rpc_error(e));
  } catch (const std::exception& e) {
    log::error("api", req.method + " " + req.path + ": " + e.what());
    return error_response(api::api_error(500, "internal", e.what()));
  }
}

http::Response ApiServer::serve(const api::ApiCall& matched, const http::Request& req, const std::string& key_name) {
  Caller caller;
  caller.api_key = key_name;
  if (matched.route->body == api::BodyUse::File) {
    auto upload = std::dynamic_pointer_cast<UploadFile>(req.upload);
    if (!upload) return error_response(api::api_error(500, "internal", "the upload was not stored"));
    caller.api_key = upload->sender;  // admitted at its head
    if (upload->size() == 0)
      return error_response(api::api_error(400, "invalid_params", "the body is empty; send the file's bytes as the body",
                                           {{"path", "body"}}));
    if (!upload->finish())
      return error_response(api::api_error(500, "internal", "cannot store the upload: " + upload->error()));
    const std::string name = matched.params.value("name", matched.params.value("filename", std::string()));
    http::Response later;
    later.later = [this, upload, name, caller](http::Response::Send send) {
      hooks_.import_upload(upload, name, caller, [send](const std::function<json()>& answer) {
        try {
          send(json_response(200, answer()));
        } catch (const RpcError& e) {
          send(error_response(api::from_rpc_error(e)));
        } catch (const std::exception& e) {
          send(error_response(api::api_error(500, "internal", e.what())));
        }
      });
    };
    return later;
  }
  json body = nullptr;
  if (!req.body.empty()) {
    if (const auto type = req.header("content-type"); type && !is_json_type(*type))
      return error_response(api::api_error(415, "unsupported_media_type",
                                           "send the body as application/json (Content-Type: application/json), not " +
                                               std::string(*type)));
    body = json::parse(req.body, nullptr, false);
    if (body.is_discarded())
      return error_response(api::api_error(400, "parse_error", "the body is not valid JSON", {{"path", "body"}}));
    if (nests_deeper_than(req.body, kMaxRequestDepth))
      return error_response(api::api_error(400, "invalid_params",
                                           "the body nests deeper than " + std::to_string(kMaxRequestDepth) + " levels",
                                           {{"path", "body"}}));
  }
  auto with_body = api::add_body(matched, body);
  if (auto* err = std::get_if<api::ApiError>(&with_body)) return error_response(*err);
  const api::ApiCall& call = std::get<api::ApiCall>(with_body);
  return json_response(200, hooks_.call(std::string(call.route->action), call.params, caller));
}

}  // namespace bvlive
