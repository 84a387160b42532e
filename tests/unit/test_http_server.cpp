#define BOOST_TEST_MODULE http_server
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/http_server.hpp"
#include "http/unique_fd.hpp"
#include "support/process.hpp"

using namespace bvlive::http;

namespace {

constexpr std::size_t kBigSize = 3 * 1024 * 1024 + 123;

std::string random_bytes(std::size_t n) {
  std::mt19937 gen(42);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen() & 0xff);
  return s;
}

// An HttpServer on its own uv loop in a thread, with test routes:
//   /hello        "hello world"
//   /echo?x=V     "METHOD PATH x=V body=BODY"
//   /file/NAME    the file NAME in the temporary directory
//   /stats        the server's connection counts (read on the loop thread)
//   /throw        a handler that throws
//   /bare405      a 405 without a body
class ServerThread {
 public:
  explicit ServerThread(ServerOptions options = {}) {
    std::signal(SIGPIPE, SIG_IGN);  // as bvlived does; sendfile(2) has no MSG_NOSIGNAL
    BOOST_REQUIRE(uv_loop_init(&loop_) == 0);
    BOOST_REQUIRE(uv_async_init(&loop_, &stop_, [](uv_async_t* a) {
                    auto* self = static_cast<ServerThread*>(a->data);
                    self->server_->close();
                    uv_close(reinterpret_cast<uv_handle_t*>(a), nullptr);
                  }) == 0);
    stop_.data = this;
    bvtest::write_file(dir_ / "big.mp4", big_);
    bvtest::write_file(dir_ / "index.m3u8", "#EXTM3U\n");
    server_ = std::make_unique<HttpServer>(
        &loop_, [this](const Request& r, const ClientInfo& c) { return handle(r, c); }, options);
    port_ = server_->listen("127.0.0.1", 0);
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }
  ~ServerThread() {
    stop();
    server_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
  }

  // Stops the loop; afterwards stats() may be read from the test thread. Checks that
  // the server left no handle behind.
  void stop() {
    if (!thread_.joinable()) return;
    uv_async_send(&stop_);
    thread_.join();
    BOOST_TEST(uv_loop_alive(&loop_) == 0);
  }

  int port() const { return port_; }
  HttpServer& server() { return *server_; }
  const std::string& big() const { return big_; }
  std::string path(const std::string& name) const { return dir_ / name; }
  int options_seen() const { return options_seen_; }
  const ClientInfo& last_client() const { return last_client_; }

 private:
  Response handle(const Request& r, const ClientInfo& c) {
    last_client_ = c;
    if (r.method == "OPTIONS") ++options_seen_;
    if (r.path == "/hello") return Response::text(200, "hello world");
    if (r.path == "/echo")
      return Response::text(200, r.method + " " + r.path + " x=" + r.query_param("x").value_or("") + " body=" + r.body);
    if (r.path.rfind("/file/", 0) == 0) return Response::file_at(dir_ / r.path.substr(6));
    if (r.path == "/stats") {
      const auto& s = server_->stats();
      return Response::text(200, "open=" + std::to_string(s.connections_open) +
                                     " total=" + std::to_string(s.connections_total));
    }
    if (r.path == "/throw") throw std::runtime_error("boom");
    // Answered later: held until /release (from any connection) answers every held one.
    if (r.path == "/later") {
      Response held;
      held.later = [this, x = r.query_param("x").value_or("")](Response::Send send) {
        held_.emplace_back(x, std::move(send));
      };
      return held;
    }
    if (r.path == "/release") {
      const auto held = std::exchange(held_, {});
      for (const auto& [x, send] : held) send(Response::text(200, "later " + x));
      return Response::text(200, "released " + std::to_string(held.size()));
    }
    if (r.path == "/events") {  // a streamed body: one line now, more on /push, ended by /end
      Response stream;
      stream.set("Content-Type", "text/event-stream");
      stream.stream = [this](std::shared_ptr<BodySink> sink) {
        sink->write("data: open\n\n");
        sinks_.push_back(std::move(sink));
      };
      return stream;
    }
    if (r.path == "/push") {
      int written = 0;
      for (auto& sink : sinks_) written += sink->write("data: " + r.query_param("x").value_or("") + "\n\n") ? 1 : 0;
      return Response::text(200, "pushed to " + std::to_string(written));
    }
    if (r.path == "/end") {
      for (auto& sink : std::exchange(sinks_, {})) sink->end();
      return Response::text(200, "ended");
    }
    if (r.path == "/later-now") {  // answered from within later itself
      Response now;
      now.later = [](Response::Send send) { send(Response::text(200, "at once")); };
      return now;
    }
    if (r.path == "/bare405") {
      Response resp;
      resp.status = 405;
      resp.set("Allow", "GET");
      return resp;
    }
    return Response::text(404, "no route for " + r.path);
  }

