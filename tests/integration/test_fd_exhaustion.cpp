// File descriptors running out: bvlived runs with RLIMIT_NOFILE 256 and ~500 idle clients
// connect to its HTTP port (and some to its RTMP port). The HTTP server takes connections up
// to its limit less a reserve, then answers 503 and closes; so the ones that got in before are
// still served, the running push keeps adding segments, the control socket still answers (new
// encoders are refused too), the daemon neither busy-loops nor crashes, and its log says why; once the flood
// closes, new HTTP connections, `bvlive status` and a new RTMP push work as before.
#define BOOST_TEST_MODULE fd_exhaustion
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/http_client.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

constexpr int kDaemonFdLimit = 256;
constexpr int kHttpFlood = 500;
constexpr int kRtmpFlood = 40;

std::int64_t mono_ms() {
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The test itself holds ~550 sockets: its soft limit up to its hard limit.
void raise_own_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &rl);
  }
}

// A non-blocking connect to 127.0.0.1:port; the fd (connect may still be in progress) or -1.
int start_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Waits (bounded) for the connects of `fds` to finish; how many are established.
int settle_connects(const std::vector<int>& fds, Ms timeout) {
  const std::int64_t deadline = mono_ms() + timeout.count();
  std::vector<bool> done(fds.size(), false);
  int established = 0;
  std::size_t pending = fds.size();
  while (pending > 0 && mono_ms() < deadline) {
    std::vector<pollfd> p;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < fds.size(); ++i)
      if (!done[i]) {
        p.push_back({fds[i], POLLOUT, 0});
        idx.push_back(i);
      }
    const int left = static_cast<int>(std::max<std::int64_t>(1, deadline - mono_ms()));
    if (::poll(p.data(), p.size(), std::min(left, 200)) <= 0) continue;
    for (std::size_t k = 0; k < p.size(); ++k) {
      if (!p[k].revents) continue;
      done[idx[k]] = true;
      --pending;
      int err = 0;
      socklen_t len = sizeof err;
      if (::getsockopt(p[k].fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) ++established;
    }
  }
  return established;
}

// A persistent HTTP/1.1 keep-alive connection with a bound on every exchange.
class KeepAlive {
 public:
  explicit KeepAlive(int port) {
    fd_ = start_connect(port);
    if (fd_ < 0 || settle_connects({fd_}, 5s) != 1) throw std::runtime_error("keep-alive connect failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~KeepAlive() {
    if (fd_ >= 0) ::close(fd_);
  }
  KeepAlive(const KeepAlive&) = delete;
  KeepAlive& operator=(const KeepAlive&) = delete;

  // GET `target`; {status, body}, or status -1 (and why in the body) on a network error or timeout.
  std::pair<int, std::string> get(const std::string& target, Ms timeout = 5s) {
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
    if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
      return {-1, std::string("send: ") + std::strerror(errno)};
    const std::int64_t deadline = mono_ms() + timeout.count();
    std::string buf;
    char chunk[65536];
    for (;;) {
      const auto head_end = buf.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        std::string head = buf.substr(0, head_end);
        std::string lower = head;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        int status = 0;
        std::sscanf(head.c_str(), "HTTP/1.%*d %d", &status);
        const std::string body = buf.substr(head_end + 4);
        if (auto cl = lower.find("content-length:"); cl != std::string::npos) {
          const std::size_t n = std::stoul(lower.substr(cl + 15));
          if (body.size() >= n) return {status, body.substr(0, n)};
        } else if (lower.find("transfer-encoding: chunked") != std::string::npos) {
          if (body.find("\r\n0\r\n\r\n") != std::string::npos || body.rfind("0\r\n\r\n", 0) == 0)
            return {status, body};  // chunk framing left in: enough for these checks
        } else if (status == 204 || status == 304) {
          return {status, ""};
        }
      }
      const std::int64_t left = deadline - mono_ms();
      if (left <= 0) return {-1, "timed out; got so far: " + buf.substr(0, 300)};
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0) return {-1, "connection closed by the daemon; got: " + buf.substr(0, 300)};
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return {-1, std::string("recv: ") + std::strerror(errno)};
      }
      buf.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
};

