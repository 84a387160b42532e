#define BOOST_TEST_MODULE http_request
#include <boost/test/unit_test.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "protocols/http/byte_range.hpp"
#include "protocols/http/content_type.hpp"
#include "protocols/http/request_parser.hpp"
#include "protocols/http/response.hpp"

using namespace bvlive::http;

namespace {

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

ParseResult parse(std::string_view text, ParserLimits limits = {}) {
  RequestParser parser(limits);
  return parser.feed(bytes(text));
}

// Feeds `text` in pieces of `piece` bytes and collects everything.
ParseResult parse_in_pieces(std::string_view text, std::size_t piece) {
  RequestParser parser;
  ParseResult all;
  for (std::size_t i = 0; i < text.size(); i += piece) {
    auto r = parser.feed(bytes(text.substr(i, piece)));
    for (auto& q : r.requests) all.requests.push_back(std::move(q));
    if (r.error) all.error = r.error;
  }
  return all;
}

}  // namespace

BOOST_AUTO_TEST_CASE(simple_get) {
  const auto r = parse("GET /live/abc/index.m3u8?token=x%20y HTTP/1.1\r\nHost: example.com\r\n"
                       "User-Agent: test\r\nX-Empty:\r\nACCEPT: */*\r\n\r\n");
  BOOST_REQUIRE(!r.error);
  BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
  const Request& q = r.requests[0];
  BOOST_TEST(q.method == "GET");
  BOOST_TEST(q.target == "/live/abc/index.m3u8?token=x%20y");
  BOOST_TEST(q.path == "/live/abc/index.m3u8");
  BOOST_TEST(q.query == "token=x%20y");
  BOOST_TEST(q.http_major == 1);
  BOOST_TEST(q.http_minor == 1);
  BOOST_TEST(q.keep_alive);
  BOOST_REQUIRE_EQUAL(q.headers.size(), 4u);
  BOOST_TEST(q.header("host").value_or("-") == "example.com");
  BOOST_TEST(q.header("accept").value_or("-") == "*/*");  // names are lower-cased
  BOOST_TEST(q.header("x-empty").value_or("-") == "");
  BOOST_TEST(q.header("user-agent").value_or("-") == "test");
  BOOST_TEST(!q.header("cookie"));
  BOOST_TEST(q.body.empty());
}

BOOST_AUTO_TEST_CASE(pipelined_requests_come_out_in_order) {
  const std::string text =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "HEAD /c HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
  const auto r = parse(text);
  BOOST_REQUIRE(!r.error);
  BOOST_REQUIRE_EQUAL(r.requests.size(), 3u);
  BOOST_TEST(r.requests[0].path == "/a");
  BOOST_TEST(r.requests[1].method == "POST");
  BOOST_TEST(r.requests[1].body == "hello");
  BOOST_TEST(r.requests[2].method == "HEAD");
  BOOST_TEST(r.requests[0].keep_alive);
  BOOST_TEST(!r.requests[2].keep_alive);

  // The same bytes split anywhere give the same requests, one byte at a time included.
  for (std::size_t piece : {1u, 2u, 3u, 7u, 50u}) {
    const auto split = parse_in_pieces(text, piece);
    BOOST_REQUIRE(!split.error);
    BOOST_REQUIRE_EQUAL(split.requests.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
      BOOST_TEST(split.requests[i].method == r.requests[i].method);
      BOOST_TEST(split.requests[i].target == r.requests[i].target);
      BOOST_TEST(split.requests[i].headers == r.requests[i].headers);
      BOOST_TEST(split.requests[i].body == r.requests[i].body);
    }
  }
}

BOOST_AUTO_TEST_CASE(a_half_request_waits_for_the_rest) {
  RequestParser parser;
  auto r = parser.feed(bytes("GET /slow HTTP/1.1\r\nHo"));
  BOOST_TEST(r.requests.empty());
  BOOST_TEST(!r.error);
  BOOST_TEST(parser.in_message());
  r = parser.feed(bytes("st: h\r\n\r\n"));
  BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
  BOOST_TEST(r.requests[0].header("host").value_or("") == "h");
  BOOST_TEST(!parser.in_message());
}

