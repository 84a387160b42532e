#include "protocols/http/request_parser.hpp"

#include <cctype>
#include <string_view>

#include "util/ascii.hpp"

namespace bvlive::http {

namespace {

RequestParser* self(http_parser* p) { return static_cast<RequestParser*>(p->data); }

// Methods the origin can route; http_parser also knows WebDAV, RTSP-style and other
// verbs, which are "not implemented" here rather than malformed.
bool implemented_method(unsigned method) {
  switch (method) {
    case HTTP_GET: case HTTP_HEAD: case HTTP_POST: case HTTP_PUT: case HTTP_DELETE:
    case HTTP_PATCH: case HTTP_OPTIONS: case HTTP_TRACE:
      return true;
    default:
      return false;
  }
}

bool has_dot_dot_segment(std::string_view path) {
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (path.substr(0, slash) == "..") return true;
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return false;
}

}  // namespace

RequestParser::RequestParser(ParserLimits limits) : limits_(limits) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_message_begin = &RequestParser::on_message_begin;
  settings_.on_url = &RequestParser::on_url;
  settings_.on_header_field = &RequestParser::on_header_field;
  settings_.on_header_value = &RequestParser::on_header_value;
  settings_.on_headers_complete = &RequestParser::on_headers_complete;
  settings_.on_body = &RequestParser::on_body;
  settings_.on_message_complete = &RequestParser::on_message_complete;
}

ParseResult RequestParser::feed(std::span<const std::uint8_t> bytes) {
  ParseResult result;
  if (error_) {
    result.error = error_;
    return result;
  }
  // After an upgrade request (or CONNECT) the rest of the stream is not HTTP; the
  // answer to that request closes the connection, so further bytes are dropped.
  // A zero-length execute would mean end of stream to http_parser: skip it.
  if (bytes.empty() || parser_.upgrade) return result;
  const auto* data = reinterpret_cast<const char*>(bytes.data());
  http_parser_execute(&parser_, &settings_, data, bytes.size());
  const auto err = HTTP_PARSER_ERRNO(&parser_);
  if (err != HPE_OK && !error_) {
    if (err == HPE_HEADER_OVERFLOW)
      fail(431, "request headers are too large");
    else
      fail(400, std::string("malformed HTTP request: ") + http_errno_description(err));
  }
  result.requests = std::move(done_);
  done_.clear();
  result.error = error_;
  return result;
}

void RequestParser::fail(int status, std::string message) {
  if (!error_) error_ = ParseError{status, std::move(message), "", {}};
}

bool RequestParser::count_header_bytes(std::size_t len, bool in_url) {
  header_bytes_ += len;
  if (header_bytes_ <= limits_.max_header_bytes) return true;
  if (in_url)
    fail(414, "the request target exceeds " + std::to_string(limits_.max_header_bytes) + " bytes");
  else
    fail(431, "the request headers exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
  return false;
}

int RequestParser::on_message_begin(http_parser* p) {
  auto* s = self(p);
  s->current_ = Request{};
  s->field_.clear();
  s->reading_value_ = false;
  s->header_bytes_ = 0;
  s->upload_bytes_ = 0;
  s->in_message_ = true;
  return 0;
}

int RequestParser::on_url(http_parser* p, const char* at, std::size_t len) {
  auto* s = self(p);
  if (!s->count_header_bytes(len, true)) return -1;
  s->current_.target.append(at, len);
  return 0;
}

int RequestParser::on_header_field(http_parser* p, const char* at, std::size_t len) {
  auto* s = self(p);
  if (!s->count_header_bytes(len, false)) return -1;
  if (s->reading_value_) {  // a new header starts
    s->field_.clear();
    s->reading_value_ = false;
  }
  for (std::size_t i = 0; i < len; ++i)
    s->field_.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(at[i]))));
  return 0;
}

int RequestParser::on_header_value(http_parser* p, const char* at, std::size_t len) {
  auto* s = self(p);
  // ": " and CRLF count too, so the limit is close to the bytes on the wire.
  if (!s->count_header_bytes(len + (s->reading_value_ ? 0 : 4), false)) return -1;
  if (!s->reading_value_) {
    s->current_.headers.emplace_back(s->field_, std::string());
    s->reading_value_ = true;
  }
  s->current_.headers.back().second.append(at, len);
  return 0;
}

