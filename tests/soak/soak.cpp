// Soak run (issue "Hours of churn ... nothing leaking"): one bvlived on loopback, N lives of
// mixed kinds (standard, LL-HLS, DVR, token-protected, AES-128) pushed over RTMP and SRT by
// ffmpeg at 320x240, walked through their lifecycle (preview, start, end, replaced by a new
// live) while encoders are killed and restarted at random and simulated viewers follow the
// playlists (players, LL-HLS blocking reloads, slow readers, viewers that vanish mid-segment,
// chat posts). Every SAMPLE seconds it prints the daemon's RSS, fds, children, SQLite + WAL
// size, held requests and state-dir disk use; at the end it checks that RSS and fds are flat,
// no session failed, every acknowledged op is kept, every listed segment is there and plays,
// and that bvlived stops cleanly (LeakSanitizer finds nothing in a sanitizer build).
//
//   soak [DURATION_S [LIVES [VIEWERS [SEED]]]]     defaults: 60 6 12, seed from the clock
//
// Exit 0 when every check holds, 1 otherwise (2: bad arguments / could not start).
// Run by `ctest -L soak` (BVLIVE_SOAK=ON) and share/scripts/soak.sh.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/http_client.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::mutex g_out;
template <class... A>
void say(A&&... a) {
  std::ostringstream o;
  (o << ... << a);
  std::lock_guard lk(g_out);
  std::cout << o.str() << std::endl;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---------------------------------------------------------------------------------------
// Lives.

enum class Kind { Standard, Ull, Dvr, Token, Aes };
const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Standard: return "standard";
    case Kind::Ull: return "ull";
    case Kind::Dvr: return "dvr";
    case Kind::Token: return "token";
    case Kind::Aes: return "aes128";
  }
  return "?";
}

struct Slot;  // one of the N places a live runs in; its live is replaced when it ends

struct LiveRecord {  // every live created: what we expect the daemon to still know
  std::string id;
  Kind kind;
  std::string protocol;
  std::string expected_state;  // after the last acknowledged op
};

struct Slot {
  int index = 0;
  std::mutex m;
  std::string id;       // current live
  Kind kind = Kind::Standard;
  std::string protocol; // rtmp | srt
  std::string push_url;
  std::string query;    // "token=..." for token lives
  bool public_live = false;  // LIVE and playable
  std::unique_ptr<BackgroundProcess> encoder;
  double ends_at = 0;   // seconds since start
  int generation = 0;
};

struct Stats {
  std::atomic<long> ops{0}, creates{0}, ends{0}, encoder_kills{0}, playlist_gets{0}, segment_gets{0},
      slow_reads{0}, vanished{0}, blocking_reloads{0}, chat_posts{0}, chat_refused{0}, http_errors{0},
      unexpected_status{0};
};

struct Sample {
  double t = 0;
  long rss_kb = 0;
  long fds = 0;
  long children = 0;
  long db_bytes = 0, wal_bytes = 0;
  long held = -1;
  long disk_bytes = 0;
};

long file_size(const std::string& p) {
  std::error_code ec;
  auto s = fs::file_size(p, ec);
  return ec ? 0 : static_cast<long>(s);
}

long dir_bytes(const std::string& p) {
  long total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec), end; it != end;
       it.increment(ec)) {
    if (ec) break;
    std::error_code e2;
    if (it->is_regular_file(e2)) total += static_cast<long>(it->file_size(e2));
  }
  return total;
}

long rss_kb_of(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

long fds_of(pid_t pid) {
  long n = 0;
  std::error_code ec;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; it != end; it.increment(ec)) {
    if (ec) break;
    ++n;
  }
  return n;
}

long metric(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + " ", 0) == 0 || line.rfind(name + "{", 0) == 0)
      return std::atol(line.substr(line.rfind(' ') + 1).c_str());
  return -1;
}

// Least-squares slope of y over t (per second).
double slope(const std::vector<std::pair<double, double>>& pts) {
  if (pts.size() < 2) return 0;
  double st = 0, sy = 0;
  for (auto& [t, y] : pts) st += t, sy += y;
  const double mt = st / pts.size(), my = sy / pts.size();
  double num = 0, den = 0;
  for (auto& [t, y] : pts) num += (t - mt) * (y - my), den += (t - mt) * (t - mt);
  return den == 0 ? 0 : num / den;
}