  bvtest::TempDir dir_{"bvlive-http"};
  std::string big_ = random_bytes(kBigSize);
  uv_loop_t loop_{};
  uv_async_t stop_{};
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> options_seen_{0};
  ClientInfo last_client_;
  std::vector<std::pair<std::string, Response::Send>> held_;  // loop thread only
  std::vector<std::shared_ptr<BodySink>> sinks_;              // loop thread only
};

struct HttpAnswer {
  int status = 0;
  std::string head;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string get(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "<missing>" : it->second;
  }
};

// A blocking client over a real socket; every read gives up after 10 s.
class Client {
 public:
  explicit Client(int port, int rcvbuf = 0) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    BOOST_REQUIRE(fd_);
    timeval tv{10, 0};
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (rcvbuf > 0) setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }

  void send(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::send(fd_.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
      BOOST_REQUIRE_MESSAGE(n > 0, "send failed: " << std::strerror(errno));
      off += static_cast<std::size_t>(n);
    }
  }

  // Reads one response; `head_request` answers carry no body whatever Content-Length says.
  HttpAnswer read_response(bool head_request = false) {
    HttpAnswer a;
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) BOOST_REQUIRE_MESSAGE(fill(), "no response head");
    a.head = buf_.substr(0, end + 4);
    buf_.erase(0, end + 4);
    BOOST_REQUIRE(a.head.rfind("HTTP/1.1 ", 0) == 0);
    a.status = std::stoi(a.head.substr(9, 3));
    std::size_t pos = a.head.find("\r\n") + 2;
    while (pos < a.head.size() - 2) {
      const auto eol = a.head.find("\r\n", pos);
      const std::string line = a.head.substr(pos, eol - pos);
      const auto colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      a.headers[name] = line.substr(colon + 2);
      pos = eol + 2;
    }
    std::size_t length = 0;
    if (a.has("content-length") && !head_request) length = std::stoull(a.get("content-length"));
    while (buf_.size() < length) BOOST_REQUIRE_MESSAGE(fill(), "body cut short");
    a.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return a;
  }

  // Reads until `text` has come (everything up to it is returned and consumed).
  std::string read_until(const std::string& text) {
    std::size_t at;
    while ((at = buf_.find(text)) == std::string::npos) BOOST_REQUIRE_MESSAGE(fill(), "no '" << text << "' in " << buf_);
    std::string out = buf_.substr(0, at + text.size());
    buf_.erase(0, at + text.size());
    return out;
  }

  // True when the server closes the connection (EOF) with nothing more sent.
  bool closed_by_server() {
    while (buf_.empty()) {
      char c[4096];
      const ssize_t n = ::recv(fd_.get(), c, sizeof c, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
      buf_.append(c, static_cast<std::size_t>(n));
    }
    return false;
  }

 private:
  bool fill() {
    char c[65536];
    const ssize_t n = ::recv(fd_.get(), c, sizeof c, 0);
    if (n <= 0) return false;
    buf_.append(c, static_cast<std::size_t>(n));
    return true;
  }

  UniqueFd fd_;
  std::string buf_;
};

HttpAnswer get(int port, const std::string& target, const std::string& extra_headers = "") {
  Client c(port);
  c.send("GET " + target + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n");
  return c.read_response();
}

bool have_curl() { return bvtest::run({"sh", "-c", "command -v curl"}).code == 0; }

}  // namespace

