// bench_chat: the chatroom of a live, measured on a real bvlived over loopback HTTP.
//
// For each SQLite durability mode ([daemon] sync = "full", the default, then "normal") it
// starts a bvlived of its own (fresh state dir, loopback, port 0, a config that raises
// [chat] rate_burst / rate_interval so the poster is not refused), creates a live with a
// chatroom (`bvlive create --chat-live dark`), reads the HTTP port from daemon.status, then:
//   1. fan-out: N viewers hold /live/ID/events open (plain non-blocking sockets, one epoll
//      loop, no thread per viewer); a poster sends M messages at a fixed rate with
//      POST /live/ID/chat; for every (viewer, message) pair, the time from just before the
//      POST is written to when that viewer's stream has read the `chat` event with the
//      message's id. Every pair must be delivered (else the run is broken);
//   2. post cost: back-to-back POSTs on one keep-alive connection (round trip, posts/s);
//   3. history: GET /live/ID/interaction with a full history ([chat] history, 100).
// and prints the figures of both modes side by side with their ratio.
//
// Benchmarks report, they never fail on timing: exit 0 when the figures are printed, 1 when
// something broke (the daemon did not start, a post was refused, a delivery is missing),
// 2 on bad usage.
//
// Run: share/scripts/bench.sh --only bench_chat [--quick] [--viewers N] [--messages M] ...
#include <sys/epoll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../common/bench_files.hpp"
#include "../common/bench_http.hpp"
#include "../common/bench_options.hpp"
#include "../common/bench_process.hpp"
#include "../common/bench_report.hpp"
#include "../common/bench_run.hpp"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using bvbench::Broken;
using bvbench::check_signal;
using bvbench::Daemon;
using bvbench::errno_text;
using bvbench::Fd;
using bvbench::fmt;
using bvbench::HttpResponse;
using bvbench::loadavg;
using bvbench::ms_between;
using bvbench::Stats;
using bvbench::stats_of;
using bvbench::trimmed;

constexpr const char* kName = "bench_chat";

// ---------------------------------------------------------------- options

struct Options : bvbench::RunOptions {
  int viewers = 200;           // event streams held open during the fan-out
  int messages = 200;          // messages posted at `rate` during the fan-out
  int rate = 20;               // fan-out messages per second
  int posts = 1000;            // back-to-back posts for the post cost
  int history_requests = 200;  // GET /live/ID/interaction for the history figure
  int warmup = 20;             // untimed requests before each timed series
};

void print_help() {
  std::cout <<
      "usage: bench_chat [options]\n"
      "  --quick               smoke run (under 10 s): 50 viewers, 40 messages, 300 posts, 100 history GETs\n"
      "  --viewers N           event streams open during the fan-out (default 200)\n"
      "  --messages M          messages posted during the fan-out (default 200)\n"
      "  --rate R              fan-out messages per second (default 20)\n"
      "  --posts K             back-to-back posts for the post cost (default 1000)\n"
      "  --history-requests H  GET /live/ID/interaction requests (default 200)\n"
      "  --dir DIR             make the temporary work directory under DIR (default $TMPDIR or /tmp);\n"
      "                        the post cost depends on its filesystem's fsync\n"
      "  --bvlived PATH        daemon binary (default: the one built with this benchmark)\n"
      "  --bvlive PATH         CLI binary (default: the one built with this benchmark)\n"
      "  --keep                keep the work directory (databases, logs) afterwards\n"
      "Runs everything twice: [daemon] sync = \"full\" (the default) and sync = \"normal\".\n"
      "Exit status: 0 figures printed, 1 something broke (daemon, refused post, missing delivery), 2 usage.\n";
}

Options parse_args(int argc, char** argv) {
  Options o;
  bvbench::OptionTable(kName, print_help)
      .preset("--quick",
              [&] {
                o.viewers = 50;
                o.messages = 40;
                o.posts = 300;
                o.history_requests = 100;
                o.warmup = 10;
              })
      .number("--viewers", o.viewers, 20000)
      .number("--messages", o.messages, 100000)
      .number("--rate", o.rate, 1000)
      .number("--posts", o.posts, 1000000)
      .number("--history-requests", o.history_requests, 1000000)
      .run_options(o)
      .parse(argc, argv);
  return o;
}

