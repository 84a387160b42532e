// A small blocking HTTP/1.1 client for the integration tests: one request per connection
// (Connection: close) to the daemon's origin on loopback, any method, headers and body,
// with a bound on the whole exchange. It keeps every response header (Set-Cookie may come
// more than once), decodes a chunked body, and still reads the answer when the server
// refuses a body before it has all of it (413).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace bvtest {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";   // path with its query
  HttpHeaders headers;        // sent as given; Host, Connection and Content-Length are added when missing
  std::string body;
  std::string source_address; // "" = any; e.g. "127.0.0.2" to be another viewer's address
  Ms timeout = 10s;           // for the whole exchange
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // in order, names lower-cased
  std::string body;     // de-chunked

  // The first value of header `name` (any case), or "" when there is none.
  std::string header(const std::string& name) const;
  // The value a Set-Cookie of this response gives cookie `name`, if it sets it.
  std::optional<std::string> cookie(const std::string& name) const;
  // The body as JSON; throws std::runtime_error (with describe()) if it is not JSON.
  nlohmann::json json() const;
  // "HTTP 400\n  content-type: ...\n  body: ..." for failure messages.
  std::string describe() const;
};

// Sends `request` to 127.0.0.1:`port`; throws std::runtime_error on a network error, a
// timeout, or an answer that is not HTTP.
HttpResponse http_exchange(int port, const HttpRequest& request);

// GET `target` with `headers`.
HttpResponse http_get_at(int port, const std::string& target, const HttpHeaders& headers = {});
// POST `body` to `target` with Content-Type: application/json and `headers`.
HttpResponse http_post_json(int port, const std::string& target, const std::string& body,
                            const HttpHeaders& headers = {});

// One browser context on the origin at `port`: keeps the cookies its answers set (by name,
// ignoring Path and expiry) and sends them back with every request, as a page's fetch()
// would; `query` ("token=...") is added to every target, as the player page forwards it.
class HttpClient {
 public:
  explicit HttpClient(int port, std::string query = "") : port_(port), query_(std::move(query)) {}

  HttpResponse get(const std::string& target, const HttpHeaders& headers = {});
  HttpResponse post_json(const std::string& target, const std::string& body, const HttpHeaders& headers = {});
  HttpResponse send(HttpRequest request);  // any request, with the cookies and query added

  std::optional<std::string> cookie(const std::string& name) const;
  void set_cookie(const std::string& name, const std::string& value);
  void forget_cookies() { cookies_.clear(); }
  void set_port(int port) { port_ = port; }  // the daemon came back on another port
  int port() const { return port_; }
  // Every request from this loopback address ("127.0.0.7"): another viewer to the server.
  void set_source_address(std::string address) { source_address_ = std::move(address); }

 private:
  std::string with_query(const std::string& target) const;

  int port_;
  std::string query_;
  std::string source_address_;
  std::vector<std::pair<std::string, std::string>> cookies_;
};

}  // namespace bvtest