BOOST_AUTO_TEST_CASE(string_body_with_standard_headers) {
  ServerThread s;
  const auto a = get(s.port(), "/hello");
  BOOST_TEST(a.status == 200);
  BOOST_TEST(a.body == "hello world\n");
  BOOST_TEST(a.get("content-length") == "12");
  BOOST_TEST(a.get("content-type") == "text/plain; charset=utf-8");
  BOOST_TEST(a.get("access-control-allow-origin") == "*");
  BOOST_TEST(a.get("access-control-expose-headers") == "Content-Length, Content-Range, Location, ETag");
  BOOST_TEST(a.get("date").find(" GMT") != std::string::npos);
  BOOST_TEST(s.last_client().address == "127.0.0.1");
  BOOST_TEST(s.last_client().port > 0);
}

BOOST_AUTO_TEST_CASE(file_body_matches_byte_for_byte) {
  ServerThread s;
  const auto a = get(s.port(), "/file/big.mp4");
  BOOST_TEST(a.status == 200);
  BOOST_TEST(a.get("content-length") == std::to_string(kBigSize));
  BOOST_TEST(a.get("content-type") == "video/mp4");
  BOOST_TEST(a.get("accept-ranges") == "bytes");
  BOOST_TEST(a.has("last-modified"));
  BOOST_TEST(a.body.size() == kBigSize);
  BOOST_TEST((a.body == s.big()));

  const auto playlist = get(s.port(), "/file/index.m3u8");
  BOOST_TEST(playlist.get("content-type") == "application/vnd.apple.mpegurl");
  BOOST_TEST(playlist.body == "#EXTM3U\n");
}

BOOST_AUTO_TEST_CASE(range_requests) {
  ServerThread s;
  const auto a = get(s.port(), "/file/big.mp4", "Range: bytes=1000-1999\r\n");
  BOOST_TEST(a.status == 206);
  BOOST_TEST(a.get("content-range") == "bytes 1000-1999/" + std::to_string(kBigSize));
  BOOST_TEST(a.get("content-length") == "1000");
  BOOST_TEST((a.body == s.big().substr(1000, 1000)));

  const auto tail = get(s.port(), "/file/big.mp4", "Range: bytes=-500\r\n");
  BOOST_TEST(tail.status == 206);
  BOOST_TEST((tail.body == s.big().substr(kBigSize - 500)));

  const auto open_ended = get(s.port(), "/file/big.mp4", "Range: bytes=3000000-\r\n");
  BOOST_TEST(open_ended.status == 206);
  BOOST_TEST((open_ended.body == s.big().substr(3000000)));

  const auto bad = get(s.port(), "/file/big.mp4", "Range: bytes=99999999-\r\n");
  BOOST_TEST(bad.status == 416);
  BOOST_TEST(bad.get("content-range") == "bytes */" + std::to_string(kBigSize));
  BOOST_TEST(!bad.body.empty());

  const auto multi = get(s.port(), "/file/big.mp4", "Range: bytes=0-1,5-6\r\n");  // served whole
  BOOST_TEST(multi.status == 200);
  BOOST_TEST(multi.body.size() == kBigSize);
}

BOOST_AUTO_TEST_CASE(etag_revalidation_gives_304) {
  ServerThread s;
  const auto first = get(s.port(), "/file/index.m3u8");
  BOOST_REQUIRE(first.has("etag"));
  const auto same = get(s.port(), "/file/index.m3u8", "If-None-Match: " + first.get("etag") + "\r\n");
  BOOST_TEST(same.status == 304);
  BOOST_TEST(same.body.empty());
  BOOST_TEST(!same.has("content-length"));
  BOOST_TEST(same.get("etag") == first.get("etag"));

  bvtest::write_file(s.path("index.m3u8"), "#EXTM3U\n#EXT-X-VERSION:7\n");  // rewritten: new ETag
  const auto changed = get(s.port(), "/file/index.m3u8", "If-None-Match: " + first.get("etag") + "\r\n");
  BOOST_TEST(changed.status == 200);
  BOOST_TEST(changed.body == "#EXTM3U\n#EXT-X-VERSION:7\n");
  BOOST_TEST(changed.get("etag") != first.get("etag"));
}

