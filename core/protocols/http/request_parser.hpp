// Incremental HTTP/1.x request parser over http_parser (nodejs/http-parser 2.9).
// Bytes go in as they arrive; whole requests come out, in order, however the bytes
// were split (one byte at a time, several pipelined requests in one read). The first
// protocol error ends the stream: it is reported once with the status to answer
// (400, 413, 414, 431, 501, 505) and every later feed reports it again.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <span>
#include <string>
#include <vector>

#include "protocols/http/request.hpp"

namespace bvlive::http {

struct ParseError {
  int status = 400;
  std::string message;  // for the client, e.g. "request headers exceed 16384 bytes"
  std::string content_type = "";  // of `message` when it is not plain text (a route's own JSON refusal)
  std::vector<std::pair<std::string, std::string>> headers = {};  // more for the answer (WWW-Authenticate)
};

// What to do with a request's body, decided once its head is read.
struct BodyPlan {
  std::shared_ptr<BodyWriter> writer;  // stream the body into it; null: buffer it in Request::body
  std::optional<ParseError> refusal;   // refuse the request before reading its body
};

struct ParseResult {
  std::vector<Request> requests;     // completed requests, in order
  std::optional<ParseError> error;   // set once the stream is unusable; answer it and close
};

struct ParserLimits {
  std::size_t max_header_bytes = 16 * 1024;  // request line + headers
  std::size_t max_body_bytes = 1 << 20;
};

class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {});
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  ParseResult feed(std::span<const std::uint8_t> bytes);
  // Called for each request once its head is read (path, query and headers set, no body).
  std::function<BodyPlan(const Request& head)> body_writer_for;
  // True once after the head of a request that sent "Expect: 100-continue" and whose body
  // is wanted: the server then sends "100 Continue" so the client sends the body.
  bool take_continue() { return std::exchange(continue_due_, false); }
  // True between the first byte of a request and its end (a request is half-read).
  bool in_message() const { return in_message_; }
  bool failed() const { return error_.has_value(); }

 private:
  static int on_message_begin(http_parser* p);
  static int on_url(http_parser* p, const char* at, std::size_t len);
  static int on_header_field(http_parser* p, const char* at, std::size_t len);
  static int on_header_value(http_parser* p, const char* at, std::size_t len);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t len);
  static int on_message_complete(http_parser* p);

  // Counts request-line and header bytes; false (and an error) past the limit.
  bool count_header_bytes(std::size_t len, bool in_url);
  void fail(int status, std::string message);
  // Splits target into path and query, decodes and checks the path.
  bool finish_target();

  ParserLimits limits_;
  http_parser parser_{};
  http_parser_settings settings_{};
  Request current_;
  std::string field_;          // header name being read (may arrive in pieces)
  bool reading_value_ = false;
  std::size_t header_bytes_ = 0;
  std::uint64_t upload_bytes_ = 0;
  bool in_message_ = false;
  std::vector<Request> done_;
  std::optional<ParseError> error_;
  bool continue_due_ = false;
};

}  // namespace bvlive::http
