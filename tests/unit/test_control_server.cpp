#define BOOST_TEST_MODULE control_server
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "control/control_server.hpp"
#include "control/socket_activation.hpp"
#include "rpc/jsonrpc.hpp"

using bvlive::ControlServer;
using bvlive::ErrorKind;
using bvlive::Peer;
using bvlive::RpcError;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxLine = 64 * 1024;
constexpr auto kTimeout = std::chrono::seconds(20);

sockaddr_un unix_addr(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  BOOST_REQUIRE(path.size() < sizeof a.sun_path);
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

// A plain POSIX client. Everything is non-blocking and interleaved with uv_run(NOWAIT),
// so the server (same thread) makes progress while the client waits.
class TestClient {
 public:
  TestClient(uv_loop_t* loop, const std::string& path) : loop_(loop) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    BOOST_REQUIRE(fd_ >= 0);
    const auto a = unix_addr(path);
    // The kernel completes the connect into the backlog; the loop accepts it later.
    BOOST_REQUIRE_MESSAGE(::connect(fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0,
                          "connect: " << std::strerror(errno));
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~TestClient() { close(); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  void send(std::string_view data) {
    const auto deadline = Clock::now() + kTimeout;
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      BOOST_REQUIRE_MESSAGE(errno == EAGAIN || errno == EWOULDBLOCK, "send: " << std::strerror(errno));
      BOOST_REQUIRE_MESSAGE(Clock::now() < deadline, "timed out sending");
      pump();
    }
  }

  void request(int id, const std::string& method, const json& params = json::object()) {
    send(bvlive::make_request_line(id, method, params));
  }

  // Sends while running the server, but leaves its answers unread in the socket.
  void send_without_reading(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      BOOST_REQUIRE_MESSAGE(n > 0, "send: " << std::strerror(errno));
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  void shutdown_write() { BOOST_REQUIRE(::shutdown(fd_, SHUT_WR) == 0); }

  // The next response line, or nullopt on EOF.
  std::optional<std::string> read_line() {
    const auto deadline = Clock::now() + kTimeout;
    for (;;) {
      if (auto nl = in_.find('\n', pos_); nl != std::string::npos) {
        std::string line = in_.substr(pos_, nl - pos_);
        pos_ = nl + 1;
        if (pos_ > in_.size() / 2) {  // compact rarely: erasing per line is quadratic
          in_.erase(0, pos_);
          pos_ = 0;
        }
        return line;
      }
      if (eof_) return std::nullopt;
      BOOST_REQUIRE_MESSAGE(Clock::now() < deadline, "timed out waiting for a response");
      pump();
    }
  }

  json read_json() {
    auto line = read_line();
    BOOST_REQUIRE_MESSAGE(line.has_value(), "connection closed while waiting for a response");
    return json::parse(*line);
  }

  bool at_eof() {
    const auto deadline = Clock::now() + kTimeout;
    while (!eof_ && pos_ == in_.size() && Clock::now() < deadline) pump();
    return eof_ && pos_ == in_.size();
  }

 private:
  // Runs the server a little and drains whatever it sent us.
  void pump() {
    uv_run(loop_, UV_RUN_NOWAIT);
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0) eof_ = true;
      else if (errno == ECONNRESET) eof_ = true;
      else BOOST_REQUIRE_MESSAGE(errno == EAGAIN || errno == EWOULDBLOCK, "recv: " << std::strerror(errno));
      break;
    }
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, 1);
  }

  uv_loop_t* loop_;
  int fd_ = -1;
  std::string in_;
  std::size_t pos_ = 0;  // start of the unread part of in_
  bool eof_ = false;
};

void check_error(const json& r, int code, const std::string& kind, const json& id) {
  BOOST_TEST_CONTEXT(r.dump()) {
    BOOST_TEST(r.at("jsonrpc") == "2.0");
    BOOST_TEST(r.at("id") == id);
    BOOST_TEST(r.at("error").at("code").get<int>() == code);
    BOOST_TEST(r.at("error").at("data").at("kind") == kind);
  }
}

void check_echo(const json& r, int id, const json& params) {
  BOOST_TEST_CONTEXT(r.dump()) {
    BOOST_TEST(r.at("id") == id);
    BOOST_TEST(r.at("result").at("params") == params);
  }
}

struct Fixture {
  uv_loop_t loop{};
  std::string dir;
  std::string path;
  std::unique_ptr<ControlServer> server;
  int dispatched = 0;

  Fixture() {
    BOOST_REQUIRE(uv_loop_init(&loop) == 0);
    char tmpl[] = "/tmp/bvlive-ctl-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/run/bvlived.sock";  // parent "run" does not exist yet
    server = make_server();
  }