BOOST_AUTO_TEST_CASE(chunked_body) {
  const auto r = parse("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  BOOST_REQUIRE(!r.error);
  BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
  BOOST_TEST(r.requests[0].body == "hello world");
}

BOOST_AUTO_TEST_CASE(path_is_percent_decoded) {
  const auto r = parse("GET /a%20b/c%2Fd/%C3%A9+x?q=1 HTTP/1.1\r\n\r\n");
  BOOST_REQUIRE(!r.error);
  BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
  BOOST_TEST(r.requests[0].path == "/a b/c/d/\xC3\xA9+x");  // '+' is only a space in queries
  BOOST_TEST(r.requests[0].query == "q=1");
}

BOOST_AUTO_TEST_CASE(absolute_form_target) {
  const auto r = parse("GET http://example.com:8080/live/x.m3u8?a=b HTTP/1.1\r\n\r\n");
  BOOST_REQUIRE(!r.error);
  BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
  BOOST_TEST(r.requests[0].path == "/live/x.m3u8");
  BOOST_TEST(r.requests[0].query == "a=b");
}

BOOST_AUTO_TEST_CASE(dot_dot_segments_nul_and_bad_escapes_are_400) {
  for (const char* target : {"/../etc/passwd", "/live/../../x", "/live/%2e%2e/x", "/live/%2E%2E", "/..",
                             "/a%00b", "/a%zzb", "/a%4"}) {
    const auto r = parse(std::string("GET ") + target + " HTTP/1.1\r\n\r\n");
    BOOST_TEST_CONTEXT(target) {
      BOOST_TEST(r.requests.empty());
      BOOST_REQUIRE(r.error);
      BOOST_TEST(r.error->status == 400);
      BOOST_TEST(!r.error->message.empty());
    }
  }
  // Dots inside a name are fine.
  const auto ok = parse("GET /a..b/.../c.m3u8 HTTP/1.1\r\n\r\n");
  BOOST_REQUIRE(!ok.error);
  BOOST_TEST(ok.requests.at(0).path == "/a..b/.../c.m3u8");
}

BOOST_AUTO_TEST_CASE(oversized_headers_are_431) {
  const std::string big(20000, 'a');
  const auto r = parse("GET / HTTP/1.1\r\nX-Big: " + big + "\r\n\r\n");
  BOOST_TEST(r.requests.empty());
  BOOST_REQUIRE(r.error);
  BOOST_TEST(r.error->status == 431);
  BOOST_TEST(r.error->message.find("16384") != std::string::npos);

  // Many small headers add up, also when they trickle in.
  std::string many = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": 0123456789\r\n";
  many += "\r\n";
  const auto split = parse_in_pieces(many, 100);
  BOOST_REQUIRE(split.error);
  BOOST_TEST(split.error->status == 431);

  // A smaller limit applies; a long target is 414.
  const auto small = parse("GET /" + std::string(300, 'x') + " HTTP/1.1\r\n\r\n", ParserLimits{256, 1024});
  BOOST_REQUIRE(small.error);
  BOOST_TEST(small.error->status == 414);
}

BOOST_AUTO_TEST_CASE(bad_request_lines_are_400) {
  for (const char* text : {"garbage\r\n\r\n", "GET\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n",
                           "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"}) {
    const auto r = parse(text);
    BOOST_TEST_CONTEXT(text) {
      BOOST_REQUIRE(r.error);
      BOOST_TEST(r.error->status == 400);
      BOOST_TEST(r.requests.empty());
    }
  }
  // The error sticks: nothing parses after it.
  RequestParser parser;
  BOOST_REQUIRE(parser.feed(bytes("BAD\r\n")).error);
  const auto after = parser.feed(bytes("GET / HTTP/1.1\r\n\r\n"));
  BOOST_TEST(after.requests.empty());
  BOOST_REQUIRE(after.error);
  BOOST_TEST(after.error->status == 400);
}

BOOST_AUTO_TEST_CASE(requests_before_an_error_are_kept) {
  const auto r = parse("GET /first HTTP/1.1\r\n\r\nNONSENSE\r\n\r\n");
  BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
  BOOST_TEST(r.requests[0].path == "/first");
  BOOST_REQUIRE(r.error);
  BOOST_TEST(r.error->status == 400);
}

BOOST_AUTO_TEST_CASE(unsupported_methods_and_versions) {
  const auto connect = parse("CONNECT example.com:443 HTTP/1.1\r\n\r\n");
  BOOST_REQUIRE(connect.error);
  BOOST_TEST(connect.error->status == 501);
  const auto webdav = parse("PROPFIND / HTTP/1.1\r\n\r\n");
  BOOST_REQUIRE(webdav.error);
  BOOST_TEST(webdav.error->status == 501);
  const auto v2 = parse("GET / HTTP/2.0\r\n\r\n");
  BOOST_REQUIRE(v2.error);
  BOOST_TEST(v2.error->status == 505);
}

BOOST_AUTO_TEST_CASE(body_with_content_length_and_its_limit) {
  const auto r = parse("POST /api HTTP/1.1\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world");
  BOOST_REQUIRE(!r.error);
  BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
  BOOST_TEST(r.requests[0].body == "hello world");

  const auto big = parse("POST /api HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n");
  BOOST_REQUIRE(big.error);
  BOOST_TEST(big.error->status == 413);

  const auto chunked = parse("POST /api HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n",
                             ParserLimits{16384, 8});
  BOOST_REQUIRE(chunked.error);
  BOOST_TEST(chunked.error->status == 413);
}

BOOST_AUTO_TEST_CASE(keep_alive_rules) {
  auto keep = [](std::string_view text) {
    const auto r = parse(text);
    BOOST_REQUIRE(!r.error);
    BOOST_REQUIRE_EQUAL(r.requests.size(), 1u);
    return r.requests[0].keep_alive;
  };
  BOOST_TEST(keep("GET / HTTP/1.1\r\n\r\n"));
  BOOST_TEST(!keep("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
  BOOST_TEST(!keep("GET / HTTP/1.0\r\n\r\n"));
  BOOST_TEST(keep("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const auto r = parse("GET / HTTP/1.0\r\n\r\n");
  BOOST_TEST(r.requests.at(0).http_minor == 0);
}

BOOST_AUTO_TEST_CASE(query_params) {
  const auto r = parse("GET /p?a=1&b=x%20y&c=hello+world&flag&e=&a=2&n%61me=v HTTP/1.1\r\n\r\n");
  BOOST_REQUIRE(!r.error);
  const Request& q = r.requests.at(0);
  BOOST_TEST(q.query_param("a").value_or("-") == "1");  // the first one wins
  BOOST_TEST(q.query_param("b").value_or("-") == "x y");
  BOOST_TEST(q.query_param("c").value_or("-") == "hello world");
  BOOST_TEST(q.query_param("flag").value_or("-") == "");
  BOOST_TEST(q.query_param("e").value_or("-") == "");
  BOOST_TEST(q.query_param("name").value_or("-") == "v");
  BOOST_TEST(!q.query_param("missing"));
  BOOST_TEST(!q.query_param("fla"));
}

BOOST_AUTO_TEST_CASE(range_header) {
  using K = RangeRequest::Kind;
  auto check = [](std::string_view value, std::uint64_t size, K kind, std::uint64_t first = 0, std::uint64_t last = 0) {
    const auto r = parse_range(value, size);
    BOOST_TEST_CONTEXT(value << " of " << size) {
      BOOST_TEST(static_cast<int>(r.kind) == static_cast<int>(kind));
      if (kind == K::Partial) {
        BOOST_TEST(r.range.first == first);
        BOOST_TEST(r.range.last == last);
      }
    }
  };
  check("bytes=0-99", 1000, K::Partial, 0, 99);
  check("bytes=100-", 1000, K::Partial, 100, 999);
  check("bytes=-100", 1000, K::Partial, 900, 999);
  check("bytes=-5000", 1000, K::Partial, 0, 999);     // longer than the file: all of it
  check("bytes=990-2000", 1000, K::Partial, 990, 999);  // clamped to the end
  check("bytes=999-999", 1000, K::Partial, 999, 999);
  check(" Bytes=5-9 ", 1000, K::Partial, 5, 9);
  check("bytes=1000-", 1000, K::Unsatisfiable);
  check("bytes=5000-6000", 1000, K::Unsatisfiable);
  check("bytes=-0", 1000, K::Unsatisfiable);
  check("bytes=0-", 0, K::Unsatisfiable);
  check("bytes=0-1,5-9", 1000, K::Whole);  // multi-range: served whole
  check("bytes=9-5", 1000, K::Whole);      // malformed: ignored
  check("bytes=a-b", 1000, K::Whole);
  check("bytes=-", 1000, K::Whole);
  check("items=0-5", 1000, K::Whole);
  check("bytes=99999999999999999999999-", 1000, K::Whole);
  check("", 1000, K::Whole);
  BOOST_TEST(parse_range("bytes=10-19", 100).range.length() == 10u);
}

BOOST_AUTO_TEST_CASE(content_types) {
  BOOST_TEST(content_type_for("/x/index.m3u8") == "application/vnd.apple.mpegurl");
  BOOST_TEST(content_type_for("init.mp4") == "video/mp4");
  BOOST_TEST(content_type_for("/seg/123.m4s") == "video/iso.segment");
  BOOST_TEST(content_type_for("a.ts") == "video/mp2t");
  BOOST_TEST(content_type_for("cover.JPG") == "image/jpeg");
  BOOST_TEST(content_type_for("cover.jpeg") == "image/jpeg");
  BOOST_TEST(content_type_for("cover.png") == "image/png");
  BOOST_TEST(content_type_for("/player/index.html") == "text/html; charset=utf-8");
  BOOST_TEST(content_type_for("hls.min.js") == "text/javascript");
  BOOST_TEST(content_type_for("style.css") == "text/css");
  BOOST_TEST(content_type_for("live.json") == "application/json");
  BOOST_TEST(content_type_for("noext") == "application/octet-stream");
  BOOST_TEST(content_type_for("/dir.m3u8/file") == "application/octet-stream");
  BOOST_TEST(content_type_for("archive.bin") == "application/octet-stream");
}

BOOST_AUTO_TEST_CASE(responses) {
  auto r = Response::text(404, "no such live");
  BOOST_TEST(r.body == "no such live\n");
  BOOST_TEST(r.header("content-type").value_or("") == "text/plain; charset=utf-8");
  r.set("content-type", "text/html");  // replaces, whatever the case
  BOOST_TEST(r.headers.size() == 1u);
  BOOST_TEST(r.header("Content-Type").value_or("") == "text/html");
  BOOST_TEST(reason_phrase(404) == "Not Found");
  BOOST_TEST(reason_phrase(416) == "Range Not Satisfiable");
  BOOST_TEST(http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");

  const std::string head = serialize_head(200, {{"Cache-Control", "no-cache"}, {"X-Bad", "a\r\nInjected: 1"}}, 42,
                                          "Sun, 06 Nov 1994 08:49:37 GMT");
  BOOST_TEST(head == "HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nX-Bad: a  Injected: 1\r\n"
                     "Content-Length: 42\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
  const std::string no_content = serialize_head(204, {}, 0, "D");
  BOOST_TEST(no_content == "HTTP/1.1 204 No Content\r\nDate: D\r\n\r\n");
}

// ---------------------------------------------------------------------------
// Bodies streamed to a BodyWriter (uploads) instead of Request::body.

namespace {

struct CollectingWriter : BodyWriter {
  explicit CollectingWriter(std::uint64_t limit, bool fail_after = false) : limit_(limit), fail_(fail_after) {}
  std::uint64_t limit() const override { return limit_; }
  bool write(std::string_view b) override {
    if (fail_ && !got.empty()) return false;
    got += b;
    return true;
  }
  std::string error() const override { return "No space left on device"; }
  std::uint64_t limit_;
  bool fail_;
  std::string got;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_streamed_body_goes_to_its_writer_not_to_memory) {
  RequestParser parser(ParserLimits{16384, 10});  // buffered bodies: at most 10 bytes
  auto writer = std::make_shared<CollectingWriter>(1000);
  parser.body_writer_for = [&](const Request& head) {
    BOOST_TEST(head.path == "/upload");
    BOOST_TEST(head.body.empty());
    return BodyPlan{writer, std::nullopt};
  };
  const std::string body(300, 'x');
  auto r = parser.feed(bytes("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 300\r\n\r\n" + body));
  BOOST_TEST_REQUIRE(r.requests.size() == 1u);
  BOOST_TEST(!r.error);
  BOOST_TEST(r.requests[0].body.empty());
  BOOST_TEST(r.requests[0].upload.get() == writer.get());
  BOOST_TEST(writer->got == body);
}

BOOST_AUTO_TEST_CASE(a_streamed_body_over_its_limit_is_413_announced_or_not) {
  for (const std::string& framing : {"Content-Length: 50\r\n\r\n" + std::string(50, 'x'),
                                    "Transfer-Encoding: chunked\r\n\r\n32\r\n" + std::string(50, 'x') + "\r\n0\r\n\r\n"}) {
    RequestParser parser;
    auto writer = std::make_shared<CollectingWriter>(40);
    parser.body_writer_for = [&](const Request&) { return BodyPlan{writer, std::nullopt}; };
    auto r = parser.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\n" + framing));
    BOOST_TEST(r.requests.empty());
    BOOST_TEST_REQUIRE(r.error.has_value());
    BOOST_TEST(r.error->status == 413);
    BOOST_TEST(writer->got.size() <= 40u);
  }
}

BOOST_AUTO_TEST_CASE(a_refused_head_stops_before_its_body) {
  RequestParser parser;
  parser.body_writer_for = [](const Request&) {
    return BodyPlan{nullptr, ParseError{401, R"({"error":{}})", "application/json", {{"WWW-Authenticate", "Bearer"}}}};
  };
  auto r = parser.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"));
  BOOST_TEST(r.requests.empty());
  BOOST_TEST_REQUIRE(r.error.has_value());
  BOOST_TEST(r.error->status == 401);
  BOOST_TEST(r.error->content_type == "application/json");
  BOOST_TEST(r.error->headers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_writer_failure_is_a_500_naming_it) {
  RequestParser parser;
  auto writer = std::make_shared<CollectingWriter>(1000, true);
  parser.body_writer_for = [&](const Request&) { return BodyPlan{writer, std::nullopt}; };
  parser.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabcde"));
  auto r = parser.feed(bytes("fghij"));
  BOOST_TEST_REQUIRE(r.error.has_value());
  BOOST_TEST(r.error->status == 500);
  BOOST_TEST(r.error->message.find("No space left") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(expect_100_continue_is_reported_once_for_a_wanted_body) {
  RequestParser parser;
  parser.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  BOOST_TEST(parser.take_continue());
  BOOST_TEST(!parser.take_continue());
  auto r = parser.feed(bytes("abc"));
  BOOST_TEST(r.requests.size() == 1u);
  // No body, or a refused one: nothing to continue.
  RequestParser empty;
  empty.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n"));
  BOOST_TEST(!empty.take_continue());
  RequestParser too_big(ParserLimits{16384, 2});
  too_big.feed(bytes("POST /u HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n"));
  BOOST_TEST(!too_big.take_continue());
}
