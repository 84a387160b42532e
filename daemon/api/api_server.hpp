// The HTTP API (/bv/cms/v1/...): its own listener ([api] in bvlived.toml), API keys, a rate
// limit per key, and the route table of core/api/api_routes.cpp. Every route calls the same
// service methods as the CLI over the control socket; this class only translates HTTP to
// those calls and their errors back to HTTP (one JSON error shape, fitting statuses).
#pragma once

#include <uv.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/api/api_error.hpp"
#include "core/api/api_key_registry.hpp"
#include "core/api/api_routes.hpp"
#include "core/api/rate_limiter.hpp"
#include "config/settings.hpp"
#include "http/http_server.hpp"
#include "service/live_service.hpp"

namespace bvlive {

class UploadFile;

class ApiServer {
 public:
  using Done = std::function<void(const std::function<nlohmann::json()>& answer)>;
  struct Hooks {
    // Runs a service method (the control socket's method table) for an API caller.
    std::function<nlohmann::json(const std::string& method, const nlohmann::json& params, const Caller&)> call;
    // Imports an uploaded file into the media library, later: calls done once with a function
    // that returns the answer or throws (RpcError) the refusal. The upload lives until then.
    std::function<void(std::shared_ptr<UploadFile>, const std::string& name, const Caller&, Done done)> import_upload;
    std::string upload_dir;     // where uploads are written: the library folder, for hard links
    std::string_view document;  // the OpenAPI document served at /bv/cms/v1/openapi.json
  };

  ApiServer(uv_loop_t* loop, const ApiSettings& settings, std::uint64_t idle_timeout_ms, api::ApiKeyRegistry& keys,
            Hooks hooks);
  // Binds [api] listen:port (HTTPS with `tls`) and returns the port. Throws
  // std::runtime_error naming the address.
  int listen(const tls::TlsContext* tls = nullptr);
  // New limits for every key (a reload).
  void set_rate(double per_second, int burst);

  const http::ServerStats& stats() const { return http_.stats(); }
  std::uint64_t refused_auth() const { return refused_auth_; }
  std::uint64_t rate_limited() const { return rate_limited_; }

 private:
  http::Response handle(const http::Request& req);
  http::Response serve(const api::ApiCall& call, const http::Request& req, const std::string& key_name);
  http::BodyPlan plan_body(const http::Request& head);
  // Checks the key, its scope and its rate for `route`; the error to answer, or nullopt
  // with the key's name in `key_name`.
  std::optional<api::ApiError> admit(const api::Route& route, const http::Request& req, std::string& key_name);

  ApiSettings settings_;
  api::ApiKeyRegistry& keys_;
  Hooks hooks_;
  std::map<std::string, api::TokenBucket, std::less<>> buckets_;  // by key name
  std::uint64_t refused_auth_ = 0;
  std::uint64_t rate_limited_ = 0;
  http::HttpServer http_;
};

}  // namespace bvlive
