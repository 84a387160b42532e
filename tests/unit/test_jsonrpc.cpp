#define BOOST_TEST_MODULE jsonrpc
#include <boost/test/unit_test.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "rpc/jsonrpc.hpp"

using bvlive::ErrorKind;
using bvlive::LineBuffer;
using bvlive::LineItem;
using bvlive::RpcError;
using nlohmann::json;

namespace {

std::vector<std::string> texts(const std::vector<LineItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) out.push_back(i.oversized() ? std::string("<oversized>") : i.text);
  return out;
}

using Lines = std::vector<std::string>;

// Echoes params as the result; a few methods exercise the error paths.
json test_handler(const std::string& method, const json& params) {
  if (method == "echo") return {{"method", method}, {"params", params}};
  if (method == "conflict")
    throw RpcError(ErrorKind::Conflict, "cannot start: live is ENDED",
                   {{"state", "ENDED"}, {"allowed_from", {"PREVIEW"}}});
  if (method == "boom") throw std::runtime_error("disk on fire");
  if (method == "weird") throw 42;
  throw RpcError(ErrorKind::MethodNotFound, "unknown method '" + method + "'");
}

json respond(std::string_view line) {
  auto r = bvlive::handle_request_line(line, test_handler);
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE(!r->empty());
  BOOST_REQUIRE_EQUAL(r->back(), '\n');
  BOOST_REQUIRE_EQUAL(r->find('\n'), r->size() - 1);  // exactly one line
  return json::parse(*r);
}

void check_error(const json& r, int code, const std::string& kind, const json& id) {
  BOOST_TEST_CONTEXT(r.dump()) {
    BOOST_TEST(r.at("jsonrpc") == "2.0");
    BOOST_TEST(r.at("id") == id);
    BOOST_TEST(!r.contains("result"));
    BOOST_TEST(r.at("error").at("code").get<int>() == code);
    BOOST_TEST(r.at("error").at("message").is_string());
    BOOST_TEST(!r.at("error").at("message").get<std::string>().empty());
    BOOST_TEST(r.at("error").at("data").at("kind") == kind);
  }
}

}  // namespace

// ---------------- LineBuffer ----------------