BOOST_AUTO_TEST_CASE(listens_on_ipv6_too) {
  // The loop is driven from this thread, the client runs in another one.
  uv_loop_t loop;
  BOOST_REQUIRE(uv_loop_init(&loop) == 0);
  {
    ClientInfo seen;
    HttpServer v6(&loop, [&](const Request&, const ClientInfo& c) {
      seen = c;
      return Response::text(200, "v6");
    });
    int port = 0;
    try {
      port = v6.listen("::1", 0);
    } catch (const std::runtime_error& e) {
      BOOST_TEST_MESSAGE("no IPv6 loopback here, skipping: " << e.what());
    }
    if (port > 0) {
      std::string answer;
      std::atomic<bool> done{false};
      std::thread client([&] {
        struct Done {
          std::atomic<bool>& flag;
          ~Done() { flag = true; }
        } mark_done{done};
        UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
        timeval tv{10, 0};
        setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(static_cast<std::uint16_t>(port));
        addr.sin6_addr = in6addr_loopback;
        if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
        const std::string req = "GET / HTTP/1.1\r\nConnection: close\r\n\r\n";
        if (::send(fd.get(), req.data(), req.size(), MSG_NOSIGNAL) <= 0) return;
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd.get(), buf, sizeof buf, 0)) > 0) answer.append(buf, static_cast<std::size_t>(n));
      });
      // Run the loop until the client has its answer (bounded: 10 s of 10 ms turns).
      uv_timer_t tick;
      uv_timer_init(&loop, &tick);
      uv_timer_start(&tick, [](uv_timer_t*) {}, 10, 10);
      for (int i = 0; i < 1000 && !done; ++i) uv_run(&loop, UV_RUN_ONCE);
      v6.close();
      client.join();
      uv_close(reinterpret_cast<uv_handle_t*>(&tick), nullptr);
      BOOST_TEST(seen.address == "::1");
      BOOST_TEST(answer.find("HTTP/1.1 200 OK\r\n") == 0u);
      BOOST_TEST(answer.find("\r\n\r\nv6\n") != std::string::npos);
    }
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  BOOST_TEST(uv_loop_close(&loop) == 0);
}