  ~Fixture() {
    server.reset();
    uv_run(&loop, UV_RUN_DEFAULT);  // lets every close callback run
    BOOST_CHECK_EQUAL(uv_loop_close(&loop), 0);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  std::unique_ptr<ControlServer> make_server() {
    return std::make_unique<ControlServer>(
        &loop,
        [this](const std::string& method, const json& params, const Peer& peer) -> json {
          ++dispatched;
          if (method == "echo") return {{"params", params}};
          if (method == "blob") return {{"blob", std::string(params.at("n").get<std::size_t>(), 'b')}};
          if (method == "whoami")
            return {{"uid", peer.uid ? json(*peer.uid) : json(nullptr)},
                    {"pid", peer.pid ? json(*peer.pid) : json(nullptr)}};
          if (method == "shutdown") {
            server->close();
            return {{"closing", true}};
          }
          throw RpcError(ErrorKind::MethodNotFound, "unknown method '" + method + "'");
        },
        kMaxLine);
  }

  void listen() { server->listen_path(path, 0660, ""); }

  // Pumps the loop until `pred` holds.
  template <typename Pred>
  void run_until(Pred pred) {
    const auto deadline = Clock::now() + kTimeout;
    while (!pred()) {
      BOOST_REQUIRE_MESSAGE(Clock::now() < deadline, "timed out");
      uv_run(&loop, UV_RUN_NOWAIT);
      ::usleep(1000);
    }
  }
};

std::string bound_but_dead_socket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  const auto a = unix_addr(path);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  ::close(fd);  // the file stays; connecting to it is refused
  return path;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(control_server, Fixture)

BOOST_AUTO_TEST_CASE(errors_on_one_client_do_not_affect_another) {
  listen();
  TestClient a(&loop, path), b(&loop, path);

  a.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\n");
  check_error(a.read_json(), -32700, "parse_error", nullptr);
  b.request(1, "echo", {{"n", 1}});
  check_echo(b.read_json(), 1, {{"n", 1}});

  // 2 MiB line (limit 64 KiB) followed by a valid request in the same write
  std::string big = R"({"jsonrpc":"2.0","id":2,"method":"echo","params":{"pad":")";
  big.append(2u << 20, 'x');
  big += "\"}}\n";
  big += bvlive::make_request_line(3, "echo", {{"after", true}});
  a.send(big);
  auto r = a.read_json();
  check_error(r, -32600, "invalid_request", nullptr);
  BOOST_TEST(r["error"]["message"].get<std::string>().find("exceeds 65536 bytes") != std::string::npos);
  check_echo(a.read_json(), 3, {{"after", true}});
  b.request(2, "echo", {{"n", 2}});
  check_echo(b.read_json(), 2, {{"n", 2}});

  a.request(4, "no.such.method");
  check_error(a.read_json(), -32601, "method_not_found", 4);
  b.request(3, "echo", {{"n", 3}});
  check_echo(b.read_json(), 3, {{"n", 3}});

  // not JSON-RPC, then still usable
  a.send("[1,2]\n{\"id\":5,\"method\":\"echo\"}\n");
  check_error(a.read_json(), -32600, "invalid_request", nullptr);
  check_error(a.read_json(), -32600, "invalid_request", 5);
  a.request(6, "echo");
  check_echo(a.read_json(), 6, json::object());
  BOOST_TEST(server->client_count() == 2u);
}

BOOST_AUTO_TEST_CASE(pipelined_requests_answered_in_order) {
  listen();
  TestClient c(&loop, path);
  std::string batch;
  for (int i = 0; i < 200; ++i) batch += bvlive::make_request_line(i, i % 7 == 0 ? "nope" : "echo", {{"i", i}});
  batch += R"({"jsonrpc":"2.0","method":"echo"})" "\r\n";  // notification: no answer
  batch += bvlive::make_request_line(200, "echo", {{"i", 200}});
  c.send(batch);
  for (int i = 0; i <= 200; ++i) {
    auto r = c.read_json();
    BOOST_REQUIRE(r.at("id") == i);
    if (i % 7 == 0 && i != 200) check_error(r, -32601, "method_not_found", i);
    else check_echo(r, i, {{"i", i}});
  }
  BOOST_TEST(dispatched == 202);
}