int open_fds_of(pid_t pid) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return -1;
  int n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

// utime + stime of `pid`, in seconds.
double cpu_seconds_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // state(3) ... utime(14) stime(15): after ") " the state is field 3.
  for (int i = 3; i <= 13; ++i) rest >> field;
  rest >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string last_uri(const std::string& playlist) {
  const auto uris = playlist_uris(playlist);
  return uris.empty() ? "" : uris.back();
}

struct FdFixture {
  FdFixture() {
    raise_own_fd_limit();
    // DaemonProcess only for its arguments and paths: the command is wrapped in prlimit.
    DaemonProcess args(dir.path());
    socket = args.socket();
    log_path = args.log_path();
    std::vector<std::string> argv = {"prlimit", "--nofile=" + std::to_string(kDaemonFdLimit) + ":" +
                                                    std::to_string(kDaemonFdLimit), "--"};
    const auto a = args.argv();
    argv.insert(argv.end(), a.begin(), a.end());
    daemon = std::make_unique<BackgroundProcess>(argv, log_path);
    std::string last = "no attempt";
    const bool up = poll_until(
        [&] {
          if (!daemon->running()) return true;
          try {
            RpcClient c(socket);
            auto r = c.call("daemon.status", json::object(), 1, 2s);
            if (r.contains("result")) return true;
            last = r.dump();
          } catch (const std::exception& e) {
            last = e.what();
          }
          return false;
        },
        20s, 50ms);
    BOOST_TEST_REQUIRE((up && daemon->running()), "bvlived did not start (last: " << last << "); log:\n" << log());
    cli = Cli(socket);
    ports = ports_of(cli);
  }
  ~FdFixture() {
    if (daemon) daemon->stop(SIGTERM, 10s);
  }
  std::string log() const { return read_file(log_path); }

  TempDir dir{"bvlive-fd"};
  std::string socket, log_path;
  std::unique_ptr<BackgroundProcess> daemon;
  Cli cli{""};
  Ports ports;
  std::vector<std::unique_ptr<BackgroundProcess>> encoders;

  std::string create_live(const std::string& name) {
    const RunResult created = cli.run({"-q", "create", "--name", name});
    REQUIRE_EXIT(created, 0);
    return created.out.substr(0, created.out.find('\n'));
  }
  void push(const std::string& id) {
    encoders.push_back(std::make_unique<BackgroundProcess>(
        encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv", "320x240"),
        dir / ("encoder" + std::to_string(encoders.size()) + ".log")));
  }
  bool publishing(const std::string& id, Ms timeout) {
    return poll_until(
        [&] {
          try {
            const json s = cli.json({"sessions", id})["sessions"];
            return !s.empty() && s[0]["state"] == "LIVE";
          } catch (const std::exception&) {
            return false;
          }
        },
        timeout, 200ms);
  }

  std::string log_tail() const {
    const std::string t = log();
    return t.size() > 6000 ? "...\n" + t.substr(t.size() - 6000) : t;
  }

  // A live, LIVE and pushed by ffmpeg at 320x240, whose playlist lists segments.
  std::string live_with_playlist(const std::string& name) {
    const std::string id = create_live(name);
    REQUIRE_EXIT(cli.run({"preview", id}), 0);
    push(id);
    BOOST_TEST_REQUIRE(publishing(id, 30s), "the push did not publish; log:\n" << log_tail());
    REQUIRE_EXIT(cli.run({"start", id}), 0);
    BOOST_TEST_REQUIRE(poll_until(
                           [&] {
                             try {
                               return contains(http_get_at(ports.http, playlist_of(id)).body, "#EXTINF");
                             } catch (const std::exception&) {
                               return false;
                             }
                           },
                           30s, 200ms),
                       "no playlist; log:\n" << log_tail());
    return id;
  }
  static std::string playlist_of(const std::string& id) { return "/live/" + id + "/media.m3u8"; }