// ---------------------------------------------------------------- the daemon

// Embedded defaults, except the durability under test and a poster that may post fast.
std::string config_for(const std::string& sync) {
  return "# bench_chat: embedded defaults, except the durability under test and a poster\n"
         "# that may post fast (the rate limit is not what is measured)\n"
         "[daemon]\nsync = \"" + sync + "\"\n\n"
         "[chat]\nrate_burst = 1000\nrate_interval = \"100ms\"\n";
}

// ---------------------------------------------------------------- HTTP client side

// The poster's identity: which device cookie and source address post number `n` uses. The
// config allows a device a burst of 1000 and an address 4x that; a new device every 500
// posts and a new address every 3000 keep long runs clear of 429s.
std::string device_for(std::uint64_t salt, std::uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(salt),
                static_cast<unsigned long long>(n / 500));
  return buf;
}
std::string address_for(std::uint64_t n) {
  const std::uint64_t k = 2 + n / 3000;
  return "127.0." + std::to_string(k / 250) + "." + std::to_string(k % 250 + 1);
}


// A keep-alive client for one request at a time (the poster, the history reader).
class Client {
 public:
  Client(int port, std::string live, std::uint64_t salt)
      : conn_(port, "bvlived"), port_(port), live_(std::move(live)), salt_(salt) {}

  // The request of post number `n` (its device cookie, its text "bench message N").
  std::string post_request(std::uint64_t n) const {
    const std::string body = json{{"name", "bench"}, {"text", "bench message " + std::to_string(n)}}.dump();
    return "POST /live/" + live_ + "/chat HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
           "\r\nContent-Type: application/json\r\nCookie: bvlive_device=" + device_for(salt_, n) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  std::string history_request() const {
    return "GET /live/" + live_ + "/interaction HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
           "\r\nCookie: bvlive_device=" + device_for(salt_, 0) + "\r\n\r\n";
  }

  // Connected from the source address post `n` must come from (reconnects when it changes).
  int fd_for(std::uint64_t n) {
    conn_.use_source(address_for(n));
    conn_.open();
    return conn_.fd();
  }

  // Sends `request` and waits for the whole answer.
  HttpResponse exchange(std::uint64_t n, const std::string& request) {
    fd_for(n);
    return conn_.exchange(request);
  }

  // The answer to the request in flight, when it is complete.
  std::optional<HttpResponse> poll_answer() { return conn_.poll_answer(); }

 private:
  bvbench::HttpConnection conn_;
  int port_;
  std::string live_;
  std::uint64_t salt_;
};


// A refused or malformed post: what the daemon said, and what it means here.
[[noreturn]] void post_refused(const HttpResponse& r) {
  std::string hint;
  if (r.status == 429) hint = " (rate-limited although the bench's config raises [chat] rate_burst/rate_interval)";
  if (r.status == 403) hint = " (the chatroom is not open: was the live created with --chat-live?)";
  throw Broken("POST /live/ID/chat answered '" + r.status_line + "': " + trimmed(r.body) + hint);
}

std::int64_t message_id_of(const HttpResponse& r) {
  if (r.status != 201) post_refused(r);
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("message") || !j["message"].is_object() || !j["message"].contains("id") ||
      !j["message"]["id"].is_number_integer())
    throw Broken("POST /live/ID/chat answered 201 without {\"message\": {\"id\": ...}}: " + r.body.substr(0, 200));
  return j["message"]["id"].get<std::int64_t>();
}

// ---------------------------------------------------------------- the viewers

// One viewer's /live/ID/events stream: the HTTP head, then server-sent events.
struct Viewer {
  Fd fd;
  bool connecting = true;
  bool head_done = false;
  bool ready = false;  // the first `status` event has come
  std::string buf;              // bytes read and not yet parsed
  Clock::time_point last_read;  // when they arrived (the first read of the latest wake-up)
  std::unordered_map<std::int64_t, Clock::time_point> chat;  // message id -> when read
  std::unordered_map<std::int64_t, std::string> texts;        // message id -> its text
  std::size_t duplicates = 0;
};