BOOST_AUTO_TEST_CASE(head_has_length_but_no_body) {
  ServerThread s;
  Client c(s.port());
  c.send("HEAD /file/big.mp4 HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto file_head = c.read_response(true);
  BOOST_TEST(file_head.status == 200);
  BOOST_TEST(file_head.get("content-length") == std::to_string(kBigSize));
  c.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto text_head = c.read_response(true);
  BOOST_TEST(text_head.status == 200);
  BOOST_TEST(text_head.get("content-length") == "12");
  // Had a body been sent, this answer would start with it.
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto after = c.read_response();
  BOOST_TEST(after.status == 200);
  BOOST_TEST(after.body == "hello world\n");
}

BOOST_AUTO_TEST_CASE(keep_alive_and_pipelining) {
  ServerThread s;
  Client c(s.port());
  c.send("GET /echo?x=1 HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(c.read_response().body == "GET /echo x=1 body=\n");
  c.send("GET /echo?x=2 HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(c.read_response().body == "GET /echo x=2 body=\n");

  // Three requests in one write, a big file between two small answers: in order.
  c.send("GET /echo?x=a HTTP/1.1\r\nHost: t\r\n\r\n"
         "GET /file/big.mp4 HTTP/1.1\r\nHost: t\r\n\r\n"
         "POST /echo?x=c HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\ndata");
  BOOST_TEST(c.read_response().body == "GET /echo x=a body=\n");
  const auto big = c.read_response();
  BOOST_TEST(big.status == 200);
  BOOST_TEST((big.body == s.big()));
  BOOST_TEST(c.read_response().body == "POST /echo x=c body=data\n");

  c.send("GET /stats HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(c.read_response().body == "open=1 total=1\n");  // all on one connection

  // Connection: close is honoured.
  c.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  const auto last = c.read_response();
  BOOST_TEST(last.get("connection") == "close");
  BOOST_TEST(c.closed_by_server());
}

BOOST_AUTO_TEST_CASE(http_1_0_closes_unless_keep_alive) {
  ServerThread s;
  Client keep(s.port());
  keep.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  const auto a = keep.read_response();
  BOOST_TEST(a.get("connection") == "keep-alive");
  keep.send("GET /hello HTTP/1.0\r\n\r\n");
  const auto b = keep.read_response();
  BOOST_TEST(b.get("connection") == "close");
  BOOST_TEST(keep.closed_by_server());
}

BOOST_AUTO_TEST_CASE(garbage_gets_400_and_close) {
  ServerThread s;
  Client c(s.port());
  c.send("\x16\x03\x01 this is not HTTP\r\n\r\n");
  const auto a = c.read_response();
  BOOST_TEST(a.status == 400);
  BOOST_TEST(a.get("connection") == "close");
  BOOST_TEST(a.body.find("malformed HTTP request") != std::string::npos);
  BOOST_TEST(c.closed_by_server());

  Client traversal(s.port());
  traversal.send("GET /file/../../etc/passwd HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto t = traversal.read_response();
  BOOST_TEST(t.status == 400);
  BOOST_TEST(t.body.find("..") != std::string::npos);

  Client huge(s.port());
  huge.send("GET /hello HTTP/1.1\r\nX-Big: " + std::string(20000, 'x') + "\r\n\r\n");
  const auto h = huge.read_response();
  BOOST_TEST(h.status == 431);
  BOOST_TEST(huge.closed_by_server());
}

BOOST_AUTO_TEST_CASE(cors_preflight_is_answered_by_the_server) {
  ServerThread s;
  Client c(s.port());
  c.send("OPTIONS /live/x/index.m3u8 HTTP/1.1\r\nHost: t\r\nOrigin: https://player.example\r\n"
         "Access-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: range\r\n\r\n");
  const auto a = c.read_response();
  BOOST_TEST(a.status == 204);
  BOOST_TEST(a.get("access-control-allow-origin") == "*");
  BOOST_TEST(a.get("access-control-allow-methods") == "GET, HEAD, POST, DELETE, PATCH, OPTIONS");
  BOOST_TEST(a.get("access-control-allow-headers") == "Authorization, Content-Type, If-Match, Range, X-Bvlive-Device");
  BOOST_TEST(a.get("access-control-max-age") == "86400");
  BOOST_TEST(!a.has("content-length"));
  BOOST_TEST(a.body.empty());
  BOOST_TEST(s.options_seen() == 0);

  // A plain OPTIONS (no preflight) goes to the routes.
  c.send("OPTIONS /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(c.read_response().status == 200);
  BOOST_TEST(s.options_seen() == 1);
}

BOOST_AUTO_TEST_CASE(errors_have_bodies) {
  ServerThread s;
  const auto missing = get(s.port(), "/file/nope.m4s");
  BOOST_TEST(missing.status == 404);
  BOOST_TEST(missing.get("content-type") == "text/plain; charset=utf-8");
  BOOST_TEST(missing.body == "not found: /file/nope.m4s\n");

  const auto bare = get(s.port(), "/bare405");
  BOOST_TEST(bare.status == 405);
  BOOST_TEST(bare.get("allow") == "GET");
  BOOST_TEST(bare.body == "Method Not Allowed\n");

  const auto thrown = get(s.port(), "/throw");
  BOOST_TEST(thrown.status == 500);
  BOOST_TEST(!thrown.body.empty());
}

BOOST_AUTO_TEST_CASE(stats_count_responses_and_bytes) {
  ServerThread s;
  std::uint64_t received = 0;
  for (int i = 0; i < 3; ++i) {
    const auto a = get(s.port(), "/hello");
    received += a.head.size() + a.body.size();
  }
  for (int i = 0; i < 2; ++i) {
    const auto a = get(s.port(), "/nothing-here");
    received += a.head.size() + a.body.size();
  }
  const auto big = get(s.port(), "/file/big.mp4");
  received += big.head.size() + big.body.size();
  const auto part = get(s.port(), "/file/big.mp4", "Range: bytes=0-9\r\n");
  received += part.head.size() + part.body.size();
  s.stop();
  const auto& st = s.server().stats();
  BOOST_TEST(st.responses_by_status.at(200) == 4u);
  BOOST_TEST(st.responses_by_status.at(404) == 2u);
  BOOST_TEST(st.responses_by_status.at(206) == 1u);
  BOOST_TEST(st.responses_by_status.size() == 3u);
  BOOST_TEST(st.bytes_out == received);
  BOOST_TEST(st.connections_total == 7u);
  BOOST_TEST(st.connections_open == 0u);
}

BOOST_AUTO_TEST_CASE(idle_connections_are_closed) {
  ServerOptions options;
  options.idle_timeout_ms = 200;
  ServerThread s(options);
  Client silent(s.port());
  BOOST_TEST(silent.closed_by_server());

  Client used(s.port());  // also after an answer
  used.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(used.read_response().status == 200);
  BOOST_TEST(used.closed_by_server());
}

BOOST_AUTO_TEST_CASE(a_slow_reader_does_not_block_others) {
  ServerThread s;
  // Bigger than the socket buffers on both ends can hold, so the server's sendfile
  // must stop on EAGAIN and resume.
  const std::string huge = random_bytes(16 * 1024 * 1024);
  bvtest::write_file(s.path("huge.bin"), huge);
  // A tiny receive window that is not read for now.
  Client slow(s.port(), 4096);
  slow.send("GET /file/huge.bin HTTP/1.1\r\nHost: t\r\n\r\n");
  for (int i = 0; i < 5; ++i) {
    const auto a = get(s.port(), "/hello");
    BOOST_TEST(a.status == 200);
  }
  // Then it reads, and gets the whole file (sendfile resumed where it stopped).
  const auto a = slow.read_response();
  BOOST_TEST(a.status == 200);
  BOOST_TEST(a.body.size() == huge.size());
  BOOST_TEST((a.body == huge));
}

BOOST_AUTO_TEST_CASE(connections_over_the_limit_get_503) {
  ServerOptions options;
  options.max_connections = 1;
  ServerThread s(options);
  Client first(s.port());
  first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(first.read_response().status == 200);  // accepted and open
  Client second(s.port());
  const auto refused = second.read_response();
  BOOST_TEST(refused.status == 503);
  BOOST_TEST(refused.body == "too many connections; try again later\n");
  BOOST_TEST(second.closed_by_server());
  first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");  // the first one is unaffected
  BOOST_TEST(first.read_response().status == 200);
}

BOOST_AUTO_TEST_CASE(listening_twice_on_one_port_is_a_clear_error) {
  ServerThread s;
  uv_loop_t loop;
  BOOST_REQUIRE(uv_loop_init(&loop) == 0);
  {
    HttpServer other(&loop, [](const Request&, const ClientInfo&) { return Response::text(200, "x"); });
    try {
      other.listen("127.0.0.1", s.port());
      BOOST_FAIL("listen on a busy port succeeded");
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      BOOST_TEST(msg.find("cannot listen on 127.0.0.1:" + std::to_string(s.port()) + " for HTTP: ") == 0u);
      BOOST_TEST(msg.find("already listens") != std::string::npos);
    }
    // Several addresses on one server.
    const int a = other.listen("127.0.0.1", 0);
    BOOST_TEST(a > 0);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  BOOST_TEST(uv_loop_close(&loop) == 0);
}

BOOST_AUTO_TEST_CASE(curl_downloads_files_and_ranges) {
  if (!have_curl()) {
    BOOST_TEST_MESSAGE("curl is not installed; skipping the curl checks");
    return;
  }
  ServerThread s;
  bvtest::TempDir out("bvlive-curl");
  const std::string base = "http://127.0.0.1:" + std::to_string(s.port());
  const auto whole = bvtest::run({"curl", "-sS", "--fail", "-o", out / "whole", base + "/file/big.mp4"});
  BOOST_REQUIRE_MESSAGE(whole.code == 0, whole.describe());
  const auto range = bvtest::run({"curl", "-sS", "--fail", "-r", "100-199", "-o", out / "range", base + "/file/big.mp4"});
  BOOST_REQUIRE_MESSAGE(range.code == 0, range.describe());
  BOOST_TEST((bvtest::read_file(out / "whole") == s.big()));
  BOOST_TEST((bvtest::read_file(out / "range") == s.big().substr(100, 100)));

  const auto head = bvtest::run({"curl", "-sS", "-I", base + "/file/big.mp4"});
  BOOST_REQUIRE_MESSAGE(head.code == 0, head.describe());
  BOOST_TEST(head.out.find("Content-Length: " + std::to_string(kBigSize)) != std::string::npos);
  BOOST_TEST(head.out.find("Access-Control-Allow-Origin: *") != std::string::npos);

  const auto missing = bvtest::run({"curl", "-sS", "-w", "%{http_code}", base + "/file/none.ts"});
  BOOST_TEST(missing.out == "not found: /file/none.ts\n404");
}

BOOST_AUTO_TEST_CASE(answers_given_later_keep_their_order_and_survive_a_gone_client) {
  ServerThread s;
  Client a(s.port());
  // A held request, and one pipelined behind it: nothing comes until the first is answered.
  a.send("GET /later?x=1 HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?x=2 HTTP/1.1\r\nHost: t\r\n\r\n");
  {
    Client gone(s.port());
    gone.send("GET /later?x=gone HTTP/1.1\r\nHost: t\r\n\r\n");
  }  // its client closes before the answer comes
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // both held requests are read
  BOOST_TEST(get(s.port(), "/release").body == "released 2\n");
  BOOST_TEST(a.read_response().body == "later 1\n");
  BOOST_TEST(a.read_response().body == "GET /echo x=2 body=\n");
  // An answer given from within `later` goes out like any other, and the connection goes on.
  a.send("GET /later-now HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
  BOOST_TEST(a.read_response().body == "at once\n");
  BOOST_TEST(a.read_response().body == "hello world\n");
  // Nothing is released twice.
  BOOST_TEST(get(s.port(), "/release").body == "released 0\n");
}

BOOST_AUTO_TEST_CASE(a_streamed_body_goes_out_as_it_is_written_until_it_ends) {
  ServerThread s;
  Client a(s.port()), b(s.port());
  a.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  b.send("GET /events HTTP/1.1\r\nHost: t\r\n\r\n");
  for (Client* c : {&a, &b}) {
    const std::string head = c->read_until("\r\n\r\n");
    BOOST_TEST(head.rfind("HTTP/1.1 200", 0) == 0, head);
    BOOST_TEST(head.find("\r\nContent-Length:") == std::string::npos, head);  // ended by the close
    BOOST_TEST(head.find("Connection: close") != std::string::npos, head);
    BOOST_TEST(head.find("text/event-stream") != std::string::npos, head);
    BOOST_TEST(c->read_until("\n\n") == "data: open\n\n");
  }
  BOOST_TEST(get(s.port(), "/push?x=1").body == "pushed to 2\n");
  BOOST_TEST(a.read_until("\n\n") == "data: 1\n\n");
  BOOST_TEST(b.read_until("\n\n") == "data: 1\n\n");
  // A reader that leaves is noticed; writing to it fails and harms nobody else.
  { Client gone = std::move(b); }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  BOOST_TEST(get(s.port(), "/push?x=2").body == "pushed to 1\n");
  BOOST_TEST(a.read_until("\n\n") == "data: 2\n\n");
  BOOST_TEST(get(s.port(), "/stats").body == "open=2 total=5\n");  // a's stream and this request
  // The end of the body closes the connection.
  BOOST_TEST(get(s.port(), "/end").body == "ended\n");
  BOOST_TEST(a.closed_by_server());
}
