// The HTTP API's route table: which method and path call which service method, with what
// scope, and how the path, the query and the body become its params. Read kRoutes in
// api_routes.cpp to know what the API offers; docs in share/openapi/bvlive-api.json.
//
// Paths are under /bv/cms/v1. A `{name}` segment takes one path segment ({name:int} a
// whole number); `{id}:verb` is the API document's custom-method style
// (POST /bv/cms/v1/lives/{id}:start).
#pragma once

#include <nlohmann/json.hpp>

#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "core/api/api_error.hpp"
#include "core/api/api_key.hpp"

namespace bvlive::api {

inline constexpr std::string_view kBasePath = "/bv/cms/v1";

enum class BodyUse {
  None,  // no body (empty or {}); params come from the path and query
  Json,  // a JSON object; its members are params (path params win)
  File,  // raw bytes streamed to a file (library upload); never parsed
};

struct Route {
  std::string_view method;
  std::string_view pattern;  // after kBasePath
  std::string_view action;   // the service method (live.create, ...) or an API-only one (library.upload, openapi)
  Scope scope;
  BodyUse body;
  // Query parameters taken, comma-separated: "name" (string), "name:int", "name:int=50" (default).
  std::string_view query = "";
  bool authenticated = true;  // false: no key needed (the OpenAPI document)
};

struct ApiCall {
  const Route* route = nullptr;
  nlohmann::json params = nlohmann::json::object();  // from the path and query; the body is added by add_body
};

// Finds the route of a request. Errors: 404 not_found (no such path), 405
// method_not_allowed (with Allow), 400 invalid_params (a bad path or query value).
std::variant<ApiCall, ApiError> match_route(std::string_view method, std::string_view path,
                                            std::string_view raw_query);

// Adds a parsed JSON body to the call's params as its route says: 400 invalid_params when it
// is not an object, or when a route that takes no body gets a non-empty one.
std::variant<ApiCall, ApiError> add_body(ApiCall call, const nlohmann::json& body);

// The whole table, for documentation tests.
std::span<const Route> routes();

}  // namespace bvlive::api