// Turns the viewer's unparsed bytes into events (a partial event waits for more bytes).
void parse_viewer(Viewer& v, std::size_t index) {
  if (!v.head_done) {
    const auto end = v.buf.find("\r\n\r\n");
    if (end == std::string::npos) return;
    const std::string status = v.buf.substr(0, v.buf.find("\r\n"));
    if (status.find(" 200") == std::string::npos)
      throw Broken("viewer " + std::to_string(index) + ": GET /live/ID/events answered '" + status +
                   "': " + v.buf.substr(end + 4, 200));
    v.head_done = true;
    v.buf.erase(0, end + 4);
  }
  std::size_t start = 0;
  for (;;) {
    const auto end = v.buf.find("\n\n", start);
    if (end == std::string::npos) break;
    std::string event = "message", data;
    std::size_t line = start;
    while (line < end) {
      std::size_t eol = v.buf.find('\n', line);
      if (eol == std::string::npos || eol > end) eol = end;
      const std::string_view l(v.buf.data() + line, eol - line);
      if (l.rfind("event: ", 0) == 0) event = std::string(l.substr(7));
      else if (l.rfind("data: ", 0) == 0) data += std::string(l.substr(6));
      line = eol + 1;
    }
    if (event == "status") {
      v.ready = true;
    } else if (event == "chat") {
      const json m = json::parse(data, nullptr, false);
      if (!m.is_object() || !m.contains("id") || !m["id"].is_number_integer() || !m.contains("text"))
        throw Broken("viewer " + std::to_string(index) + ": a chat event without id/text: " + data.substr(0, 200));
      const auto id = m["id"].get<std::int64_t>();
      if (!v.chat.emplace(id, v.last_read).second) ++v.duplicates;
      else v.texts.emplace(id, m["text"].is_string() ? m["text"].get<std::string>() : "");
    }
    start = end + 2;
  }
  v.buf.erase(0, start);
}

constexpr std::uint64_t kPosterTag = ~0ULL;

// ---------------------------------------------------------------- one daemon's figures

struct Figures {
  std::string sync;
  double ready_ms = 0;
  double connect_ms = 0;      // all viewers' streams open and their status events read
  Stats delivery;             // ms, over (viewer, message) pairs
  Stats first_viewer, last_viewer;  // ms, over messages: the earliest and the latest viewer's
  std::size_t expected = 0, missing = 0, duplicates = 0, wrong_text = 0;
  double fanout_s = 0;        // first post to last post
  Stats paced_rtt;            // ms, the fan-out's POSTs
  Stats rtt;                  // ms, back-to-back POSTs
  double posts_per_s = 0;
  Stats history;              // ms
  std::size_t history_messages = 0, history_bytes = 0;
  std::string stop;
};

