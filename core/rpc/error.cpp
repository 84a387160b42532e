#include "rpc/error.hpp"

namespace bvlive {

namespace {
struct KindRow {
  ErrorKind kind;
  std::string_view name;
  int code;
};
constexpr KindRow kKinds[] = {
    {ErrorKind::ParseError, "parse_error", -32700},
    {ErrorKind::InvalidRequest, "invalid_request", -32600},
    {ErrorKind::MethodNotFound, "method_not_found", -32601},
    {ErrorKind::InvalidParams, "invalid_params", -32602},
    {ErrorKind::NotFound, "not_found", -32004},
    {ErrorKind::Conflict, "conflict", -32009},
    {ErrorKind::Unavailable, "unavailable", -32003},
    {ErrorKind::Internal, "internal", -32603},
};
}  // namespace

std::string_view to_string(ErrorKind k) {
  for (const auto& r : kKinds)
    if (r.kind == k) return r.name;
  return "internal";
}

int jsonrpc_code(ErrorKind k) {
  for (const auto& r : kKinds)
    if (r.kind == k) return r.code;
  return -32603;
}

std::optional<ErrorKind> error_kind_from_string(std::string_view s) {
  for (const auto& r : kKinds)
    if (r.name == s) return r.kind;
  return std::nullopt;
}

RpcError::RpcError(ErrorKind kind, std::string message, nlohmann::json data)
    : std::runtime_error(std::move(message)), kind_(kind), data_(std::move(data)) {
  data_["kind"] = std::string(to_string(kind));
}

void throw_invalid(std::string path, std::string message) {
  std::string full = path.empty() ? message : path + ": " + message;
  throw RpcError(ErrorKind::InvalidParams, std::move(full), {{"path", std::move(path)}});
}

void throw_not_found(std::string_view what) {
  throw RpcError(ErrorKind::NotFound, "no live with id or custom_id '" + std::string(what) + "'",
                 {{"id", std::string(what)}});
}

}  // namespace bvlive