// ---------------------------------------------------------------------------------------
// A raw HTTP GET for the slow and vanishing readers: headers, then the body at our pace.

int connect_tcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  int small = 4096;  // a small receive buffer, so a slow reader really holds the server back
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// mode 0: slow (read all in 2 KiB pieces with sleeps); mode 1: vanish after half the body.
// Returns the status, or -1 on a network error.
int raw_get(int port, const std::string& target, int mode, std::mt19937& rng) {
  const int fd = connect_tcp(port);
  if (fd < 0) return -1;
  const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return -1;
  }
  std::string buf;
  char tmp[2048];
  std::size_t hdr_end = std::string::npos;
  while (hdr_end == std::string::npos) {
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    buf.append(tmp, static_cast<std::size_t>(n));
    hdr_end = buf.find("\r\n\r\n");
  }
  const int status = std::atoi(buf.c_str() + 9);
  long length = -1;
  {
    std::string lower = buf.substr(0, hdr_end);
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    const auto p = lower.find("content-length:");
    if (p != std::string::npos) length = std::atol(lower.c_str() + p + 15);
  }
  long got = static_cast<long>(buf.size() - hdr_end - 4);
  const long want = mode == 1 && length > 0 ? length / 2 : length;
  std::uniform_int_distribution<int> pause(5, 30);
  while (want < 0 || got < want) {
    const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) break;
    got += n;
    if (mode == 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
  }
  ::close(fd);  // the vanishing reader leaves with half the body unread
  return status;
}

std::string strip_query(const std::string& uri) { return uri.substr(0, uri.find('?')); }
std::string with_query(const std::string& uri, const std::string& query) {
  if (query.empty() || uri.find('?') != std::string::npos) return uri;
  return uri + "?" + query;
}

// "#EXT-X-MEDIA-SEQUENCE:N" -> N
long media_sequence(const std::string& playlist) {
  const auto l = playlist_lines(playlist, "#EXT-X-MEDIA-SEQUENCE:");
  return l.empty() ? 0 : std::atol(l[0].c_str() + 22);
}

// Parts listed after the last full segment (for the next _HLS_part).
int trailing_parts(const std::string& playlist) {
  std::istringstream in(playlist);
  std::string line;
  int parts = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("#EXT-X-PART:", 0) == 0) ++parts;
    else if (!line.empty() && line[0] != '#') parts = 0;
  }
  return parts;
}

// ---------------------------------------------------------------------------------------

struct Soak {
  Soak(int duration, int lives, int viewers, unsigned seed_)
      : duration_s(duration), n_lives(lives), n_viewers(viewers), seed(seed_),
        sample_every(duration <= 120 ? 10.0 : 30.0), warmup_s(std::max(20.0, duration / 4.0)) {}
  int duration_s, n_lives, n_viewers;
  unsigned seed;
  double sample_every;
  double warmup_s;
  TempDir dir{"bvlive-soak"};
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;
  std::vector<std::unique_ptr<Slot>> slots;
  std::mutex records_m;
  std::vector<LiveRecord> records;
  Stats stats;
  std::atomic<bool> stop_viewers{false}, stop_churn{false}, stop_sampler{false};
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::mutex samples_m;
  std::vector<Sample> samples;
  std::vector<std::string> failures;
  std::mutex fail_m;
  int kind_counter = 0;

  void fail(const std::string& what) {
    std::lock_guard lk(fail_m);
    failures.push_back(what);
    say("FAIL: ", what);
  }