// Phase 1: N viewers, M paced posts, every delivery timed.
void fan_out(const Options& o, Daemon& d, const std::string& live, Client& poster, std::uint64_t& posted, Figures& f) {
  const int port = d.http_port();
  const std::string get = "GET /live/" + live + "/events HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                          "\r\nAccept: text/event-stream\r\n\r\n";
  bvbench::Epoll ep;
  std::vector<epoll_event> ready(static_cast<std::size_t>(o.viewers) + 8);
  std::vector<Viewer> viewers(static_cast<std::size_t>(o.viewers));
  std::vector<std::size_t> touched;
  char chunk[65536];

  // Reads every ready socket first (each read timed), then parses: a viewer's timestamp does
  // not wait for the JSON of the viewers before it.
  auto pump = [&](int timeout_ms, const std::function<void(Clock::time_point)>& on_poster) {
    const int n = ep.wait(ready, timeout_ms);
    touched.clear();
    for (int i = 0; i < n; ++i) {
      const std::uint64_t tag = ready[static_cast<std::size_t>(i)].data.u64;
      if (tag == kPosterTag) continue;
      Viewer& v = viewers[tag];
      if (v.connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(v.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0)
          throw Broken("viewer " + std::to_string(tag) + ": connect to 127.0.0.1:" + std::to_string(port) + ": " +
                       std::strerror(err));
        v.connecting = false;
        bvbench::send_all(v.fd.get(), get, "bvlived");
        ep.modify(v.fd.get(), EPOLLIN, tag);
        continue;
      }
      bool got = false;
      for (;;) {
        const ssize_t r = ::recv(v.fd.get(), chunk, sizeof chunk, 0);
        if (r > 0) {
          if (!got) v.last_read = Clock::now();
          got = true;
          v.buf.append(chunk, static_cast<std::size_t>(r));
          continue;
        }
        if (r == 0)
          throw Broken("viewer " + std::to_string(tag) + ": the daemon closed its event stream after " +
                       std::to_string(v.chat.size()) + " chat events");
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        throw Broken(errno_text("viewer " + std::to_string(tag) + ": recv"));
      }
      if (got) touched.push_back(tag);
    }
    for (int i = 0; i < n; ++i)
      if (ready[static_cast<std::size_t>(i)].data.u64 == kPosterTag) on_poster(Clock::now());
    for (std::size_t t : touched) parse_viewer(viewers[t], t);
  };

  // Open the streams, at most 64 connections under way at a time (the listen backlog).
  const auto c0 = Clock::now();
  std::size_t opened = 0, ready_count = 0;
  for (;;) {
    check_signal();
    std::size_t pending = 0;
    ready_count = 0;
    for (std::size_t i = 0; i < opened; ++i) (viewers[i].ready ? ready_count : pending) += 1;
    if (ready_count == viewers.size()) break;
    while (opened < viewers.size() && pending < 64) {
      viewers[opened].fd = bvbench::connect_loopback(port, false);
      ep.add(viewers[opened].fd.get(), EPOLLOUT, opened);
      ++opened;
      ++pending;
    }
    if (ms_between(c0, Clock::now()) > 30000)
      throw d.broken("opened only " + std::to_string(ready_count) + " of " + std::to_string(viewers.size()) +
                     " event streams within 30 s");
    pump(100, [](Clock::time_point) {});
  }
  f.connect_ms = ms_between(c0, Clock::now());

  // Post M messages at the rate, one request in flight; viewers read all along.
  const std::size_t m = static_cast<std::size_t>(o.messages);
  std::vector<Clock::time_point> sent(m);
  std::vector<std::int64_t> ids(m, -1);
  std::vector<double> rtt;
  const std::uint64_t first = posted;
  std::size_t next = 0;           // next message to post
  bool in_flight = false;
  int poster_fd = -1;
  const auto period = std::chrono::duration<double>(1.0 / o.rate);
  const auto p0 = Clock::now() + std::chrono::milliseconds(50);
  auto due = [&](std::size_t i) { return p0 + std::chrono::duration_cast<Clock::duration>(period * static_cast<double>(i)); };
  auto delivered = [&] {
    std::size_t n = 0;
    for (const auto& v : viewers) n += v.chat.size();
    return n;
  };
  std::optional<Clock::time_point> all_posted;
  auto on_poster = [&](Clock::time_point) {
    if (!in_flight) return;
    if (auto r = poster.poll_answer()) {
      const std::size_t i = next - 1;
      ids[i] = message_id_of(*r);
      rtt.push_back(ms_between(sent[i], r->done));
      in_flight = false;
      ++posted;
      if (next == m) all_posted = r->done;
    }
  };
  for (;;) {
    check_signal();
    const auto now = Clock::now();
    if (!in_flight && next < m && now >= due(next)) {
      const std::uint64_t n = first + next;
      const std::string request = poster.post_request(n);
      const int fd = poster.fd_for(n);
      if (fd != poster_fd) {  // a new connection (first post, or a new source address)
        if (poster_fd >= 0) ep.remove(poster_fd);
        ep.add(fd, EPOLLIN, kPosterTag);
        poster_fd = fd;
      }
      sent[next] = Clock::now();
      bvbench::send_all(fd, request, "bvlived");
      in_flight = true;
      ++next;
    }
    if (all_posted && delivered() >= viewers.size() * m) break;
    if (all_posted && ms_between(*all_posted, Clock::now()) > 10000) break;  // some never came
    if (!all_posted && ms_between(p0, Clock::now()) > 1000.0 * m / o.rate + 60000)
      throw d.broken("the fan-out's posts did not finish within a minute of their schedule");
    int timeout = 20;
    if (!in_flight && next < m)
      timeout = std::clamp(static_cast<int>(std::ceil(ms_between(Clock::now(), due(next)))), 0, 20);
    pump(timeout, on_poster);
  }
  if (poster_fd >= 0) ep.remove(poster_fd);
  f.fanout_s = ms_between(sent.front(), *all_posted) / 1000;
  f.paced_rtt = stats_of(rtt);

  // Every (viewer, message) pair: delivered once, with the text posted.
  // Per message, its first and last viewer: when the daemon's fan-out starts reaching the
  // viewers, and when it has reached them all.
  std::vector<double> latency, first_viewer(m, 1e300), last_viewer(m, 0);
  latency.reserve(viewers.size() * m);
  f.expected = viewers.size() * m;
  for (const auto& v : viewers) {
    f.duplicates += v.duplicates;
    for (std::size_t i = 0; i < m; ++i) {
      const auto it = v.chat.find(ids[i]);
      if (it == v.chat.end()) {
        ++f.missing;
        continue;
      }
      if (v.texts.at(ids[i]) != "bench message " + std::to_string(first + i)) ++f.wrong_text;
      const double ms = ms_between(sent[i], it->second);
      latency.push_back(ms);
      first_viewer[i] = std::min(first_viewer[i], ms);
      last_viewer[i] = std::max(last_viewer[i], ms);
    }
  }
  f.delivery = stats_of(latency);
  if (f.missing == 0) {
    f.first_viewer = stats_of(first_viewer);
    f.last_viewer = stats_of(last_viewer);
  }
}

