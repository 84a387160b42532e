// One parsed HTTP/1.x request, as the origin's routes see it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bvlive::http {

// Where a streamed request body goes (an upload), instead of Request::body: chosen per
// request once its head is read (RequestParser::body_writer_for), so a large body is never
// held in memory. Its owner finishes it in the route; dropping it unfinished discards it.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual std::uint64_t limit() const = 0;  // bytes accepted; more is a 413
  // Appends; false on a failure (error() says what, e.g. the disk is full).
  virtual bool write(std::string_view bytes) = 0;
  virtual std::string error() const = 0;
};

struct Request {
  std::string method;  // "GET", "HEAD", ... as sent (http_parser only accepts known methods)
  std::string target;  // the request-target exactly as sent, e.g. "/live/abc/index.m3u8?x=1"
  std::string path;    // percent-decoded, without the query; never holds NUL or a ".." segment
  std::string query;   // raw (still encoded), without the '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in order sent
  std::string body;
  std::shared_ptr<BodyWriter> upload;  // set when the body went to a BodyWriter instead of `body`
  int http_major = 1;
  int http_minor = 1;
  bool keep_alive = true;  // the connection may stay open after the answer (RFC 9112 9.3)

  // First header with this (lower-case) name.
  std::optional<std::string_view> header(std::string_view lowercase_name) const;
  // First query parameter with this name, percent-decoded ('+' is a space); "" for "?flag".
  std::optional<std::string> query_param(std::string_view name) const;
};

// Percent-decodes `in`; nullopt on a malformed escape ("%4", "%zz"). With
// `plus_is_space`, '+' decodes to ' ' (query strings, form encoding).
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

}  // namespace bvlive::http
