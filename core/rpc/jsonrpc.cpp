#include "rpc/jsonrpc.hpp"

#include <algorithm>
#include <utility>

namespace bvlive {

using nlohmann::json;

namespace {

// Responses may echo text the peer sent (method names, parser excerpts); invalid UTF-8
// must not make dump() throw.
std::string to_line(const json& j) {
  std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  s.push_back('\n');
  return s;
}

json error_object(ErrorKind kind, const std::string& message, json data) {
  if (!data.is_object()) data = json::object();
  data["kind"] = std::string(to_string(kind));
  return {{"code", jsonrpc_code(kind)}, {"message", message}, {"data", std::move(data)}};
}

std::string error_line(const json& id, ErrorKind kind, const std::string& message,
                       json data = json::object()) {
  return to_line({{"jsonrpc", "2.0"}, {"id", id}, {"error", error_object(kind, message, std::move(data))}});
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

}  // namespace

bool nests_deeper_than(std::string_view s, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

namespace {

// "[json.exception.parse_error.101] parse error at line 1, column 2: ..." -> "parse error at ...",
// capped so a huge unterminated token is not echoed back whole.
std::string parse_error_detail(const char* what) {
  std::string_view s(what);
  if (auto p = s.find("] "); s.rfind("[json.exception.", 0) == 0 && p != std::string_view::npos)
    s.remove_prefix(p + 2);
  constexpr std::size_t kMax = 240;
  std::string out(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  return out;
}

}  // namespace

// ---- LineBuffer ----

LineBuffer::LineBuffer(std::size_t max_line) : max_line_(max_line) {}

std::vector<LineItem> LineBuffer::feed(std::string_view bytes) {
  std::vector<LineItem> out;
  while (!bytes.empty()) {
    const auto nl = bytes.find('\n');
    if (discarding_) {
      if (nl == std::string_view::npos) return out;
      discarding_ = false;
      bytes.remove_prefix(nl + 1);
      continue;
    }
    const std::string_view seg = bytes.substr(0, nl);  // whole rest when no '\n'
    const std::size_t total = buf_.size() + seg.size();
    // The content may reach max_line_ bytes; one extra byte is allowed only if it is
    // the '\r' of a "\r\n" ending (which may still arrive in the next feed).
    const char last = !seg.empty() ? seg.back() : (!buf_.empty() ? buf_.back() : '\0');
    const bool over = total > max_line_ + 1 || (total == max_line_ + 1 && last != '\r');
    if (over) {
      out.push_back({LineItem::Kind::Oversized, {}});
      buf_.clear();
      buf_.shrink_to_fit();
      if (nl == std::string_view::npos) {
        discarding_ = true;
        return out;
      }
      bytes.remove_prefix(nl + 1);
      continue;
    }
    buf_.append(seg);
    if (nl == std::string_view::npos) return out;
    if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
    out.push_back({LineItem::Kind::Line, std::exchange(buf_, std::string())});
    bytes.remove_prefix(nl + 1);
  }
  return out;
}

// ---- requests ----

std::variant<std::monostate, RpcRequest, std::string> parse_request_line(std::string_view line) {
  // Tolerate empty lines (e.g. a stray "\n" typed into socat); they carry no request.
  if (is_blank(line)) return std::monostate{};

  json req;
  try {
    req = json::parse(line.begin(), line.end());
  } catch (const json::parse_error& e) {
    return error_line(nullptr, ErrorKind::ParseError,
                      "request is not valid JSON: " + parse_error_detail(e.what()));
  } catch (const json::exception& e) {  // a number out of range (1e400): valid JSON, unusable
    return error_line(nullptr, ErrorKind::ParseError, "request cannot be read: " + parse_error_detail(e.what()));
  }

  auto invalid = [](const json& id, const std::string& message, const char* path = nullptr) {
    json data = json::object();
    if (path) data["path"] = path;
    return error_line(id, ErrorKind::InvalidRequest, message, std::move(data));
  };

  if (req.is_array())
    return invalid(nullptr,
                   "batch requests are not supported; send one JSON-RPC request object per line");
  if (!req.is_object()) return invalid(nullptr, "a request must be a JSON object");

  // Echo the id in errors whenever it is itself valid, so the client can match them.
  const auto id_it = req.find("id");
  const bool has_id = id_it != req.end();
  if (has_id && !(id_it->is_string() || id_it->is_number() || id_it->is_null()))
    return invalid(nullptr, "\"id\" must be a string, a number or null", "id");
  const json id = has_id ? *id_it : json(nullptr);

  if (nests_deeper_than(line, kMaxRequestDepth))
    return invalid(id, "request nests deeper than " + std::to_string(kMaxRequestDepth) + " levels");
  const auto ver = req.find("jsonrpc");
  if (ver == req.end() || !ver->is_string() || ver->get_ref<const std::string&>() != "2.0")
    return invalid(id, "\"jsonrpc\" must be \"2.0\"", "jsonrpc");
  const auto method = req.find("method");
  if (method == req.end() || !method->is_string())
    return invalid(id, "\"method\" must be a string", "method");
  const auto params_it = req.find("params");
  if (params_it != req.end() && !params_it->is_object())
    return invalid(id, "\"params\" must be an object when present", "params");
  return RpcRequest{id, has_id, method->get<std::string>(),
                    params_it != req.end() ? std::move(*params_it) : json::object()};
}

std::optional<std::string> respond(const RpcRequest& request, const std::function<json()>& answer) {
  json result;
  std::optional<std::string> error;
  try {
    result = answer();
  } catch (const RpcError& e) {
    error = error_response(request.id, e);
  } catch (const std::exception& e) {
    error = error_line(request.id, ErrorKind::Internal, e.what());
  } catch (...) {
    error = error_line(request.id, ErrorKind::Internal, "unknown internal error");
  }
  if (!request.has_id) return std::nullopt;  // notification: executed, never answered
  if (error) return error;
  return to_line({{"jsonrpc", "2.0"}, {"id", request.id}, {"result", std::move(result)}});
}

std::optional<std::string> handle_request_line(std::string_view line, const RpcHandler& handler) {
  auto parsed = parse_request_line(line);
  if (std::holds_alternative<std::monostate>(parsed)) return std::nullopt;
  if (auto* error = std::get_if<std::string>(&parsed)) return std::move(*error);
  const RpcRequest& request = std::get<RpcRequest>(parsed);
  return respond(request, [&] { return handler(request.method, request.params); });
}

std::string error_response(const json& id, const RpcError& e) {
  return error_line(id, e.kind(), e.what(), e.data());
}

std::string oversized_response(std::size_t max) {
  return error_line(nullptr, ErrorKind::InvalidRequest,
                    "request line exceeds " + std::to_string(max) +
                        " bytes; send one JSON-RPC request per line",
                    {{"max_request_bytes", max}});
}

std::string make_request_line(int id, std::string_view method, const json& params) {
  return to_line({{"jsonrpc", "2.0"},
                  {"id", id},
                  {"method", std::string(method)},
                  {"params", params.is_null() ? json::object() : params}});
}

}  // namespace bvlive