// Phase 2: back-to-back posts on one keep-alive connection.
void post_cost(const Options& o, Client& poster, std::uint64_t& posted, Figures& f) {
  for (int i = 0; i < o.warmup; ++i) {
    check_signal();
    message_id_of(poster.exchange(posted, poster.post_request(posted)));
    ++posted;
  }
  std::vector<double> rtt;
  rtt.reserve(static_cast<std::size_t>(o.posts));
  const auto t0 = Clock::now();
  for (int i = 0; i < o.posts; ++i) {
    if (i % 64 == 0) check_signal();
    const std::string request = poster.post_request(posted);
    poster.fd_for(posted);  // a reconnect (new source address) is not timed
    const auto s = Clock::now();
    const HttpResponse r = poster.exchange(posted, request);
    rtt.push_back(ms_between(s, r.done));
    message_id_of(r);
    ++posted;
  }
  f.posts_per_s = o.posts / (ms_between(t0, Clock::now()) / 1000);
  f.rtt = stats_of(rtt);
}

// Phase 3: what a late joiner's page fetches first.
void history(const Options& o, Client& reader, std::uint64_t posted, Figures& f) {
  const std::size_t want = std::min<std::uint64_t>(posted, 100);  // [chat] history, default 100
  const std::string request = reader.history_request();
  std::vector<double> t;
  t.reserve(static_cast<std::size_t>(o.history_requests));
  for (int i = 0; i < o.warmup + o.history_requests; ++i) {
    if (i % 64 == 0) check_signal();
    reader.fd_for(0);
    const auto s = Clock::now();
    const HttpResponse r = reader.exchange(0, request);
    if (i >= o.warmup) t.push_back(ms_between(s, r.done));
    if (i > 0) continue;
    if (r.status != 200) throw Broken("GET /live/ID/interaction answered '" + r.status_line + "': " + trimmed(r.body));
    const json j = json::parse(r.body, nullptr, false);
    const json* msgs = j.is_object() && j.contains("chat") && j["chat"].is_object() && j["chat"].contains("messages")
                           ? &j["chat"]["messages"]
                           : nullptr;
    if (!msgs || !msgs->is_array()) throw Broken("GET /live/ID/interaction: no chat.messages array: " + r.body.substr(0, 200));
    if (msgs->size() != want)
      throw Broken("GET /live/ID/interaction has " + std::to_string(msgs->size()) + " messages; expected " +
                   std::to_string(want) + " (the last [chat] history = 100 of " + std::to_string(posted) + " posted)");
    f.history_messages = msgs->size();
    f.history_bytes = r.body.size();
  }
  f.history = stats_of(t);
}