  std::string http(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  void record_state(const std::string& id, const std::string& state) {
    std::lock_guard lk(records_m);
    for (auto& r : records)
      if (r.id == id) r.expected_state = state;
  }

  // Creates, previews and pushes a new live into `s` (s.m held by the caller).
  void launch(Slot& s, std::mt19937& rng) {
    const Kind kind = static_cast<Kind>(kind_counter++ % 5);
    const std::string protocol = (s.generation + s.index) % 2 == 0 ? "rtmp" : "srt";
    std::vector<std::string> args{"--json", "create", "--name", "soak " + std::to_string(s.index) + "." +
                                                                   std::to_string(s.generation),
                                  "--ingest", protocol, "--chat-live", "dark"};
    switch (kind) {
      case Kind::Standard: break;
      case Kind::Ull: args.push_back("--ull"); break;
      case Kind::Dvr: args.insert(args.end(), {"--broadcast-mode", "dvr"}); break;
      case Kind::Token: args.insert(args.end(), {"--privacy", "token"}); break;
      case Kind::Aes: args.insert(args.end(), {"--protection", "aes-128"}); break;
    }
    const json created = cli->json(std::vector<std::string>(args.begin() + 1, args.end()));
    const std::string id = created["live"]["id"].get<std::string>();
    ++stats.ops, ++stats.creates;
    {
      std::lock_guard lk(records_m);
      records.push_back({id, kind, protocol, created["live"]["state"].get<std::string>()});
    }
    RunResult r = cli->run({"preview", id});
    if (r.code != 0) throw std::runtime_error("preview failed: " + r.describe());
    ++stats.ops;
    record_state(id, "PREVIEW");
    const json live = live_of(*cli, id);
    std::string url = live["urls"][protocol].get<std::string>();
    if (protocol == "srt") url += "&latency=120000";
    s.id = id;
    s.kind = kind;
    s.protocol = protocol;
    s.push_url = url;
    s.public_live = false;
    s.query.clear();
    if (kind == Kind::Token) {
      RunResult t = cli->run({"-q", "token", id, "--ttl", "24h"});
      if (t.code != 0) throw std::runtime_error("token failed: " + t.describe());
      s.query = "token=" + first_line(t.out);
    }
    start_encoder(s);
    // Lifetime: a third to two thirds of the run (so each slot turns over once or twice), at least 25 s.
    std::uniform_real_distribution<double> life(std::max(25.0, duration_s / 3.0), std::max(35.0, duration_s * 2 / 3.0));
    s.ends_at = since(t0) + life(rng);
    ++s.generation;
    say("[", fmt_t(), "] live ", s.index, ": created ", id, " (", kind_name(kind), ", ", protocol, ")");
  }

  static std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

  std::string fmt_t() const {
    char b[32];
    std::snprintf(b, sizeof b, "%7.1fs", since(t0));
    return b;
  }

  void start_encoder(Slot& s) {
    s.encoder = std::make_unique<BackgroundProcess>(
        encoder_argv(s.push_url, s.protocol == "rtmp" ? "flv" : "mpegts", "320x240"),
        dir / ("encoder-" + std::to_string(s.index) + "-" + std::to_string(s.generation) + ".log"));
  }

  bool newest_session_live(const std::string& id) {
    try {
      const json ss = cli->json({"sessions", id})["sessions"];
      return !ss.empty() && ss[0]["state"] == "LIVE";
    } catch (...) {
      return false;
    }
  }

  // One churn step on a slot: start when its session is LIVE, end when its time is up
  // (and replace it), restart a dead encoder.
  void tend(Slot& s, std::mt19937& rng) {
    std::lock_guard lk(s.m);
    if (!s.public_live) {
      if (newest_session_live(s.id)) {
        RunResult r = cli->run({"start", s.id});
        if (r.code != 0) {
          fail("start " + s.id + ": " + r.describe());
          return;
        }
        ++stats.ops;
        record_state(s.id, "LIVE");
        s.public_live = true;
        say("[", fmt_t(), "] live ", s.index, ": started ", s.id);
      }
    } else if (since(t0) >= s.ends_at && !stop_churn) {
      s.public_live = false;
      RunResult r = cli->run({"end", s.id});
      if (r.code != 0) {
        fail("end " + s.id + ": " + r.describe());
      } else {
        ++stats.ops, ++stats.ends;
        record_state(s.id, state_of(*cli, s.id));  // LIVE_END (no live_vod)
        say("[", fmt_t(), "] live ", s.index, ": ended ", s.id, " -> ", state_of(*cli, s.id));
      }
      if (s.encoder) s.encoder->stop(SIGINT, 5s);
      s.encoder.reset();
      launch(s, rng);
      return;
    }
    if (s.encoder && !s.encoder->running()) start_encoder(s);  // the encoder died (or was killed): reconnect
  }

  void churn_loop() {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> u(0, 1);
    double next_kill = 8 + u(rng) * 6;
    while (!stop_churn) {
      for (auto& s : slots) {
        try {
          tend(*s, rng);
        } catch (const std::exception& e) {
          fail(std::string("churn: ") + e.what());
        }
      }
      if (since(t0) > next_kill && !stop_churn) {
        auto& s = *slots[std::uniform_int_distribution<std::size_t>(0, slots.size() - 1)(rng)];
        std::lock_guard lk(s.m);
        if (s.encoder && s.encoder->running()) {
          const int sig = u(rng) < 0.5 ? SIGKILL : SIGTERM;
          s.encoder->stop(sig, 5s);
          ++stats.encoder_kills;
          say("[", fmt_t(), "] live ", s.index, ": encoder of ", s.id, " killed (signal ", sig, "), reconnects");
          // it is restarted on the next tend(), 0.5 s from now
        }
        next_kill = since(t0) + 4 + u(rng) * 8;
      }
      std::this_thread::sleep_for(500ms);
    }
  }

  // A snapshot of a playable live for a viewer: id, query, kind.
  bool pick_live(std::mt19937& rng, std::string& id, std::string& query, Kind& kind) {
    std::vector<Slot*> live;
    for (auto& s : slots) {
      std::lock_guard lk(s->m);
      if (s->public_live) live.push_back(s.get());
    }
    if (live.empty()) return false;
    Slot* s = live[std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng)];
    std::lock_guard lk(s->m);
    id = s->id, query = s->query, kind = s->kind;
    return s->public_live;
  }