BOOST_AUTO_TEST_CASE(reader_that_lags_bounds_server_memory) {
  // 400 tiny requests asking for 64 KiB each (25 MiB of answers). While the client reads
  // nothing, the server must stop answering once its output queue is full.
  listen();
  TestClient c(&loop, path);
  constexpr int kN = 400;
  std::string batch;
  for (int i = 0; i < kN; ++i) batch += bvlive::make_request_line(i, "blob", {{"n", 65536}});
  c.send_without_reading(batch);
  for (int i = 0; i < 300; ++i) {
    uv_run(&loop, UV_RUN_NOWAIT);
    ::usleep(500);
  }
  // 8 MiB high-water mark / 64 KiB, plus what the kernel's socket buffers absorbed
  BOOST_TEST(dispatched < 200);
  for (int i = 0; i < kN; ++i) {
    auto r = c.read_json();
    BOOST_REQUIRE(r.at("id") == i);
    BOOST_REQUIRE(r.at("result").at("blob").get_ref<const std::string&>().size() == 65536u);
  }
  BOOST_TEST(dispatched == kN);
  c.request(kN, "echo");  // reading resumed
  check_echo(c.read_json(), kN, json::object());
}

BOOST_AUTO_TEST_CASE(half_close_still_gets_every_answer) {
  listen();
  TestClient c(&loop, path);
  std::string batch;
  for (int i = 0; i < 50; ++i) batch += bvlive::make_request_line(i, "blob", {{"n", 100000}});
  c.send(batch);
  c.shutdown_write();
  for (int i = 0; i < 50; ++i) BOOST_REQUIRE(c.read_json().at("id") == i);
  BOOST_TEST(c.at_eof());
  run_until([&] { return server->client_count() == 0u; });
}

BOOST_AUTO_TEST_CASE(socket_mode_and_parent_dir) {
  listen();
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST(S_ISSOCK(st.st_mode));
  BOOST_TEST((st.st_mode & 07777) == 0660u);
  BOOST_REQUIRE(::stat((dir + "/run").c_str(), &st) == 0);
  BOOST_TEST(S_ISDIR(st.st_mode));
  BOOST_TEST((st.st_mode & 07777) == 0755u);
}

BOOST_AUTO_TEST_CASE(group_is_applied_and_unknown_group_refused) {
  const group* g = ::getgrgid(::getgid());
  BOOST_REQUIRE(g != nullptr);
  server->listen_path(path, 0660, g->gr_name);
  struct stat st {};
  BOOST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST(st.st_gid == ::getgid());
  server->close();

  try {
    server->listen_path(path, 0660, "bvlive-no-such-group-xyz");
    BOOST_FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()).find("unknown group 'bvlive-no-such-group-xyz'") != std::string::npos,
               e.what());
  }
  BOOST_TEST(!std::filesystem::exists(path));  // nothing half-set-up left behind
}

