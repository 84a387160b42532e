// JSON-RPC framing on the control socket as ControlServer drives it: bytes in pieces through
// a bounded LineBuffer, each line through parse_request_line, each request answered by
// respond (handle_request_line must agree). The first byte picks the pieces (fuzz_split.hpp).
//   - the same lines (and oversized markers) however the bytes are split; never more than
//     max_line + 1 bytes held; no line longer than max_line or holding a '\n';
//   - every answer is exactly one line of JSON: a JSON-RPC 2.0 response with the request's
//     id, or an error object with a code and a kind;
//   - a request written again by the client's make_request_line parses back the same.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_split.hpp"
#include "rpc/error.hpp"
#include "rpc/jsonrpc.hpp"

using namespace bvlive;
using nlohmann::json;

namespace {

// Small, so that short inputs reach the oversized path (the daemon's default is 1 MiB).
constexpr std::size_t kMaxLine = 256;

void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_jsonrpc.cpp:%d: property failed: %s\n", line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

// One response line: one '\n', at the end, and a JSON-RPC 2.0 response object.
json response_of(const std::string& line) {
  check(!line.empty() && line.back() == '\n');
  check(line.find('\n') == line.size() - 1);
  json r = json::parse(line, nullptr, false);
  check(!r.is_discarded() && r.is_object());
  check(r.value("jsonrpc", "") == "2.0");
  check(r.contains("id"));
  check(r.contains("result") != r.contains("error"));
  if (r.contains("error")) {
    const json& e = r["error"];
    check(e.is_object() && e.contains("code") && e["code"].is_number_integer());
    check(e.contains("message") && e["message"].is_string());
    check(e.contains("data") && e["data"].is_object() && e["data"].contains("kind") && e["data"]["kind"].is_string());
  }
  return r;
}

// A deterministic handler: some methods fail as handlers do, the others echo their params.
json handler(const std::string& method, const json& params) {
  if (method.starts_with("e")) throw RpcError(ErrorKind::NotFound, "no such thing: " + method, {{"path", method}});
  if (method.starts_with("x")) throw std::runtime_error("handler failed on " + method);
  if (method.starts_with("i")) throw RpcError(ErrorKind::InvalidParams, method, params);
  return {{"method", method}, {"params", params}};
}

void take(const LineItem& item) {
  if (item.oversized()) {
    check(item.text.empty());
    (void)response_of(oversized_response(kMaxLine));
    return;
  }
  check(item.text.size() <= kMaxLine);
  check(item.text.find('\n') == std::string::npos);
  auto parsed = parse_request_line(item.text);
  const RpcHandler handle = handler;
  const auto direct = handle_request_line(item.text, handle);
  if (std::holds_alternative<std::monostate>(parsed)) {
    check(!direct.has_value());
    return;
  }
  if (const auto* error = std::get_if<std::string>(&parsed)) {
    const json r = response_of(*error);
    check(r.contains("error"));
    check(direct && *direct == *error);
    return;
  }
  const RpcRequest& request = std::get<RpcRequest>(parsed);
  check(request.params.is_object());
  check(request.has_id || request.id.is_null());
  const auto answer = respond(request, [&] { return handler(request.method, request.params); });
  check(answer.has_value() == request.has_id);
  check(direct == answer);
  if (answer) {
    const json r = response_of(*answer);
    check(r["id"] == request.id);
    if (r.contains("result")) check(r["result"]["method"] == request.method && r["result"]["params"] == request.params);
  }
  // The client's writer gives back a line that parses to the same request.
  const std::string again = make_request_line(7, request.method, request.params);
  check(again.find('\n') == again.size() - 1);
  auto back = parse_request_line(std::string_view(again).substr(0, again.size() - 1));
  const auto* same = std::get_if<RpcRequest>(&back);
  check(same != nullptr);
  check(same->method == request.method && same->params == request.params && same->id == 7 && same->has_id);
}

bool same_items(const std::vector<LineItem>& a, const std::vector<LineItem>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].kind != b[i].kind || a[i].text != b[i].text) return false;
  return true;
}

std::string_view text(std::span<const std::uint8_t> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream;
  const auto parts = bvfuzz::pieces({data, size}, stream);

  LineBuffer whole(kMaxLine);
  const std::vector<LineItem> at_once = whole.feed(text(stream));
  check(whole.buffered() <= kMaxLine + 1);

  LineBuffer split(kMaxLine);
  std::vector<LineItem> items;
  for (const auto& part : parts) {
    for (auto& item : split.feed(text(part))) items.push_back(std::move(item));
    check(split.buffered() <= kMaxLine + 1);
  }
  check(same_items(items, at_once));
  check(split.buffered() == whole.buffered() && split.discarding() == whole.discarding());

  for (const LineItem& item : at_once) take(item);
  return 0;
}