  // One viewer: follows a live for a while like a player, then moves on. Role by index:
  // 0 player, 1 slow reader, 2 vanishing reader, 3 player that also chats.
  void viewer_loop(int index) {
    std::mt19937 rng(seed + 1000 + static_cast<unsigned>(index));
    const int role = index % 4;
    while (!stop_viewers) {
      std::string id, query;
      Kind kind;
      if (!pick_live(rng, id, query, kind)) {
        std::this_thread::sleep_for(500ms);
        continue;
      }
      const std::string base = "/live/" + id + "/";
      try {
        HttpReply master = http_get(http(base + with_query("index.m3u8", query)));
        ++stats.playlist_gets;
        if (master.status != 200) {  // the live just ended: pick another
          std::this_thread::sleep_for(300ms);
          continue;
        }
        const auto variants = playlist_uris(master.body);
        if (variants.empty()) continue;
        const std::string media_uri = base + with_query(variants.front(), query);
        std::optional<HttpClient> chatter;
        if (role == 3) {
          chatter.emplace(ports.http, query);
          // Each chatter its own address, as real viewers are: posting limits are per viewer.
          chatter->set_source_address("127.0.0." + std::to_string(2 + index % 250));
          chatter->get(base + "interaction");
        }
        std::map<std::string, bool> seen;
        long next_msn = -1;
        int next_part = 0;
        const double follow_until = since(t0) + std::uniform_real_distribution<double>(10, 30)(rng);
        bool first = true;
        while (!stop_viewers && since(t0) < follow_until) {
          std::string target = media_uri;
          const bool blocking = kind == Kind::Ull && next_msn >= 0;
          if (blocking) {
            target += (target.find('?') == std::string::npos ? "?" : "&");
            target += "_HLS_msn=" + std::to_string(next_msn) + "&_HLS_part=" + std::to_string(next_part);
          }
          HttpReply media = http_request(http(target), "GET", {}, "", 15s);
          ++stats.playlist_gets;
          if (blocking) ++stats.blocking_reloads;
          if (media.status == 503 && blocking) {  // the wait passed: reload without blocking
            next_msn = -1;
            continue;
          }
          if (media.status != 200) break;  // ended
          const auto uris = playlist_uris(media.body);
          if (kind == Kind::Ull) {
            next_msn = media_sequence(media.body) + static_cast<long>(uris.size());
            next_part = trailing_parts(media.body);
          }
          // A player starts near the live edge: the last three segments, then every new one.
          std::size_t from = first && uris.size() > 3 ? uris.size() - 3 : 0;
          first = false;
          for (std::size_t i = from; i < uris.size() && !stop_viewers; ++i) {
            const std::string& u = uris[i];
            if (seen.count(strip_query(u))) continue;
            seen[strip_query(u)] = true;
            const std::string seg = base + with_query(u, query);
            if (role == 1 || role == 2) {
              const int st = raw_get(ports.http, seg, role == 1 ? 0 : 1, rng);
              ++(role == 1 ? stats.slow_reads : stats.vanished);
              if (st == -1) ++stats.http_errors;
            } else {
              HttpReply r = http_get(http(seg));
              ++stats.segment_gets;
              if (r.status != 200 && r.status != 404 && r.status != 410) {
                ++stats.unexpected_status;
                say("viewer ", index, ": ", seg, " -> ", r.status);
              }
            }
          }
          if (chatter && std::uniform_int_distribution<int>(0, 9)(rng) == 0) {
            const HttpResponse p = chatter->post_json(
                base + "chat", json{{"name", "viewer" + std::to_string(index)}, {"text", "hello " + std::to_string(stats.chat_posts.load())}}.dump());
            if (p.status == 201) ++stats.chat_posts;
            else if (++stats.chat_refused <= 3)  // 429 (rate limit) or the live ended: show the first few
              say("viewer ", index, ": chat post on ", id, " refused: ", p.describe());
          }
          if (kind != Kind::Ull) std::this_thread::sleep_for(1000ms);
        }
      } catch (const std::exception& e) {
        ++stats.http_errors;
      }
    }
  }

