// Errors that cross the control socket. Each has a stable kind (the contract the
// CLI and scripts rely on), a JSON-RPC code, and a message a person can act on.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace bvlive {

enum class ErrorKind {
  ParseError,      // -32700: the line is not JSON
  InvalidRequest,  // -32600: not a JSON-RPC 2.0 request, or the line is too long
  MethodNotFound,  // -32601
  InvalidParams,   // -32602: a field is missing or wrong; data.path names it
  NotFound,        // -32004: no live with that id or custom_id
  Conflict,        // -32009: not allowed in the current state, or a duplicate
  Unavailable,     // -32003: the daemon cannot do it now (shutting down, store busy)
  Internal,        // -32603
};

std::string_view to_string(ErrorKind k);
int jsonrpc_code(ErrorKind k);
std::optional<ErrorKind> error_kind_from_string(std::string_view s);

class RpcError : public std::runtime_error {
 public:
  RpcError(ErrorKind kind, std::string message, nlohmann::json data = nlohmann::json::object());
  ErrorKind kind() const { return kind_; }
  const nlohmann::json& data() const { return data_; }

 private:
  ErrorKind kind_;
  nlohmann::json data_;
};

// Shorthands for the common cases.
[[noreturn]] void throw_invalid(std::string path, std::string message);
[[noreturn]] void throw_not_found(std::string_view what);

}  // namespace bvlive