BOOST_AUTO_TEST_CASE(line_split_across_feeds) {
  LineBuffer lb(1024);
  BOOST_TEST(texts(lb.feed("{\"a\":")).empty());
  BOOST_TEST(lb.buffered() == 5u);
  BOOST_TEST(texts(lb.feed("1}\n{\"b\"")) == (Lines{"{\"a\":1}"}), boost::test_tools::per_element());
  BOOST_TEST(texts(lb.feed(":2}\nx\ny")) == (Lines{"{\"b\":2}", "x"}), boost::test_tools::per_element());
  BOOST_TEST(texts(lb.feed("\n")) == (Lines{"y"}), boost::test_tools::per_element());
  BOOST_TEST(lb.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(line_byte_by_byte) {
  LineBuffer lb(64);
  const std::string input = "one\r\ntwo\n\nthree\n";
  Lines got;
  for (char c : input)
    for (auto& t : texts(lb.feed(std::string_view(&c, 1)))) got.push_back(t);
  BOOST_TEST(got == (Lines{"one", "two", "", "three"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(line_crlf_stripped_only_at_end) {
  LineBuffer lb(64);
  BOOST_TEST(texts(lb.feed("a\r\nb\rc\r\n\r\n")) == (Lines{"a", "b\rc", ""}),
             boost::test_tools::per_element());
  // '\r' and '\n' arriving in different feeds
  BOOST_TEST(texts(lb.feed("d\r")).empty());
  BOOST_TEST(texts(lb.feed("\n")) == (Lines{"d"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(line_limit_is_exact) {
  LineBuffer lb(4);
  BOOST_TEST(texts(lb.feed("abcd\nabcd\r\nabcde\n")) == (Lines{"abcd", "abcd", "<oversized>"}),
             boost::test_tools::per_element());
  // a '\r' held at the limit becomes oversized once it turns out not to end the line
  BOOST_TEST(texts(lb.feed("abcd\r")).empty());
  BOOST_TEST(texts(lb.feed("x\nok\n")) == (Lines{"<oversized>", "ok"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(oversized_one_marker_then_next_line_parsed) {
  const std::size_t max = 64 * 1024;
  LineBuffer lb(max);
  std::vector<LineItem> all;
  // 2 MiB line fed in 4 KiB chunks, then a normal line in the same chunk as its end.
  const std::string chunk(4096, 'x');
  std::size_t max_buffered = 0;
  for (int i = 0; i < 512; ++i) {
    for (auto& it : lb.feed(chunk)) all.push_back(std::move(it));
    max_buffered = std::max(max_buffered, lb.buffered());
  }
  BOOST_TEST(lb.discarding());
  BOOST_TEST(lb.buffered() == 0u);
  for (auto& it : lb.feed("xxx\n{\"ok\":1}\n")) all.push_back(std::move(it));
  BOOST_TEST(max_buffered <= max + 1);
  BOOST_TEST(texts(all) == (Lines{"<oversized>", "{\"ok\":1}"}), boost::test_tools::per_element());
  BOOST_TEST(!lb.discarding());
}

BOOST_AUTO_TEST_CASE(oversized_in_single_feed_and_at_chunk_boundary) {
  LineBuffer lb(8);
  // whole oversized line, newline included, in one feed
  BOOST_TEST(texts(lb.feed(std::string(100, 'a') + "\nb\n")) == (Lines{"<oversized>", "b"}),
             boost::test_tools::per_element());
  // crosses the limit exactly when its '\n' arrives in the next feed
  BOOST_TEST(texts(lb.feed("123456789")) == (Lines{"<oversized>"}), boost::test_tools::per_element());
  BOOST_TEST(texts(lb.feed("\nc\n")) == (Lines{"c"}), boost::test_tools::per_element());
  // two oversized lines in a row: one marker each
  BOOST_TEST(texts(lb.feed(std::string(20, 'z') + "\n" + std::string(20, 'z') + "\nd\n")) ==
                 (Lines{"<oversized>", "<oversized>", "d"}),
             boost::test_tools::per_element());
}

// ---------------- handle_request_line ----------------

BOOST_AUTO_TEST_CASE(success_with_params_and_default_params) {
  auto r = respond(R"({"jsonrpc":"2.0","id":7,"method":"echo","params":{"x":[1,2]}})");
  BOOST_TEST(r.at("id") == 7);
  BOOST_TEST(!r.contains("error"));
  BOOST_TEST(r.at("result").at("params") == json({{"x", {1, 2}}}));

  r = respond(R"({"jsonrpc":"2.0","id":"abc","method":"echo"})");
  BOOST_TEST(r.at("id") == "abc");
  BOOST_TEST(r.at("result").at("params") == json::object());

  r = respond(R"(  {"jsonrpc":"2.0","id":null,"method":"echo"}  )");  // explicit null id answers
  BOOST_TEST(r.at("id").is_null());
  BOOST_TEST(r.contains("result"));
}

BOOST_AUTO_TEST_CASE(notification_runs_but_is_not_answered) {
  int calls = 0;
  auto counting = [&](const std::string& m, const json& p) {
    ++calls;
    return test_handler(m, p);
  };
  BOOST_TEST(!bvlive::handle_request_line(R"({"jsonrpc":"2.0","method":"echo"})", counting));
  BOOST_TEST(!bvlive::handle_request_line(R"({"jsonrpc":"2.0","method":"boom"})", counting));
  BOOST_TEST(calls == 2);
}

BOOST_AUTO_TEST_CASE(blank_line_ignored) {
  BOOST_TEST(!bvlive::handle_request_line("", test_handler));
  BOOST_TEST(!bvlive::handle_request_line("  \t", test_handler));
}

BOOST_AUTO_TEST_CASE(parse_errors) {
  for (std::string_view bad : {"{", "not json", "{\"jsonrpc\":\"2.0\",}", "{} {}", "\"\xff\""}) {
    BOOST_TEST_CONTEXT(bad) {
      auto r = respond(bad);
      check_error(r, -32700, "parse_error", nullptr);
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_requests) {
  check_error(respond("[]"), -32600, "invalid_request", nullptr);
  check_error(respond(R"([{"jsonrpc":"2.0","id":1,"method":"echo"}])"), -32600, "invalid_request", nullptr);
  check_error(respond("42"), -32600, "invalid_request", nullptr);
  check_error(respond("\"str\""), -32600, "invalid_request", nullptr);
  check_error(respond("null"), -32600, "invalid_request", nullptr);
  // missing / wrong jsonrpc
  check_error(respond(R"({"id":1,"method":"echo"})"), -32600, "invalid_request", 1);
  check_error(respond(R"({"jsonrpc":"1.0","id":1,"method":"echo"})"), -32600, "invalid_request", 1);
  check_error(respond(R"({"jsonrpc":2.0,"id":1,"method":"echo"})"), -32600, "invalid_request", 1);
  // method
  check_error(respond(R"({"jsonrpc":"2.0","id":2})"), -32600, "invalid_request", 2);
  check_error(respond(R"({"jsonrpc":"2.0","id":2,"method":5})"), -32600, "invalid_request", 2);
  // params not an object
  check_error(respond(R"({"jsonrpc":"2.0","id":3,"method":"echo","params":[1]})"), -32600,
              "invalid_request", 3);
  check_error(respond(R"({"jsonrpc":"2.0","id":3,"method":"echo","params":null})"), -32600,
              "invalid_request", 3);
  check_error(respond(R"({"jsonrpc":"2.0","id":3,"method":"echo","params":"x"})"), -32600,
              "invalid_request", 3);
  // bad id type: id cannot be echoed
  check_error(respond(R"({"jsonrpc":"2.0","id":{"a":1},"method":"echo"})"), -32600, "invalid_request",
              nullptr);
  check_error(respond(R"({"jsonrpc":"2.0","id":true,"method":"echo"})"), -32600, "invalid_request",
              nullptr);
  // invalid requests are answered even without an id
  check_error(respond(R"({"jsonrpc":"2.0","method":1})"), -32600, "invalid_request", nullptr);
  // data.path names the offending member
  BOOST_TEST(respond(R"({"jsonrpc":"2.0","id":3,"method":"echo","params":[]})")["error"]["data"]["path"] ==
             "params");
}

BOOST_AUTO_TEST_CASE(nesting_limit) {
  std::string deep = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":)";
  for (int i = 0; i < 100000; ++i) deep += '[';
  for (int i = 0; i < 100000; ++i) deep += ']';
  deep += "}}";
  check_error(respond(deep), -32600, "invalid_request", 1);
  // brackets inside strings do not count
  std::string ok = R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":")" + std::string(500, '[') + "\"}}";
  BOOST_TEST(respond(ok).contains("result"));
  // unterminated deep input is a plain parse error, without blowing the stack
  check_error(respond(std::string(500000, '[')), -32700, "parse_error", nullptr);
}

BOOST_AUTO_TEST_CASE(handler_errors) {
  auto r = respond(R"({"jsonrpc":"2.0","id":9,"method":"nope"})");
  check_error(r, -32601, "method_not_found", 9);

  r = respond(R"({"jsonrpc":"2.0","id":9,"method":"conflict"})");
  check_error(r, -32009, "conflict", 9);
  BOOST_TEST(r["error"]["message"] == "cannot start: live is ENDED");
  BOOST_TEST(r["error"]["data"]["state"] == "ENDED");
  BOOST_TEST(r["error"]["data"]["allowed_from"] == json({"PREVIEW"}));

  r = respond(R"({"jsonrpc":"2.0","id":9,"method":"boom"})");
  check_error(r, -32603, "internal", 9);
  BOOST_TEST(r["error"]["message"] == "disk on fire");

  r = respond(R"({"jsonrpc":"2.0","id":9,"method":"weird"})");
  check_error(r, -32603, "internal", 9);

  // invalid_params via the shorthand keeps data.path
  r = json::parse(*bvlive::handle_request_line(R"({"jsonrpc":"2.0","id":1,"method":"x"})",
                                               [](const std::string&, const json&) -> json {
                                                 bvlive::throw_invalid("live.name", "must not be empty");
                                               }));
  check_error(r, -32602, "invalid_params", 1);
  BOOST_TEST(r["error"]["data"]["path"] == "live.name");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_in_error_message_does_not_throw) {
  // method names are echoed by the handler's message; invalid UTF-8 there must not break dump()
  auto r = bvlive::handle_request_line(R"({"jsonrpc":"2.0","id":1,"method":"x"})",
                                       [](const std::string&, const json&) -> json {
                                         throw std::runtime_error("bad \xff byte");
                                       });
  BOOST_REQUIRE(r);
  check_error(json::parse(*r), -32603, "internal", 1);
}

BOOST_AUTO_TEST_CASE(oversized_response_line) {
  const std::string line = bvlive::oversized_response(1048576);
  BOOST_TEST(line.back() == '\n');
  auto r = json::parse(line);
  check_error(r, -32600, "invalid_request", nullptr);
  BOOST_TEST(r["error"]["message"] ==
             "request line exceeds 1048576 bytes; send one JSON-RPC request per line");
}

BOOST_AUTO_TEST_CASE(make_request_line_roundtrip) {
  const std::string line = bvlive::make_request_line(5, "echo", {{"id", "abc"}});
  BOOST_TEST(line.back() == '\n');
  BOOST_TEST(line.find('\n') == line.size() - 1);
  auto req = json::parse(line);
  BOOST_TEST(req == json({{"jsonrpc", "2.0"}, {"id", 5}, {"method", "echo"}, {"params", {{"id", "abc"}}}}));
  auto r = respond(std::string_view(line).substr(0, line.size() - 1));
  BOOST_TEST(r["id"] == 5);
  BOOST_TEST(r["result"]["params"]["id"] == "abc");

  BOOST_TEST(json::parse(bvlive::make_request_line(1, "daemon.status", nullptr))["params"] == json::object());
  BOOST_TEST(json::parse(bvlive::make_request_line(1, "daemon.status"))["params"] == json::object());
}

// Valid JSON whose number does not fit a double (found by the jsonrpc fuzzer): a parse error
// line, not an exception that drops the connection.
BOOST_AUTO_TEST_CASE(number_out_of_range_is_a_parse_error) {
  check_error(respond(R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"n":1e400}})"), -32700, "parse_error",
              nullptr);
}