std::string ms3(double v) { return fmt(v, 3); }

Figures run_one(const Options& o, const std::string& dir, const std::string& sync) {
  Figures f;
  f.sync = sync;
  std::printf("== [daemon] sync = \"%s\"%s\n", sync.c_str(),
              sync == "full" ? " (SQLite synchronous=FULL, the default)" : " (SQLite synchronous=NORMAL)");
  std::fflush(stdout);
  Daemon d(o.bvlived, o.bvlive, dir, config_for(sync));
  d.start();
  f.ready_ms = d.ready_ms();
  // A dark chatroom while live (it is open from creation: WAIT_FOR_PREVIEW is in the live phase).
  const std::string live = d.create_live({"--name", "bench chat", "--chat-live", "dark"});
  std::printf("[start] bvlived pid %d, http port %d (from daemon.status), ready %.0f ms after fork; live %s\n",
              d.pid(), d.http_port(), f.ready_ms, live.c_str());
  std::fflush(stdout);

  std::random_device rd;
  const std::uint64_t salt = (static_cast<std::uint64_t>(rd()) << 32) | rd();
  Client poster(d.http_port(), live, salt);
  std::uint64_t posted = 0;

  fan_out(o, d, live, poster, posted, f);
  std::printf("[fan-out] %d viewers' event streams open in %.0f ms; %d messages at %d/s over %.1f s\n", o.viewers,
              f.connect_ms, o.messages, o.rate, f.fanout_s);
  std::printf("  delivery (POST written -> event read), %zu pairs: p50 %s  p95 %s  p99 %s  max %s ms; missing %zu\n",
              f.delivery.n, ms3(f.delivery.p50).c_str(), ms3(f.delivery.p95).c_str(), ms3(f.delivery.p99).c_str(),
              ms3(f.delivery.max).c_str(), f.missing);
  std::printf("  per message, its first viewer: p50 %s  p95 %s ms; its last viewer: p50 %s  p95 %s ms\n",
              ms3(f.first_viewer.p50).c_str(), ms3(f.first_viewer.p95).c_str(), ms3(f.last_viewer.p50).c_str(),
              ms3(f.last_viewer.p95).c_str());
  std::printf("  paced POST round trip (with %d viewers): p50 %s  p95 %s  max %s ms\n", o.viewers,
              ms3(f.paced_rtt.p50).c_str(), ms3(f.paced_rtt.p95).c_str(), ms3(f.paced_rtt.max).c_str());
  std::fflush(stdout);
  if (f.missing || f.duplicates || f.wrong_text)
    throw d.broken("delivered the chat events wrongly: " + std::to_string(f.missing) + " of " +
                   std::to_string(f.expected) + " (viewer, message) deliveries missing 10 s after the last post, " +
                   std::to_string(f.duplicates) + " duplicated, " + std::to_string(f.wrong_text) +
                   " with another text than posted");
  if (!d.running()) throw d.broken("died during the fan-out (" + d.exit_text() + ")");

  post_cost(o, poster, posted, f);
  std::printf("[post] %d back-to-back posts, one keep-alive connection, no viewer: %.0f posts/s;\n"
              "  round trip p50 %s  p95 %s  p99 %s  max %s ms\n",
              o.posts, f.posts_per_s, ms3(f.rtt.p50).c_str(), ms3(f.rtt.p95).c_str(), ms3(f.rtt.p99).c_str(),
              ms3(f.rtt.max).c_str());
  std::fflush(stdout);

  Client reader(d.http_port(), live, salt ^ 0x5a5a5a5a5a5a5a5aULL);
  history(o, reader, posted, f);
  std::printf("[history] GET /live/ID/interaction (%zu messages, %zu bytes), keep-alive, %d requests:\n"
              "  p50 %s  p95 %s  max %s ms\n",
              f.history_messages, f.history_bytes, o.history_requests, ms3(f.history.p50).c_str(),
              ms3(f.history.p95).c_str(), ms3(f.history.max).c_str());

  if (!d.running()) throw d.broken("died during the benchmark (" + d.exit_text() + ")");
  f.stop = d.stop();
  if (f.stop != "exited 0") throw d.broken("did not stop cleanly on SIGTERM (" + f.stop + ")");
  std::printf("[stop] bvlived %s\n\n", f.stop.c_str());
  std::fflush(stdout);
  return f;
}