  Sample take_sample() {
    Sample s;
    const pid_t pid = daemon->pid();
    s.t = since(t0);
    s.rss_kb = rss_kb_of(pid);
    s.fds = fds_of(pid);
    s.children = static_cast<long>(children_of(pid).size());
    s.db_bytes = file_size(daemon->state_dir() + "/bvlive.db");
    s.wal_bytes = file_size(daemon->state_dir() + "/bvlive.db-wal");
    try {
      s.held = metric(http_get(http("/metrics")).body, "bvlive_http_held_requests");
    } catch (...) {
    }
    s.disk_bytes = dir_bytes(daemon->state_dir());
    return s;
  }

  void print_sample(const Sample& s, const char* tag = "") {
    char b[256];
    std::snprintf(b, sizeof b,
                  "sample t=%6.1fs rss=%ld kB fds=%ld children=%ld db=%ld wal=%ld held=%ld disk=%.1f MB%s", s.t,
                  s.rss_kb, s.fds, s.children, s.db_bytes, s.wal_bytes, s.held, s.disk_bytes / 1e6, tag);
    say(b);
  }

  void sampler_loop() {
    double next = sample_every;
    while (!stop_sampler) {
      if (since(t0) >= next) {
        Sample s = take_sample();
        print_sample(s);
        std::lock_guard lk(samples_m);
        samples.push_back(s);
        next += sample_every;
      }
      std::this_thread::sleep_for(200ms);
    }
  }