  // ~500 idle connections to the HTTP port and some to the RTMP port, kept open; returns
  // once the daemon holds as many as it takes. It keeps descriptors in reserve (segments,
  // the database, encoders, the control socket): it must fill up, but never to its limit.
  std::vector<int> flood() {
    const pid_t pid = daemon->pid();
    BOOST_TEST_MESSAGE("daemon fds before the flood: " << open_fds_of(pid));
    std::vector<int> fds;
    for (int i = 0; i < kRtmpFlood; ++i)
      if (int fd = start_connect(ports.rtmp); fd >= 0) fds.push_back(fd);
    for (int i = 0; i < kHttpFlood; ++i)
      if (int fd = start_connect(ports.http); fd >= 0) fds.push_back(fd);
    const int established = settle_connects(fds, 10s);
    BOOST_TEST_MESSAGE("flood: " << fds.size() << " sockets, " << established << " connected");
    BOOST_TEST(established >= kHttpFlood / 2);
    int now = 0, last = -1;
    // Full: the count stops growing (the rest of the flood is answered 503 and closed).
    const bool full = poll_until(
        [&] {
          const int was = last;
          last = now = open_fds_of(pid);
          return (now >= kDaemonFdLimit / 2 && now == was) || !daemon->running();
        },
        10s, 300ms);
    BOOST_TEST_REQUIRE((full && daemon->running() && now >= kDaemonFdLimit / 2),
                       "the daemon did not fill up with the flood (" << now << " open); log:\n" << log_tail());
    BOOST_TEST(now <= kDaemonFdLimit - 16, "the flood took the daemon's reserve: " << now << " descriptors open");
    BOOST_TEST_MESSAGE("daemon fds during the flood: " << now);
    return fds;
  }

  // The flood closes: new HTTP connections and `bvlive status` work again within a few seconds.
  void close_flood_and_check_recovery(std::vector<int>& fds) {
    for (int fd : fds) ::close(fd);
    fds.clear();
    const std::int64_t closed_at = mono_ms();
    std::string last_http;
    const bool http_back = poll_until(
        [&] {
          try {
            HttpRequest r;
            r.target = "/healthz";
            r.timeout = 2s;
            const auto resp = http_exchange(ports.http, r);
            last_http = resp.describe();
            return resp.status == 200;
          } catch (const std::exception& e) {
            last_http = e.what();
            return false;
          }
        },
        10s, 200ms);
    BOOST_TEST(http_back, "no new HTTP connection served within 10 s after the flood closed: "
                              << last_http << "; log:\n" << log_tail());
    RunResult st;
    const bool status_back = poll_until(
        [&] {
          st = cli.run({"status"}, with_timeout(5s));
          return st.code == 0;
        },
        10s, 200ms);
    BOOST_TEST(status_back, "bvlive status does not answer within 10 s after the flood closed"
                                << st.describe());
    BOOST_TEST_MESSAGE("HTTP and control answered " << (mono_ms() - closed_at) << " ms after the flood closed");
  }
};

}  // namespace

