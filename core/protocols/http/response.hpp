// What a route answers, and how the server writes its head.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bvlive::http {

// A body the server sends straight from a file (sendfile(2)); it opens the file when
// it sends the answer, so a file gone by then is a 404.
struct FileBody {
  std::string path;
};

// Where a streamed body goes (Response::stream): server-sent events, written as they happen.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // Appends to the body. False when the client has gone, or reads so slowly that too much
  // waits for it (it is then disconnected): stop writing to this sink.
  virtual bool write(std::string_view bytes) = 0;
  // Ends the body; the connection closes once it is out.
  virtual void end() = 0;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // as they go out
  std::string body;                // ignored when `file` is set
  std::optional<FileBody> file;
  // An answer that is not ready yet (an LL-HLS blocking playlist reload, a part still being
  // written). When set, the server answers nothing now: it calls later(send) once, and
  // send(answer) answers the request, once, on the loop thread, now or later. A send after
  // the client has gone (or a second one) does nothing. The other fields are ignored.
  using Send = std::function<void(Response)>;
  std::function<void(Send)> later;
  // A body written over time (server-sent events). When set, the head goes out at once
  // without Content-Length (the body ends when the connection closes; nothing else is read
  // on it), then stream(sink) is called; the body is what is written to the sink.
  std::function<void(std::shared_ptr<BodySink>)> stream;

  // Sets a header, replacing any with the same name (case-insensitive).
  void set(std::string name, std::string value);
  // The first header with this name (case-insensitive).
  std::optional<std::string_view> header(std::string_view name) const;
  // A text/plain; charset=utf-8 answer whose body ends with a newline.
  static Response text(int status, std::string body);
  // A file answer; Content-Type comes from the extension unless set.
  static Response file_at(std::string path);
};

// "Not Found" for 404; "Unknown" for a status without a registered phrase.
std::string_view reason_phrase(int status);

// IMF-fixdate, as in Date and Last-Modified: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t t);

// True when a response with this status never has a body (1xx, 204, 304).
bool status_has_no_body(int status);

// The head: "HTTP/1.1 STATUS REASON", then `headers` (a Content-Length or Date among
// them is dropped), then Content-Length (except for 1xx/204/304, or without a length: a
// body the closing connection ends) and Date, then the blank line.
std::string serialize_head(int status, const std::vector<std::pair<std::string, std::string>>& headers,
                           std::optional<std::uint64_t> content_length, std::string_view date);

}  // namespace bvlive::http
