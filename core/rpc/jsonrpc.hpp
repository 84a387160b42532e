// JSON-RPC 2.0 framing and request handling for the control socket (see README.md).
// Pure: no sockets, no loop; the daemon's ControlServer and the CLI both build on it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rpc/error.hpp"

namespace bvlive {

// One item produced by LineBuffer: a complete line, or the marker for a line that
// crossed the size limit (its bytes are dropped, never buffered).
struct LineItem {
  enum class Kind { Line, Oversized };
  Kind kind = Kind::Line;
  std::string text;  // without '\n' and a trailing '\r'; empty for Oversized

  bool oversized() const { return kind == Kind::Oversized; }
};

// Splits a byte stream into '\n'-terminated lines. A line whose content (not counting
// "\n" or "\r\n") exceeds max_line yields one Oversized item as soon as the limit is
// crossed; the rest of it, up to and including its '\n', is skipped. At most
// max_line + 1 bytes are ever held, whatever the peer sends.
class LineBuffer {
 public:
  explicit LineBuffer(std::size_t max_line);
  std::vector<LineItem> feed(std::string_view bytes);

  std::size_t max_line() const { return max_line_; }
  std::size_t buffered() const { return buf_.size(); }   // bytes of the pending partial line
  bool discarding() const { return discarding_; }        // inside an oversized line

 private:
  std::size_t max_line_;
  std::string buf_;
  bool discarding_ = false;
};

// Runs one request. Throws RpcError for errors the client should see; any other
// std::exception becomes an `internal` error carrying its what().
using RpcHandler =
    std::function<nlohmann::json(const std::string& method, const nlohmann::json& params)>;

// Objects/arrays nested deeper than this are refused before the handler sees them,
// so no recursive code downstream (copies, dumps, merge patches) can blow the stack.
inline constexpr int kMaxRequestDepth = 64;
// Whether JSON text nests objects/arrays deeper than `max_depth` (brackets inside strings
// skipped); meaningful for valid JSON.
bool nests_deeper_than(std::string_view s, int max_depth);

// Handles one request line (without its '\n'). Returns the response line (JSON + "\n"),
// or nullopt when nothing must be sent: a notification (no "id"; still executed) or a
// blank line. The same as parse_request_line, then respond.
std::optional<std::string> handle_request_line(std::string_view line, const RpcHandler& handler);

// A well-formed request, to answer now or later.
struct RpcRequest {
  nlohmann::json id;  // null when absent
  bool has_id = false;  // false: a notification, executed but never answered
  std::string method;
  nlohmann::json params;  // an object
};
// One line: a blank line (monostate), a request, or the error line that answers it.
std::variant<std::monostate, RpcRequest, std::string> parse_request_line(std::string_view line);
// The response line to `request`: `answer` returns the result or throws the error (an
// RpcError, else internal). nullopt for a notification.
std::optional<std::string> respond(const RpcRequest& request, const std::function<nlohmann::json()>& answer);

// The invalid_request response (id null) for a line longer than `max` bytes.
std::string oversized_response(std::size_t max);

// The error response line for `e` with the given id (null when unknown).
std::string error_response(const nlohmann::json& id, const RpcError& e);

// Client side: one request line (JSON + "\n"). A null `params` is sent as {}.
std::string make_request_line(int id, std::string_view method,
                              const nlohmann::json& params = nlohmann::json::object());

}  // namespace bvlive
