// The origin's HTTP/1.x request parser as a connection feeds it: the input whole and in
// pieces chosen by the input must give the same requests and the same error. Each parsed
// request keeps the parser's promises (no NUL, no ".." segment in the path), and the
// Range interpretation of its header (or of the raw input) stays inside the file.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_split.hpp"
#include "protocols/http/byte_range.hpp"
#include "protocols/http/request_parser.hpp"

using namespace bvlive::http;

namespace {

// Small limits so the fuzzer reaches the 413/431 paths with short inputs.
ParserLimits limits() {
  ParserLimits l;
  l.max_header_bytes = 1024;
  l.max_body_bytes = 2048;
  return l;
}

struct Outcome {
  std::vector<Request> requests;
  std::optional<ParseError> error;  // the first one reported
};

void absorb(Outcome& o, ParseResult r) {
  for (auto& q : r.requests) o.requests.push_back(std::move(q));
  if (r.error && !o.error) o.error = r.error;
}

bool same(const Request& a, const Request& b) {
  return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
         a.headers == b.headers && a.body == b.body && a.http_major == b.http_major &&
         a.http_minor == b.http_minor && a.keep_alive == b.keep_alive;
}

// Aborts naming the broken property, so a crash report says which one.
void check_at(bool ok, const char* what, int line) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_http_request.cpp:%d: property failed: %s\n", line, what);
  std::abort();
}
#define check(cond) check_at((cond), #cond, __LINE__)

bool has_dotdot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (path.substr(start, end - start) == "..") return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

void check_range(std::string_view header, std::uint64_t size) {
  const RangeRequest r = parse_range(header, size);
  if (r.kind == RangeRequest::Kind::Partial) {
    check(r.range.first <= r.range.last);
    check(r.range.last < size);
    check(r.range.length() <= size);
  }
  if (r.kind == RangeRequest::Kind::Unsatisfiable) check(!header.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> stream;
  const auto parts = bvfuzz::pieces({data, size}, stream);

  Outcome whole;
  {
    RequestParser parser(limits());
    absorb(whole, parser.feed(stream));
    // After an error, every later feed reports it again and completes nothing.
    if (whole.error) {
      const std::uint8_t more[] = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n',
                                   '\r', '\n'};
      auto again = parser.feed(more);
      check(again.requests.empty());
      check(again.error.has_value() && again.error->status == whole.error->status);
    }
  }
  Outcome split;
  {
    RequestParser parser(limits());
    for (const auto& part : parts) absorb(split, parser.feed(part));
  }

  check(whole.requests.size() == split.requests.size());
  for (std::size_t i = 0; i < whole.requests.size(); ++i) check(same(whole.requests[i], split.requests[i]));
  check(whole.error.has_value() == split.error.has_value());
  if (whole.error) {
    // http_parser reports URL and header bytes in pieces at feed boundaries, so an input
    // that is both too long and malformed may meet the size limit (414/431) first when
    // split and the syntax error (400) first when whole. Either answer is right; any other
    // difference is a bug.
    const auto size_or_syntax = [](int st) { return st == 400 || st == 414 || st == 431; };
    if (whole.error->status != split.error->status)
      check(size_or_syntax(whole.error->status) && size_or_syntax(split.error->status));
    else
      check(whole.error->message == split.error->message);
    const int s = whole.error->status;
    check(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
  }

  // The size of the representation comes from the input too: its first 8 bytes.
  std::uint64_t file_size = 0;
  for (std::size_t i = 0; i < stream.size() && i < 8; ++i) file_size = (file_size << 8) | stream[i];
  for (const auto& r : whole.requests) {
    check(r.path.find('\0') == std::string::npos);
    check(!has_dotdot_segment(r.path));
    check(r.body.size() <= limits().max_body_bytes);
    if (auto range = r.header("range")) check_range(*range, file_size);
  }
  // And the raw input as a header value (after the size bytes), against small sizes too.
  if (stream.size() > 8) {
    const std::string_view raw(reinterpret_cast<const char*>(stream.data()) + 8, std::min<std::size_t>(stream.size() - 8, 512));
    check_range(raw, file_size);
    check_range(raw, file_size % 1000);
    check_range(raw, 0);
  }
  return 0;
}