int RequestParser::on_headers_complete(http_parser* p) {
  auto* s = self(p);
  if (!s->reading_value_ && !s->field_.empty())  // a last header with no value callback
    s->current_.headers.emplace_back(s->field_, std::string());
  Request& r = s->current_;
  r.method = http_method_str(static_cast<http_method>(p->method));
  r.http_major = p->http_major;
  r.http_minor = p->http_minor;
  if (p->http_major != 1) {
    s->fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
    return -1;
  }
  if (!implemented_method(p->method)) {
    s->fail(501, "method " + r.method + " is not implemented");
    return -1;
  }
  if (!s->finish_target()) return -1;
  if (s->body_writer_for) {
    BodyPlan plan = s->body_writer_for(r);
    if (plan.refusal) {
      s->error_ = std::move(plan.refusal);
      return -1;
    }
    r.upload = std::move(plan.writer);
  }
  const std::uint64_t limit = r.upload ? r.upload->limit() : s->limits_.max_body_bytes;
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > limit) {
    s->fail(413, "the request body exceeds " + std::to_string(limit) + " bytes");
    return -1;
  }
  const auto expect = r.header("expect");
  s->continue_due_ = expect && iequals(*expect, "100-continue") && r.http_minor >= 1 &&
                     ((p->flags & F_CHUNKED) || ((p->flags & F_CONTENTLENGTH) && p->content_length > 0));
  return 0;
}

int RequestParser::on_body(http_parser* p, const char* at, std::size_t len) {
  auto* s = self(p);
  if (const auto& w = s->current_.upload) {
    s->upload_bytes_ += len;
    if (s->upload_bytes_ > w->limit()) {
      s->fail(413, "the request body exceeds " + std::to_string(w->limit()) + " bytes");
      return -1;
    }
    if (!w->write(std::string_view(at, len))) {
      s->fail(500, "cannot store the request body: " + w->error());
      return -1;
    }
    return 0;
  }
  if (s->current_.body.size() + len > s->limits_.max_body_bytes) {
    s->fail(413, "the request body exceeds " + std::to_string(s->limits_.max_body_bytes) + " bytes");
    return -1;
  }
  s->current_.body.append(at, len);
  return 0;
}

int RequestParser::on_message_complete(http_parser* p) {
  auto* s = self(p);
  s->current_.keep_alive = http_should_keep_alive(p) != 0 && !p->upgrade;
  s->done_.push_back(std::move(s->current_));
  s->current_ = Request{};
  s->in_message_ = false;
  return 0;
}

bool RequestParser::finish_target() {
  Request& r = current_;
  std::string_view raw_path;
  std::string_view raw_query;
  const std::string_view target = r.target;
  if (target == "*") {
    if (r.method != "OPTIONS") {
      fail(400, "bad request: '*' is only a valid target for OPTIONS");
      return false;
    }
    r.path = "*";
    return true;
  }
  if (!target.empty() && target.front() == '/') {
    const std::string_view no_fragment = target.substr(0, target.find('#'));
    const auto q = no_fragment.find('?');
    raw_path = no_fragment.substr(0, q);
    if (q != std::string_view::npos) raw_query = no_fragment.substr(q + 1);
  } else {
    // absolute-form, as sent to proxies: "http://host:8080/path?query"
    http_parser_url u;
    http_parser_url_init(&u);
    if (http_parser_parse_url(target.data(), target.size(), 0, &u) != 0) {
      fail(400, "bad request: malformed request target");
      return false;
    }
    if (u.field_set & (1 << UF_PATH))
      raw_path = target.substr(u.field_data[UF_PATH].off, u.field_data[UF_PATH].len);
    else
      raw_path = "/";
    if (u.field_set & (1 << UF_QUERY))
      raw_query = target.substr(u.field_data[UF_QUERY].off, u.field_data[UF_QUERY].len);
  }
  auto decoded = percent_decode(raw_path, false);
  if (!decoded) {
    fail(400, "bad request: malformed percent-encoding in the path");
    return false;
  }
  if (decoded->find('\0') != std::string::npos) {
    fail(400, "bad request: the path contains a NUL byte");
    return false;
  }
  if (has_dot_dot_segment(*decoded)) {
    fail(400, "bad request: the path contains a '..' segment");
    return false;
  }
  r.path = std::move(*decoded);
  r.query = std::string(raw_query);
  return true;
}

}  // namespace bvlive::http