// Enough descriptors for every viewer (the daemon, forked after this, inherits the limit).
int run(const Options& o) {
  bvbench::scrub_environment();
  // Every viewer's connection (the daemon, forked after this, inherits the limit).
  bvbench::raise_fd_limit(static_cast<rlim_t>(o.viewers) + 256, "--viewers " + std::to_string(o.viewers));
  const bvbench::WorkDir work(o.base_dir, kName, o.keep);
  const std::string& dir = work.path();

  std::printf("bench_chat: chatroom fan-out, post cost and history on a real bvlived (loopback HTTP)\n");
  bvbench::print_machine(dir, {{"bvlived", o.bvlived}, {"bvlive", o.bvlive}});
  std::printf("  viewers %d, messages %d at %d/s, back-to-back posts %d, history GETs %d (+%d warm-up each)\n",
              o.viewers, o.messages, o.rate, o.posts, o.history_requests, o.warmup);
  std::printf("  config: [chat] rate_burst = 1000, rate_interval = \"100ms\"; history 100 (default)\n\n");
  std::fflush(stdout);

  const Figures full = run_one(o, dir + "/full", "full");
  const Figures normal = run_one(o, dir + "/normal", "normal");
  const std::string end_load = loadavg();

  struct Row {
    std::string what;
    double a, b;
    int prec;
  };
  const std::string pairs = std::to_string(o.viewers) + " viewers x " + std::to_string(o.messages) + " msgs";
  const std::vector<Row> rows = {
      {"chat delivery p50 (ms), " + pairs, full.delivery.p50, normal.delivery.p50, 3},
      {"chat delivery p95 (ms)", full.delivery.p95, normal.delivery.p95, 3},
      {"chat delivery p99 (ms)", full.delivery.p99, normal.delivery.p99, 3},
      {"chat delivery max (ms)", full.delivery.max, normal.delivery.max, 3},
      {"per message, last viewer reached p50 (ms)", full.last_viewer.p50, normal.last_viewer.p50, 3},
      {"paced POST round trip p50 (ms)", full.paced_rtt.p50, normal.paced_rtt.p50, 3},
      {"back-to-back POST round trip p50 (ms)", full.rtt.p50, normal.rtt.p50, 3},
      {"back-to-back POST round trip p95 (ms)", full.rtt.p95, normal.rtt.p95, 3},
      {"posting throughput (posts/s)", full.posts_per_s, normal.posts_per_s, 0},
      {"GET /interaction p50 (ms), 100 msgs", full.history.p50, normal.history.p50, 3},
      {"GET /interaction p95 (ms)", full.history.p95, normal.history.p95, 3},
  };
  std::printf("Figures (missing deliveries: %zu of %zu with sync=full, %zu of %zu with sync=normal)\n", full.missing,
              full.expected, normal.missing, normal.expected);
  std::printf("| %-48s | %11s | %11s | %11s |\n", "figure", "sync=full", "sync=normal", "full/normal");
  std::printf("|%s|%s|%s|%s|\n", std::string(50, '-').c_str(), std::string(13, '-').c_str(),
              std::string(13, '-').c_str(), std::string(13, '-').c_str());
  for (const auto& r : rows)
    std::printf("| %-48s | %11s | %11s | %11s |\n", r.what.c_str(), fmt(r.a, r.prec).c_str(), fmt(r.b, r.prec).c_str(),
                r.b > 0 ? fmt(r.a / r.b, 2).c_str() : "-");
  std::printf("load average at end: %s\n", end_load.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  return bvbench::run_bench(kName, [&] { return run(o); });
}
