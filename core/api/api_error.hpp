// The HTTP API's one error shape: {"error": {"code", "message", "details"}} with the HTTP
// status that fits. RpcErrors from the service layer map onto it by kind, so the CLI and
// the API refuse the same things with the same words.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "rpc/error.hpp"

namespace bvlive::api {

struct ApiError {
  int status = 500;
  std::string code;  // invalid_params, not_found, conflict, unauthenticated, ... (man bvlive-api)
  std::string message;
  nlohmann::json details = nlohmann::json::object();
  std::vector<std::pair<std::string, std::string>> headers;  // WWW-Authenticate, Allow, Retry-After

  nlohmann::json body() const;
};

ApiError from_rpc_error(const RpcError& e);
ApiError api_error(int status, std::string code, std::string message,
                   nlohmann::json details = nlohmann::json::object());

}  // namespace bvlive::api