// With a push running: the HTTP flood must not take the descriptors the packager needs
// for its segment files. (Sanitizer builds: once the segment writer fails with EMFILE, its
// catch of the exception trips UBSan's vptr check, which probes memory with pipe() and so
// reports "invalid vptr" in a process out of descriptors, and aborts the daemon.)
BOOST_FIXTURE_TEST_CASE(the_push_keeps_adding_segments_while_out_of_descriptors, FdFixture) {
  const std::string id = live_with_playlist("push");
  KeepAlive viewer(ports.http);
  std::string before;
  {
    const auto [st, body] = viewer.get(playlist_of(id));
    BOOST_TEST_REQUIRE(st == 200, "playlist before the flood: " << st << " " << body);
  }
  std::vector<int> fds = flood();
  {
    const auto [st, body] = viewer.get(playlist_of(id));
    BOOST_TEST(st == 200, "playlist on a connection opened before the flood: " << st << " " << body);
    before = last_uri(body);
  }
  std::string now = before, why;
  const bool advanced = poll_until(
      [&] {
        if (!daemon->running()) return true;
        const auto [st, body] = viewer.get(playlist_of(id), 3s);
        if (st != 200) {
          why = "playlist " + std::to_string(st) + " " + body;
          return false;
        }
        now = last_uri(body);
        return !now.empty() && now != before;
      },
      12s, 500ms);
  BOOST_TEST_REQUIRE(daemon->running(),
                     "bvlived died (exit " << daemon->exit_code().value_or(-1)
                         << ") while out of descriptors with a push running: the HTTP server accepted until "
                            "no descriptor was left, the segment writer then failed to open its file (EMFILE); "
                            "log:\n" << log_tail());
  BOOST_TEST(advanced, "no new segment in 12 s while out of descriptors (last " << before << " -> "
                                                                                         << now << ", " << why
                                                                                         << "); log:\n" << log_tail());
  BOOST_TEST(publishing(id, 1s), "the push stopped publishing while out of descriptors; log:\n"
                                     << log_tail());
  {
    const auto [st, body] = viewer.get("/healthz");
    BOOST_TEST(st == 200, "healthz on a keep-alive connection opened before the flood: " << st << " "
                                                                                                  << body);
  }
  close_flood_and_check_recovery(fds);
  BOOST_TEST(publishing(id, 5s), "the push is no longer LIVE after the flood; log:\n" << log_tail());
  const int code = daemon->stop(SIGTERM, 15s);
  BOOST_TEST(code == 0, "bvlived exit code " << code << "; log:\n" << log_tail());
}