BOOST_AUTO_TEST_CASE(second_server_refuses_to_start) {
  listen();
  auto second = make_server();
  try {
    second->listen_path(path, 0660, "");
    BOOST_FAIL("expected an exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "another bvlived is already listening on " + path);
  }
  second.reset();
  // the first one is untouched
  TestClient c(&loop, path);
  c.request(1, "echo");
  check_echo(c.read_json(), 1, json::object());
}

BOOST_AUTO_TEST_CASE(stale_socket_is_replaced) {
  std::filesystem::create_directories(dir + "/run");
  bound_but_dead_socket(path);
  BOOST_REQUIRE(std::filesystem::is_socket(path));
  listen();
  TestClient c(&loop, path);
  c.request(1, "echo");
  check_echo(c.read_json(), 1, json::object());
}

BOOST_AUTO_TEST_CASE(non_socket_file_is_not_replaced) {
  std::filesystem::create_directories(dir + "/run");
  std::ofstream(path) << "precious";
  BOOST_CHECK_THROW(listen(), std::runtime_error);
  std::ifstream in(path);
  std::string content;
  in >> content;
  BOOST_TEST(content == "precious");
}

BOOST_AUTO_TEST_CASE(too_long_path_is_refused) {
  const std::string long_path = dir + "/" + std::string(120, 'a') + ".sock";
  BOOST_CHECK_THROW(server->listen_path(long_path, 0660, ""), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(peer_credentials) {
  listen();
  TestClient c(&loop, path);
  c.request(1, "whoami");
  auto r = c.read_json();
  BOOST_TEST(r["result"]["uid"] == ::getuid());
  BOOST_TEST(r["result"]["pid"] == ::getpid());
}

BOOST_AUTO_TEST_CASE(disconnect_mid_request_and_before_answer) {
  listen();
  TestClient b(&loop, path);
  {
    TestClient a(&loop, path);
    a.send(R"({"jsonrpc":"2.0","id":1,"meth)");  // half a request, then gone
  }
  {
    // many answers pending when the peer hangs up: EPIPE/ECANCELED on this client only
    TestClient a(&loop, path);
    std::string batch;
    for (int i = 0; i < 2000; ++i) batch += bvlive::make_request_line(i, "echo", {{"pad", std::string(1000, 'q')}});
    a.send(batch);
  }
  run_until([&] { return server->client_count() == 1u; });
  b.request(7, "echo");
  check_echo(b.read_json(), 7, json::object());
}

BOOST_AUTO_TEST_CASE(close_unlinks_and_disconnects) {
  listen();
  TestClient c(&loop, path);
  c.request(1, "echo");
  check_echo(c.read_json(), 1, json::object());
  server->close();
  BOOST_TEST(!std::filesystem::exists(path));
  BOOST_TEST(c.at_eof());
  BOOST_TEST(server->client_count() == 0u);
  server->close();  // idempotent
  listen();          // and reusable
  TestClient d(&loop, path);
  d.request(2, "echo");
  check_echo(d.read_json(), 2, json::object());
}

BOOST_AUTO_TEST_CASE(dispatch_may_close_the_server) {
  listen();
  TestClient c(&loop, path), other(&loop, path);
  c.send(bvlive::make_request_line(1, "shutdown", {}) + bvlive::make_request_line(2, "echo", {}));
  // answered or not, the server must survive and drop everyone
  BOOST_TEST(c.at_eof());
  BOOST_TEST(other.at_eof());
  BOOST_TEST(server->client_count() == 0u);
  BOOST_TEST(!std::filesystem::exists(path));
}

BOOST_AUTO_TEST_CASE(adopted_fd_is_served_and_not_unlinked) {
  std::filesystem::create_directories(dir + "/run");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const auto a = unix_addr(path);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  BOOST_REQUIRE(::listen(fd, 16) == 0);
  server->adopt_fd(fd);
  TestClient c(&loop, path);
  c.request(1, "whoami");
  BOOST_TEST(c.read_json()["result"]["uid"] == ::getuid());
  server->close();
  BOOST_TEST(std::filesystem::is_socket(path));  // systemd owns that file
}

BOOST_AUTO_TEST_CASE(adopting_a_non_listening_fd_is_refused) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  BOOST_CHECK_THROW(server->adopt_fd(fd), std::runtime_error);
  BOOST_TEST(::fcntl(fd, F_GETFD) >= 0);  // still ours to close
  ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------- socket activation ----------------

BOOST_AUTO_TEST_CASE(listen_fds_ignores_other_pids_and_clears_env) {
  ::setenv("LISTEN_PID", std::to_string(::getpid() + 1).c_str(), 1);
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_FDNAMES", "control", 1);
  BOOST_TEST(bvlive::systemd_listen_fds().empty());
  BOOST_TEST(!std::getenv("LISTEN_PID"));
  BOOST_TEST(!std::getenv("LISTEN_FDS"));
  BOOST_TEST(!std::getenv("LISTEN_FDNAMES"));
  BOOST_TEST(bvlive::systemd_listen_fds().empty());  // not activated at all

  ::setenv("LISTEN_PID", "12abc", 1);
  ::setenv("LISTEN_FDS", "1", 1);
  BOOST_TEST(bvlive::systemd_listen_fds().empty());
}

BOOST_AUTO_TEST_CASE(listen_fds_returns_fd_3_with_cloexec) {
  // Put a socket on fd 3 (moving whatever the test runner has there out of the way).
  const int orig_flags = ::fcntl(3, F_GETFD);
  const int saved = orig_flags >= 0 ? ::fcntl(3, F_DUPFD_CLOEXEC, 100) : -1;
  const int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  BOOST_REQUIRE(s >= 0);
  BOOST_REQUIRE(::dup2(s, 3) == 3);  // dup2 clears FD_CLOEXEC
  if (s != 3) ::close(s);

  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  ::setenv("LISTEN_FDS", "1", 1);
  const auto fds = bvlive::systemd_listen_fds();
  BOOST_TEST(fds == std::vector<int>{3}, boost::test_tools::per_element());
  BOOST_TEST((::fcntl(3, F_GETFD) & FD_CLOEXEC) != 0);
  BOOST_TEST(!std::getenv("LISTEN_PID"));

  if (saved >= 0) {
    ::dup3(saved, 3, (orig_flags & FD_CLOEXEC) ? O_CLOEXEC : 0);
    ::close(saved);
  } else {
    ::close(3);
  }
}