  // ffmpeg decodes one segment of `id` (init + that segment, keys fetched as a player does).
  bool plays_one_segment(const std::string& id, const std::string& query, const std::string& media_body,
                         const std::string& segment_uri) {
    const std::string base = http("/live/" + id + "/");
    auto absolute = [&](const std::string& uri) {
      return uri.rfind("http", 0) == 0 ? uri : base + with_query(uri, query);
    };
    std::ostringstream pl;
    std::istringstream in(media_body);
    std::string line, extinf;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("#EXTM3U", 0) == 0 || line.rfind("#EXT-X-VERSION", 0) == 0 ||
          line.rfind("#EXT-X-TARGETDURATION", 0) == 0 || line.rfind("#EXT-X-MAP:", 0) == 0 ||
          line.rfind("#EXT-X-KEY:", 0) == 0) {
        const auto p = line.find("URI=\"");
        if (p != std::string::npos) {
          const auto q = line.find('"', p + 5);
          line = line.substr(0, p + 5) + absolute(line.substr(p + 5, q - p - 5)) + line.substr(q);
        }
        pl << line << "\n";
      } else if (line.rfind("#EXTINF:", 0) == 0) {
        extinf = line;
      } else if (!line.empty() && line[0] != '#' && line == segment_uri) {
        pl << extinf << "\n" << absolute(line) << "\n";
        break;
      }
    }
    pl << "#EXT-X-ENDLIST\n";
    const std::string path = dir / ("probe-" + id + ".m3u8");
    write_file(path, pl.str());
    RunResult r = run({"ffmpeg", "-v", "error", "-nostdin", "-protocol_whitelist", "file,http,tcp,crypto",
                       "-allowed_extensions", "ALL", "-i", path, "-map", "0", "-f", "null", "-"},
                      with_timeout(60s));
    if (r.code != 0 || !r.err.empty()) {
      fail("ffmpeg could not play a segment of " + id + ":\n" + pl.str() + r.describe());
      return false;
    }
    RunResult p = run({"ffprobe", "-v", "error", "-protocol_whitelist", "file,http,tcp,crypto", "-allowed_extensions",
                       "ALL", "-show_streams", "-of", "json", path},
                      with_timeout(60s));
    bool video = false, audio = false;
    try {
      const json streams = json::parse(p.out)["streams"];
      for (const auto& st : streams) {
        video |= st["codec_name"] == "h264" && st["width"] == 320 && st["height"] == 240;
        audio |= st["codec_name"] == "aac";
      }
    } catch (...) {
    }
    if (!video || !audio) fail("ffprobe of a segment of " + id + " lacks h264 320x240 + aac:" + p.describe());
    return video && audio;
  }

  int main() {
    say("soak: duration ", duration_s, " s, lives ", n_lives, ", viewers ", n_viewers, ", seed ", seed,
        ", sample every ", sample_every, " s, warm-up ", warmup_s, " s, dir ", dir.path());
    // A comfortable chat rate so the chatters are rarely refused; the rest is the default config.
    write_file(dir / "bvlived.toml", "[chat]\nrate_burst = 1000\n");
    DaemonOptions options;
    options.config = dir / "bvlived.toml";
    daemon = std::make_unique<DaemonProcess>(dir.path(), options);
    daemon->start();
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
    say("bvlived pid ", daemon->pid(), ", http ", ports.http, ", rtmp ", ports.rtmp, ", srt ", ports.srt);

    std::mt19937 rng(seed);
    for (int i = 0; i < n_lives; ++i) {
      slots.push_back(std::make_unique<Slot>());
      slots.back()->index = i;
      std::lock_guard lk(slots.back()->m);
      launch(*slots.back(), rng);
    }
    std::thread churn([this] { churn_loop(); });
    std::thread sampler([this] { sampler_loop(); });
    std::vector<std::thread> viewers;
    for (int i = 0; i < n_viewers; ++i) viewers.emplace_back([this, i] { viewer_loop(i); });

    while (since(t0) < duration_s) std::this_thread::sleep_for(200ms);

    // The end: viewers go away; churn stops replacing lives; every encoder runs again.
    stop_viewers = true;
    for (auto& v : viewers) v.join();
    stop_churn = true;
    churn.join();
    stop_sampler = true;
    sampler.join();
    const double viewers_stopped = since(t0);
    for (auto& s : slots) {
      std::lock_guard lk(s->m);
      if (s->encoder && !s->encoder->running()) start_encoder(*s);
    }
    for (auto& s : slots) {
      poll_until([&] { return newest_session_live(s->id); }, 30s, 500ms);
      std::lock_guard lk(s->m);
      if (!s->public_live && newest_session_live(s->id)) {  // previewed but not started yet: start it
        if (cli->run({"start", s->id}).code == 0) ++stats.ops, record_state(s->id, "LIVE"), s->public_live = true;
      }
    }
    // Let the connections the viewers left close (the daemon's idle timeout) before the quiet sample.
    poll_until([&] { return metric(http_get(http("/metrics")).body, "bvlive_http_connections") <= 1; }, 30s, 500ms);
    std::this_thread::sleep_for(2s);
    const Sample quiet = take_sample();
    print_sample(quiet, "  (viewers gone, every encoder connected)");

    // --- checks -------------------------------------------------------------------------
    // Resources: the first sample after the warm-up is the baseline.
    std::vector<Sample> after;
    for (const auto& s : samples)
      if (s.t >= warmup_s) after.push_back(s);
    const Sample base = after.empty() ? (samples.empty() ? quiet : samples.back()) : after.front();
    const long fd_bound = base.fds + 5;
    if (quiet.fds > fd_bound)
      fail("fds " + std::to_string(quiet.fds) + " once viewers stopped > first post-warm-up " +
           std::to_string(base.fds) + " + 5");
    // RSS over the second half of the run: the last in-run sample vs the sample at half time.
    Sample mid = base, last = after.empty() ? quiet : after.back();
    for (const auto& s : after)
      if (s.t <= std::max(warmup_s, duration_s / 2.0)) mid = s;
    const double rss_growth = mid.rss_kb > 0 ? double(last.rss_kb - mid.rss_kb) / mid.rss_kb : 0;
    if (rss_growth > 0.10)
      fail("RSS grew " + std::to_string(int(rss_growth * 100)) + "% over the second half (" +
           std::to_string(mid.rss_kb) + " -> " + std::to_string(last.rss_kb) + " kB), bound 10%");
    std::vector<std::pair<double, double>> rss_pts, fd_pts;
    for (const auto& s : after) rss_pts.push_back({s.t, double(s.rss_kb)}), fd_pts.push_back({s.t, double(s.fds)});
    if (quiet.held > 0) fail("held requests " + std::to_string(quiet.held) + " with no viewer left");

    // Every created live is there with the state of its last acknowledged op; no session failed.
    int sessions_checked = 0;
    for (const auto& r : records) {
      const std::string st = state_of(*cli, r.id);
      if (st != r.expected_state) fail("live " + r.id + " is '" + st + "', expected " + r.expected_state);
      try {
        const json sessions = cli->json({"sessions", r.id})["sessions"];
        for (const auto& s : sessions) {
          ++sessions_checked;
          if (s["state"] == "ERROR" || (s.contains("error") && !s["error"].is_null() && s["error"] != ""))
            fail("session of " + r.id + " failed: " + s.dump());
        }
      } catch (const std::exception& e) {
        fail(std::string("sessions ") + r.id + ": " + e.what());
      }
    }

    // Every segment in each current live's media playlist is on disk and served; one plays.
    int segments_checked = 0, lives_played = 0;
    for (auto& s : slots) {
      if (!s->public_live) {
        fail("live " + s->id + " never became LIVE");
        continue;
      }
      const std::string base_path = "/live/" + s->id + "/";
      HttpReply master = http_get(http(base_path + with_query("index.m3u8", s->query)));
      const auto v = playlist_uris(master.body);
      if (master.status != 200 || v.empty()) {
        fail("master playlist of " + s->id + ":" + master.describe());
        continue;
      }
      HttpReply media = http_get(http(base_path + with_query(v.front(), s->query)));
      const auto uris = playlist_uris(media.body);
      if (media.status != 200 || uris.empty()) {
        fail("media playlist of " + s->id + ":" + media.describe());
        continue;
      }
      for (const auto& u : uris) {
        const std::string file = daemon->state_dir() + "/media/" + s->id + "/" + strip_query(u);
        if (!path_exists(file)) fail("listed segment not on disk: " + file);
        HttpReply seg = http_get(http(base_path + with_query(u, s->query)));
        if (seg.status != 200 || seg.body.empty()) fail("listed segment " + s->id + "/" + u + " -> " + std::to_string(seg.status));
        ++segments_checked;
      }
      if (plays_one_segment(s->id, s->query, media.body, uris.back())) ++lives_played;
    }

    // Encoders off; bvlived stops on SIGTERM with exit 0 (and no LeakSanitizer report).
    for (auto& s : slots)
      if (s->encoder) s->encoder->stop(SIGINT, 5s);
    const int rc = daemon->stop(30s);
    const std::string log = daemon->log();
    if (rc != 0) fail("bvlived exited " + std::to_string(rc) + " on SIGTERM");
    for (const char* bad : {"LeakSanitizer", "AddressSanitizer", "runtime error:"})
      if (log.find(bad) != std::string::npos) fail(std::string("bvlived log mentions ") + bad + " (see " + daemon->log_path() + ")");

    // --- summary ------------------------------------------------------------------------
    std::ostringstream o;
    o << "\n=== soak summary (seed " << seed << ") ===\n"
      << "duration " << duration_s << " s (viewers stopped at " << int(viewers_stopped) << " s), lives " << n_lives
      << " at a time, " << records.size() << " created, viewers " << n_viewers << "\n"
      << "ops " << stats.ops << " (creates " << stats.creates << ", ends " << stats.ends << "), encoder kills "
      << stats.encoder_kills << "\n"
      << "viewer traffic: playlists " << stats.playlist_gets << " (blocking " << stats.blocking_reloads
      << "), segments " << stats.segment_gets << ", slow reads " << stats.slow_reads << ", vanished "
      << stats.vanished << ", chat posts " << stats.chat_posts << " (refused " << stats.chat_refused
      << "), network errors " << stats.http_errors << ", unexpected statuses " << stats.unexpected_status << "\n"
      << "checked: " << records.size() << " lives, " << sessions_checked << " sessions, " << segments_checked
      << " segments, " << lives_played << "/" << n_lives << " lives played a segment\n"
      << "RSS kB: first " << (samples.empty() ? 0 : samples.front().rss_kb) << ", post-warm-up " << base.rss_kb
      << ", mid " << mid.rss_kb << ", last " << last.rss_kb << ", quiet " << quiet.rss_kb << "; slope "
      << slope(rss_pts) * 60 << " kB/min; second-half growth " << int(rss_growth * 1000) / 10.0
      << "% (bound 10%)\n"
      << "fds: first " << (samples.empty() ? 0 : samples.front().fds) << ", post-warm-up " << base.fds << ", last "
      << last.fds << ", quiet " << quiet.fds << " (bound " << fd_bound << " = post-warm-up + 5); slope "
      << slope(fd_pts) * 60 << " /min\n"
      << "db " << quiet.db_bytes << " B, wal " << quiet.wal_bytes << " B, state dir " << quiet.disk_bytes / 1e6
      << " MB, children " << quiet.children << ", held " << quiet.held << "\n"
      << "bvlived exit " << rc << "\n"
      << (failures.empty() ? "PASS" : "FAIL: " + std::to_string(failures.size()) + " check(s) failed") << "\n";
    say(o.str());
    return failures.empty() ? 0 : 1;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // The daemon inherits this: a small ASan quarantine, so its RSS follows its live heap
  // rather than the quarantine filling up (256 MB by default) during the run.
  {
    std::string asan = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "detect_leaks=1";
    if (asan.find("quarantine_size_mb") == std::string::npos) asan += ":quarantine_size_mb=16";
    ::setenv("ASAN_OPTIONS", asan.c_str(), 1);
  }
  try {
    const int duration = argc > 1 ? std::stoi(argv[1]) : 60;
    const int lives = argc > 2 ? std::stoi(argv[2]) : 6;
    const int viewers = argc > 3 ? std::stoi(argv[3]) : 12;
    const unsigned seed = argc > 4 ? static_cast<unsigned>(std::stoul(argv[4]))
                                   : static_cast<unsigned>(std::chrono::system_clock::now().time_since_epoch().count());
    if (duration < 30 || lives < 1 || viewers < 0) {
      std::cerr << "usage: soak [DURATION_S>=30 [LIVES>=1 [VIEWERS>=0 [SEED]]]]\n";
      return 2;
    }
    Soak soak(duration, lives, viewers, seed);
    return soak.main();
  } catch (const std::exception& e) {
    std::cerr << "soak: " << e.what() << "\n";
    return 2;
  }
}