// No push while out of descriptors (a live whose playlist exists): new connections wait,
// the ones already in are served, the control socket answers (at worst right after), no
// busy loop, the log says why; afterwards HTTP, `bvlive status` and a new push work again.
BOOST_FIXTURE_TEST_CASE(out_of_descriptors_refuses_new_serves_existing_and_recovers, FdFixture) {
  const pid_t pid = daemon->pid();
  {
    const std::string limits = read_file("/proc/" + std::to_string(pid) + "/limits");
    BOOST_TEST_REQUIRE(contains(limits, "Max open files            256                  256"), limits);
  }
  const std::string id = live_with_playlist("idle");
  const std::string playlist = playlist_of(id);
  // The encoder goes away before the flood, so no segment file is due while out of fds.
  encoders.back()->stop(SIGKILL);
  BOOST_TEST_REQUIRE(poll_until(
                         [&] {
                           const json s = cli.json({"sessions", id})["sessions"];
                           return !s.empty() && s[0]["state"] != "LIVE" && s[0]["state"] != "PROCESSING";
                         },
                         20s, 200ms),
                     "the session did not end; log:\n" << log_tail());
  sleep_for(500ms);

  KeepAlive viewer(ports.http);
  {
    const auto [st, body] = viewer.get("/healthz");
    BOOST_TEST_REQUIRE(st == 200, "healthz before the flood: " << st << " " << body);
    const auto [pst, pbody] = viewer.get(playlist);
    BOOST_TEST_REQUIRE((pst == 200 && contains(pbody, "#EXTINF")), "playlist before the flood: " << pst << " " << pbody);
  }

  std::vector<int> fds = flood();

  // No busy loop while out of descriptors: little CPU over 3 s.
  const double cpu0 = cpu_seconds_of(pid);
  sleep_for(3s);
  const double cpu1 = cpu_seconds_of(pid);
  BOOST_TEST_MESSAGE("daemon CPU over 3 s out of fds: " << (cpu1 - cpu0) << " s");
  BOOST_TEST(cpu1 - cpu0 < 1.0, "bvlived used " << (cpu1 - cpu0)
                                     << " s of CPU in 3 s while out of file descriptors (busy loop)");
  BOOST_TEST_REQUIRE(daemon->running(), "bvlived died while out of fds; log:\n" << log_tail());

  // New viewers are refused, and told so: 503 with Retry-After.
  {
    const int fd = start_connect(ports.http);
    std::string answer;
    if (fd >= 0 && settle_connects({fd}, 2s) == 1) {
      const std::string req = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
      pollfd p{fd, POLLIN, 0};
      char buf[512];
      if (::poll(&p, 1, 3000) == 1) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) answer.assign(buf, static_cast<std::size_t>(n));
      }
    }
    if (fd >= 0) ::close(fd);
    BOOST_TEST(answer.rfind("HTTP/1.1 503", 0) == 0u, "a viewer arriving while full: " << answer);
    BOOST_TEST(contains(answer, "Retry-After"), answer);
  }

  // A new encoder is refused too: the reserve is for the pushes already running.
  {
    const int fd = start_connect(ports.rtmp);
    bool answered = false;
    if (fd >= 0 && settle_connects({fd}, 2s) == 1) {
      std::string c0c1(1537, '\0');
      c0c1[0] = 3;
      (void)::send(fd, c0c1.data(), c0c1.size(), MSG_NOSIGNAL);
      pollfd p{fd, POLLIN, 0};
      char c;
      answered = ::poll(&p, 1, 1500) == 1 && ::recv(fd, &c, 1, MSG_PEEK) == 1;
    }
    if (fd >= 0) ::close(fd);
    BOOST_TEST(!answered, "a new RTMP connection near the descriptor limit was served, not refused");
  }

  // Connections that got in before are still served.
  {
    const auto [st, body] = viewer.get("/healthz");
    BOOST_TEST(st == 200, "healthz on a keep-alive connection opened before the flood: " << st << " "
                                                                                                  << body);
    const auto [pst, pbody] = viewer.get(playlist);
    BOOST_TEST((pst == 200 && contains(pbody, "#EXTINF")),
               "playlist on a connection opened before the flood: " << pst << " " << pbody);
  }

  // The operator's control socket answers during the flood.
  const RunResult status_during = cli.run({"status"}, with_timeout(10s));
  BOOST_TEST(status_during.code == 0, "bvlive status during the flood" << status_during.describe());
  BOOST_TEST_REQUIRE(daemon->running(), "bvlived died while out of fds; log:\n" << log_tail());

  // The log says why new connections are not served.
  {
    const std::string text = log();
    BOOST_TEST((contains(text, "refusing new connections") && contains(text, "descriptor limit")),
               "nothing in the log (default level) says connections are refused and why; log:\n" << log_tail());
  }

  close_flood_and_check_recovery(fds);
  BOOST_TEST(http_get_at(ports.http, playlist).status == 200);
  {
    const auto [st, body] = viewer.get("/healthz");
    BOOST_TEST(st == 200, "the early keep-alive connection after the flood: " << st << " " << body);
  }

  // A new RTMP push works again (a new session of the same live).
  push(id);
  BOOST_TEST(poll_until(
                 [&] {
                   const json s = cli.json({"sessions", id})["sessions"];
                   return s.size() >= 2 && s[0]["state"] == "LIVE";
                 },
                 20s, 200ms),
             "a new RTMP push did not publish after the flood; sessions "
                 << cli.json({"sessions", id}).dump() << "; log:\n" << log_tail());

  BOOST_TEST_REQUIRE(daemon->running());
  const int code = daemon->stop(SIGTERM, 15s);
  BOOST_TEST(code == 0, "bvlived exit code " << code << "; log:\n" << log_tail());
}
