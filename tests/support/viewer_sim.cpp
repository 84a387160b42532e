#include "support/viewer_sim.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace bvtest {

namespace {

using Clock = std::chrono::steady_clock;
using SysClock = std::chrono::system_clock;
using std::chrono::milliseconds;

constexpr auto kHeld = milliseconds(100);
constexpr std::size_t kMaxRetryReasons = 20;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string path_of(const std::string& target) { return target.substr(0, target.find('?')); }

// A playlist URI resolved against the target of the playlist that lists it: relative to its
// directory, its own query kept exactly as written (tokens and device ids ride in it).
std::string resolve(const std::string& base, const std::string& uri) {
  if (uri.starts_with("http://") || uri.starts_with("https://")) {
    const std::size_t slash = uri.find('/', uri.find("//") + 2);
    return slash == std::string::npos ? "/" : uri.substr(slash);
  }
  if (uri.starts_with("/")) return uri;
  const std::string path = path_of(base);
  std::string dir = path.substr(0, path.rfind('/') + 1);
  std::string rest = uri;
  while (rest.starts_with("../") || rest.starts_with("./")) {
    if (rest.starts_with("./")) {
      rest.erase(0, 2);
      continue;
    }
    rest.erase(0, 3);
    if (dir.size() > 1) dir = dir.substr(0, dir.rfind('/', dir.size() - 2) + 1);
  }
  return dir + rest;
}

// The value of attribute `name` in a tag line (quoted or not), or "".
std::string attribute(const std::string& line, const std::string& name) {
  std::size_t at = 0;
  for (;;) {
    at = line.find(name + "=", at);
    if (at == std::string::npos) return "";
    if (at > 0 && (line[at - 1] == ':' || line[at - 1] == ',')) break;
    at += name.size();
  }
  const std::size_t begin = at + name.size() + 1;
  if (begin < line.size() && line[begin] == '"') {
    const std::size_t end = line.find('"', begin + 1);
    return line.substr(begin + 1, end == std::string::npos ? std::string::npos : end - begin - 1);
  }
  const std::size_t end = line.find(',', begin);
  return line.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

struct Segment {
  std::int64_t msn = 0;
  std::string uri;               // resolved target
  std::string map;               // resolved target of its EXT-X-MAP ("" = none)
  double duration = 0;           // EXTINF
  std::vector<std::string> parts;  // resolved targets of the parts listed for it
  std::vector<double> part_durations;
};

// What a player needs of a playlist (master or media). URIs are resolved targets.
struct Playlist {
  bool master = false;
  std::string first_variant;
  double target = 6;
  std::int64_t media_sequence = 0;
  std::int64_t skipped = 0;
  bool endlist = false;
  bool can_block = false;
  std::vector<Segment> segments;
  std::vector<std::string> open_parts;  // parts of the segment after the last one listed
  std::vector<double> open_durations;
  std::string open_map;                 // the map in effect after the last segment
  std::string hint;                     // EXT-X-PRELOAD-HINT TYPE=PART ("" = none)

  std::int64_t first_msn() const { return media_sequence + skipped; }
  std::int64_t last_msn() const { return first_msn() + static_cast<std::int64_t>(segments.size()) - 1; }
  const Segment* find(std::int64_t msn) const {
    const std::int64_t i = msn - first_msn();
    return i >= 0 && i < static_cast<std::int64_t>(segments.size()) ? &segments[static_cast<std::size_t>(i)] : nullptr;
  }
  // The hinted part's position: the next part of the open segment.
  std::pair<std::int64_t, int> hint_position() const { return {last_msn() + 1, static_cast<int>(open_parts.size())}; }
};

Playlist parse_playlist(const std::string& text, const std::string& base) {
  Playlist pl;
  std::istringstream in(text);
  std::string line;
  bool variant_next = false;
  std::string map;
  std::vector<std::string> pending;
  std::vector<double> pending_durations;
  double duration = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] != '#') {
      if (variant_next) {
        if (pl.first_variant.empty()) pl.first_variant = resolve(base, line);
        variant_next = false;
        continue;
      }
      if (pl.master) continue;
      Segment s;
      s.msn = pl.first_msn() + static_cast<std::int64_t>(pl.segments.size());
      s.uri = resolve(base, line);
      s.map = map;
      s.duration = duration;
      s.parts = std::exchange(pending, {});
      s.part_durations = std::exchange(pending_durations, {});
      pl.segments.push_back(std::move(s));
    } else if (line.starts_with("#EXT-X-STREAM-INF")) {
      pl.master = true;
      variant_next = true;
    } else if (line.starts_with("#EXT-X-TARGETDURATION:")) {
      pl.target = std::atof(line.c_str() + 22);
    } else if (line.starts_with("#EXT-X-MEDIA-SEQUENCE:")) {
      pl.media_sequence = std::atoll(line.c_str() + 22);
    } else if (line.starts_with("#EXT-X-SKIP:")) {
      pl.skipped = std::atoll(attribute(line, "SKIPPED-SEGMENTS").c_str());
    } else if (line == "#EXT-X-ENDLIST") {
      pl.endlist = true;
    } else if (line.starts_with("#EXT-X-SERVER-CONTROL:")) {
      pl.can_block = attribute(line, "CAN-BLOCK-RELOAD") == "YES";
    } else if (line.starts_with("#EXT-X-MAP:")) {
      map = resolve(base, attribute(line, "URI"));
    } else if (line.starts_with("#EXT-X-PART:")) {
      pending.push_back(resolve(base, attribute(line, "URI")));
      pending_durations.push_back(std::atof(attribute(line, "DURATION").c_str()));
    } else if (line.starts_with("#EXTINF:")) {
      duration = std::atof(line.c_str() + 8);
    } else if (line.starts_with("#EXT-X-PRELOAD-HINT:")) {
      if (attribute(line, "TYPE") == "PART") pl.hint = resolve(base, attribute(line, "URI"));
    }
  }
  pl.open_parts = std::move(pending);
  pl.open_durations = std::move(pending_durations);
  pl.open_map = map;
  return pl;
}

// ---------------------------------------------------------------------------
// One keep-alive HTTP/1.1 connection, non-blocking, driven by the loop below.

struct Request {
  FetchKind kind = FetchKind::Playlist;
  std::int64_t msn = -1;
  int part = -1;
  std::string target;
  bool keep_body = false;  // playlists: the body is parsed; media: only counted
};

enum class ChunkState { Size, Data, DataEnd, Trailer };

struct Conn {
  int fd = -1;
  enum class State { Idle, Connecting, Sending, Receiving } state = State::Idle;
  bool reused = false;       // the request went on a connection that already answered one
  bool resent = false;       // already reconnected once for a stale keep-alive connection
  Request req;
  std::string out;
  std::size_t sent = 0;
  std::string in;
  std::size_t received = 0;  // bytes of this answer so far
  Clock::time_point started, deadline;
  // The answer being parsed.
  bool head_done = false;
  int status = 0;
  bool chunked = false;
  std::int64_t remaining = -1;  // Content-Length left; -1 = until close
  bool close_after = false;
  ChunkState chunk = ChunkState::Size;
  std::size_t body_bytes = 0;
  std::string body;
  std::string head;  // of the answer, for reports of answers that are not what they say

  bool busy() const { return state != State::Idle; }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
    state = State::Idle;
  }
};

struct Viewer {
  ViewerResult r;
  std::string source;
  Clock::time_point start_at, end_at;
  enum class Phase { Waiting, Master, Media, Playing, Done } phase = Phase::Waiting;
  Conn main, hint;
  Clock::time_point main_wake{}, hint_wake{};
  std::string media_target;
  Playlist pl;
  Clock::time_point pl_received{};
  bool last_reload_new = true;
  bool ll = false;
  std::set<std::string> inits;  // init segments fetched (or given up on)
  bool positioned = false;
  std::int64_t msn = 0;  // the next thing to play: segment msn ...
  int part = 0;          // ... from its part `part` (0 = its start)
  // What is known of segment `msn`'s parts: their durations (as playlists listed them) and
  // whether one was refused, to tell whether the parts fetched made up the whole segment.
  std::int64_t known_msn = -1;
  std::map<int, double> part_durations;
  bool missed_part = false;
  bool reload_now = false;  // a part was refused: the playlist held may be stale
  // The preload-hint request in flight (or last made), and its position.
  std::string hint_uri;
  std::int64_t hint_msn = -1;
  int hint_part = -1;
};

class Sim {
 public:
  explicit Sim(const ViewerSimOptions& o) : o_(o) {}

  std::vector<ViewerResult> run();

 private:
  void step(Viewer& v, Clock::time_point now);
  void step_main(Viewer& v, Clock::time_point now);
  void step_playing(Viewer& v, Clock::time_point now);
  void step_hint(Viewer& v, Clock::time_point now);
  void normalize(Viewer& v);
  bool hint_doomed(const Viewer& v) const;
  void finish(Viewer& v);

  void send(Viewer& v, Conn& c, Request req);
  // The server had closed this idle keep-alive connection: the request again on a new one,
  // once, not an error.
  void resend(Viewer& v, Conn& c);
  void open(Viewer& v, Conn& c);
  void on_writable(Viewer& v, Conn& c);
  void on_readable(Viewer& v, Conn& c);
  bool parse(Conn& c);  // true when the answer is complete
  void fail(Viewer& v, Conn& c, const std::string& why);
  void complete(Viewer& v, Conn& c);
  void on_main_answer(Viewer& v, const Request& req, int status, std::string body, Clock::time_point now);
  void on_hint_answer(Viewer& v, const Request& req, int status, Clock::time_point now);
  void retry(Viewer& v, Conn& c, const std::string& why);
  void record(Viewer& v, const Request& req, int status, std::size_t bytes, Clock::time_point started);

  const ViewerSimOptions& o_;
  std::vector<std::unique_ptr<Viewer>> viewers_;
  std::vector<char> buffer_ = std::vector<char>(256 * 1024);  // per run: runs may go on in several threads
};

void Sim::record(Viewer& v, const Request& req, int status, std::size_t bytes, Clock::time_point started) {
  Fetch f;
  f.kind = req.kind;
  f.msn = req.msn;
  f.part = req.part;
  f.path = path_of(req.target);
  f.status = status;
  f.bytes = bytes;
  f.received = SysClock::now();
  f.held = Clock::now() - started > kHeld;
  v.r.fetches.push_back(std::move(f));
}

void Sim::open(Viewer& v, Conn& c) {
  c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c.fd < 0) return fail(v, c, std::string("socket: ") + std::strerror(errno));
  if (!v.source.empty()) {
    // Without a port yet: the kernel picks one at connect(), per destination, so that many
    // connections from one source address do not run out of ports.
    const int one = 1;
    ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    if (::inet_pton(AF_INET, v.source.c_str(), &src.sin_addr) != 1 ||
        ::bind(c.fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0)
      return fail(v, c, "bind " + v.source + ": " + std::strerror(errno));
  }
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(v.r.port));
  if (::inet_pton(AF_INET, o_.host.c_str(), &dst.sin_addr) != 1) return fail(v, c, "not an IPv4 address: " + o_.host);
  if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS)
    return fail(v, c, std::string("connect: ") + std::strerror(errno));
  c.state = Conn::State::Connecting;
  c.reused = false;
}

void Sim::send(Viewer& v, Conn& c, Request req) {
  c.req = std::move(req);
  c.out = "GET " + c.req.target + " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(v.r.port) +
          "\r\nUser-Agent: bvlive-viewer-sim\r\nAccept: */*\r\n\r\n";
  c.sent = 0;
  c.in.clear();
  c.received = 0;
  c.head_done = false;
  c.status = 0;
  c.chunked = false;
  c.remaining = -1;
  c.close_after = false;
  c.chunk = ChunkState::Size;
  c.body_bytes = 0;
  c.body.clear();
  c.resent = false;
  c.started = Clock::now();
  c.deadline = c.started + o_.request_timeout;
  if (c.fd >= 0) {
    // An idle connection has nothing to read: EOF means the server closed it (open a new
    // one), bytes mean it sent more than it announced (recorded; not read as the next answer).
    char probe[512];
    const ssize_t n = ::recv(c.fd, probe, sizeof probe, MSG_DONTWAIT | MSG_PEEK);
    if (n > 0) v.r.errors.push_back("bytes after an answer on port " + std::to_string(v.r.port) + " before GET " + c.req.target);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) c.close();
  }
  if (c.fd >= 0) {
    c.state = Conn::State::Sending;
    c.reused = true;
  } else {
    open(v, c);
  }
}

void Sim::resend(Viewer& v, Conn& c) {
  Request again = c.req;
  const auto started = c.started;
  c.close();
  send(v, c, std::move(again));
  c.started = started;
  c.resent = true;
}

void Sim::on_writable(Viewer& v, Conn& c) {
  if (c.state == Conn::State::Connecting) {
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return fail(v, c, std::string("connect: ") + std::strerror(error));
    c.state = Conn::State::Sending;
  }
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      if (c.reused && !c.resent && (errno == EPIPE || errno == ECONNRESET)) return resend(v, c);
      return fail(v, c, std::string("send: ") + std::strerror(errno));
    }
    c.sent += static_cast<std::size_t>(n);
  }
  c.state = Conn::State::Receiving;
}

bool Sim::parse(Conn& c) {
  if (!c.head_done) {
    const std::size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    c.head = c.in.substr(0, end);
    c.in.erase(0, end + 4);
    std::istringstream lines(c.head);
    std::string line;
    std::getline(lines, line);
    const bool http10 = line.starts_with("HTTP/1.0");
    const std::size_t sp = line.find(' ');
    c.status = sp == std::string::npos || !line.starts_with("HTTP/1.") ? 0 : std::atoi(line.c_str() + sp + 1);
    bool keep_alive = !http10;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const std::string name = lower(line.substr(0, colon));
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      const std::string lv = lower(value);
      if (name == "content-length") c.remaining = std::atoll(value.c_str());
      if (name == "transfer-encoding" && lv.find("chunked") != std::string::npos) c.chunked = true;
      if (name == "connection" && lv.find("close") != std::string::npos) keep_alive = false;
      if (name == "connection" && lv.find("keep-alive") != std::string::npos) keep_alive = true;
    }
    if (c.chunked) c.remaining = -1;
    c.close_after = !keep_alive;
    c.head_done = true;
    if (c.status == 204 || c.status == 304) c.remaining = 0;
    if (!c.chunked && c.remaining < 0) c.close_after = true;  // the body runs until the close
  }
  auto take = [&c](std::size_t n) {
    if (c.req.keep_body) c.body.append(c.in, 0, n);
    c.body_bytes += n;
    c.in.erase(0, n);
  };
  if (c.chunked) {
    for (;;) {
      if (c.chunk == ChunkState::Size || c.chunk == ChunkState::Trailer) {
        const std::size_t eol = c.in.find("\r\n");
        if (eol == std::string::npos) return false;
        const std::string line = c.in.substr(0, eol);
        c.in.erase(0, eol + 2);
        if (c.chunk == ChunkState::Trailer) {
          if (line.empty()) return true;
          continue;
        }
        c.remaining = static_cast<std::int64_t>(std::strtoull(line.c_str(), nullptr, 16));
        c.chunk = c.remaining == 0 ? ChunkState::Trailer : ChunkState::Data;
      } else if (c.chunk == ChunkState::Data) {
        const std::size_t n = std::min(static_cast<std::size_t>(c.remaining), c.in.size());
        take(n);
        c.remaining -= static_cast<std::int64_t>(n);
        if (c.remaining > 0) return false;
        c.chunk = ChunkState::DataEnd;
      } else {
        if (c.in.size() < 2) return false;
        c.in.erase(0, 2);
        c.chunk = ChunkState::Size;
      }
    }
  }
  if (c.remaining < 0) {
    take(c.in.size());
    return false;  // complete at the close
  }
  const std::size_t n = std::min(static_cast<std::size_t>(c.remaining), c.in.size());
  take(n);
  c.remaining -= static_cast<std::int64_t>(n);
  return c.remaining == 0;
}

void Sim::on_readable(Viewer& v, Conn& c) {
  char* const buf = buffer_.data();
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf, buffer_.size(), 0);
    if (n > 0) {
      std::size_t got = static_cast<std::size_t>(n);
      c.received += got;
      if (c.head_done && !c.chunked && !c.req.keep_body && c.in.empty()) {
        // A media body with a length: counted, not copied (a thousand viewers move a lot of bytes).
        const std::size_t body = c.remaining < 0 ? got : std::min(got, static_cast<std::size_t>(c.remaining));
        c.body_bytes += body;
        if (c.remaining >= 0) c.remaining -= static_cast<std::int64_t>(body);
        if (body < got) {
          c.in.assign(buf + body, got - body);  // more than announced: complete() reports it
        }
        if (c.remaining == 0) return complete(v, c);
        continue;
      }
      c.in.append(buf, got);
      if (parse(c)) return complete(v, c);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    // Closed (or reset) by the server.
    if (c.received == 0 && c.reused && !c.resent) return resend(v, c);
    if (n == 0 && c.head_done && !c.chunked && c.remaining < 0) return complete(v, c);
    return fail(v, c, n == 0 ? "connection closed by the server" : std::string("recv: ") + std::strerror(errno));
  }
}

void Sim::fail(Viewer& v, Conn& c, const std::string& why) {
  c.close();
  retry(v, c, "GET " + c.req.target + ": " + why);
}

void Sim::retry(Viewer& v, Conn& c, const std::string& why) {
  ++v.r.retries;
  if (v.r.retry_reasons.size() < kMaxRetryReasons) v.r.retry_reasons.push_back(why);
  const auto when = Clock::now() + o_.retry_after;
  if (&c == &v.main) {
    v.main_wake = when;  // the position is kept: the same request is made again
  } else {
    v.hint_wake = when;
    v.hint_uri.clear();  // asked again if it is still the part needed
    if (v.main_wake == Clock::time_point::max()) v.main_wake = {};  // it was waiting for the hint
  }
}

void Sim::complete(Viewer& v, Conn& c) {
  const Request req = c.req;
  const int status = c.status;
  std::string body = std::move(c.body);
  const std::size_t bytes = c.body_bytes;
  const auto started = c.started;
  if (!c.in.empty()) {
    std::string head = c.head;
    for (char& ch : head)
      if (ch == '\r' || ch == '\n') ch = ' ';
    v.r.errors.push_back(std::to_string(c.in.size()) + " bytes after the answer to GET " + req.target + " (" +
                         std::to_string(c.body_bytes) + " body bytes; head: " + head + ")");
    c.close_after = true;
  }
  if (status < 100) c.close_after = true;  // not HTTP: nothing more on this connection can be trusted
  if (c.close_after) c.close();
  else c.state = Conn::State::Idle;
  const auto now = Clock::now();
  if (status >= 500 || status < 100) return retry(v, c, "GET " + req.target + ": HTTP " + std::to_string(status));
  record(v, req, status, bytes, started);
  if (&c == &v.hint && v.main_wake == Clock::time_point::max()) v.main_wake = {};  // it was waiting for the hint
  if (&c == &v.main) on_main_answer(v, req, status, std::move(body), now);
  else on_hint_answer(v, req, status, now);
  step(v, now);
}

void Sim::finish(Viewer& v) {
  if (v.phase == Viewer::Phase::Master || v.phase == Viewer::Phase::Media)
    v.r.errors.push_back("never played: no media playlist from port " + std::to_string(v.r.port));
  v.main.close();
  v.hint.close();
  v.phase = Viewer::Phase::Done;
  v.r.finished = SysClock::now();
}

void Sim::on_main_answer(Viewer& v, const Request& req, int status, std::string body, Clock::time_point now) {
  const bool ok = status >= 200 && status < 300;
  if (!ok) v.r.errors.push_back("GET " + req.target + ": HTTP " + std::to_string(status));
  if (req.kind == FetchKind::Playlist) {
    if (!ok) {
      // Nothing to play without the entry playlist; later, a player keeps the one it has.
      if (v.phase != Viewer::Phase::Playing) return finish(v);
      v.main_wake = now + o_.retry_after;
      v.last_reload_new = false;
      return;
    }
    Playlist pl = parse_playlist(body, req.target);
    if (pl.master) {
      if (pl.first_variant.empty()) {
        v.r.errors.push_back("GET " + req.target + ": a master playlist without variants");
        return finish(v);
      }
      v.media_target = pl.first_variant;
      v.phase = Viewer::Phase::Media;
      return;
    }
    if (v.media_target.empty()) v.media_target = req.target;
    const bool first = v.phase != Viewer::Phase::Playing;
    v.last_reload_new = first || pl.last_msn() > v.pl.last_msn() ||
                        (pl.last_msn() == v.pl.last_msn() && pl.open_parts.size() > v.pl.open_parts.size());
    v.pl = std::move(pl);
    v.pl_received = now;
    if (first) {
      v.phase = Viewer::Phase::Playing;
      v.ll = v.pl.can_block;
      v.r.low_latency = v.ll;
    }
    if (v.hint.busy() && v.positioned) {
      // The hinted part will not come (its segment closed before it), or is no longer the
      // one needed: abandon the request, as players do, rather than wait out the server's hold.
      normalize(v);
      if (hint_doomed(v) || v.hint_msn != v.msn || v.hint_part != v.part) {
        v.hint.close();
        ++v.r.hints_abandoned;
      }
    }
    return;
  }
  if (req.kind == FetchKind::Init) {
    v.inits.insert(req.target);  // fetched, or given up on (4xx)
    return;
  }
  // A segment or part; a 4xx is recorded (above) and the viewer moves on: past a refused
  // part, to the whole segment once that is complete (parts of older segments are dropped).
  if (req.msn == v.msn && (req.part == -1 || req.part == v.part)) {
    if (req.part == -1) {
      ++v.msn;
      v.part = 0;
    } else {
      if (!ok) {
        v.missed_part = true;
        v.reload_now = true;
      }
      if (ok || !v.pl.find(v.msn)) ++v.part;
    }
  }
}

void Sim::on_hint_answer(Viewer& v, const Request& req, int status, Clock::time_point) {
  // A refused hint is not an error: hints are speculative (the part may never come, when its
  // segment closes first). A part that existed but was not served shows when the main
  // connection fetches it from the playlist, or as a gap.
  if (status >= 200 && status < 300 && req.msn == v.msn && req.part == v.part) ++v.part;
}

// Moves the position past complete segments and to the first one listed when what it needed
// has left the playlist (a gap, recorded).
void Sim::normalize(Viewer& v) {
  const Playlist& pl = v.pl;
  for (;;) {
    if (v.known_msn != v.msn) {
      v.known_msn = v.msn;
      v.part_durations.clear();
      v.missed_part = false;
    }
    if (const Segment* s = pl.find(v.msn))
      for (std::size_t i = 0; i < s->part_durations.size(); ++i) v.part_durations[static_cast<int>(i)] = s->part_durations[i];
    else if (v.msn == pl.last_msn() + 1)
      for (std::size_t i = 0; i < pl.open_durations.size(); ++i) v.part_durations[static_cast<int>(i)] = pl.open_durations[i];
    if (v.msn < pl.first_msn()) {
      v.r.errors.push_back("gap: segment " + std::to_string(v.msn) + (v.part > 0 ? " part " + std::to_string(v.part) : "") +
                           " left the playlist (first listed " + std::to_string(pl.first_msn()) + ")");
      v.msn = pl.first_msn();
      v.part = 0;
      continue;
    }
    const Segment* s = pl.find(v.msn);
    if (s && !v.missed_part && !s->parts.empty() && v.part >= static_cast<int>(s->parts.size())) {
      v.r.parts_per_segment[v.msn] = static_cast<int>(s->parts.size());
      ++v.msn;
      v.part = 0;
      continue;
    }
    if (s && !v.missed_part && s->parts.empty() && v.part > 0) {
      // Played from parts while it was being made, listed now without them (the viewer is
      // behind): complete if the parts fetched last as long as the segment.
      double played = 0;
      bool known = true;
      for (int i = 0; i < v.part; ++i) {
        const auto it = v.part_durations.find(i);
        known = known && it != v.part_durations.end();
        if (known) played += it->second;
      }
      if (known && played + 0.002 >= s->duration) {
        v.r.parts_per_segment[v.msn] = v.part;
        ++v.msn;
        v.part = 0;
        continue;
      }
    }
    return;
  }
}

// The hint in flight names a part that the playlist shows will never exist.
bool Sim::hint_doomed(const Viewer& v) const {
  const Segment* s = v.pl.find(v.hint_msn);
  return s && static_cast<int>(s->parts.size()) <= v.hint_part;
}

void Sim::step(Viewer& v, Clock::time_point now) {
  if (v.phase == Viewer::Phase::Done) return;
  if (v.phase == Viewer::Phase::Waiting) {
    if (now < v.start_at) return;
    v.phase = Viewer::Phase::Master;
    v.r.started = SysClock::now();
    v.end_at = now + o_.play_for;
  }
  if (now >= v.end_at) return finish(v);
  if (!v.main.busy() && now >= v.main_wake) step_main(v, now);
  if (v.phase == Viewer::Phase::Done) return;
  if (v.ll && !v.hint.busy() && now >= v.hint_wake) step_hint(v, now);
}

void Sim::step_main(Viewer& v, Clock::time_point now) {
  Request req;
  req.kind = FetchKind::Playlist;
  req.keep_body = true;
  switch (v.phase) {
    case Viewer::Phase::Master:
      req.target = o_.target;
      return send(v, v.main, std::move(req));
    case Viewer::Phase::Media:
      req.target = v.media_target;
      return send(v, v.main, std::move(req));
    case Viewer::Phase::Playing:
      return step_playing(v, now);
    default:
      return;
  }
}

void Sim::step_playing(Viewer& v, Clock::time_point now) {
  const Playlist& pl = v.pl;
  if (!v.positioned) {
    v.positioned = true;
    if (v.ll) {
      // At the last complete segment's parts, else the segment being made.
      if (!pl.segments.empty() && !pl.segments.back().parts.empty()) v.msn = pl.last_msn();
      else v.msn = pl.last_msn() + 1;
    } else {
      // Three segments from the end, as hls.js does.
      const std::int64_t n = static_cast<std::int64_t>(pl.segments.size());
      v.msn = pl.first_msn() + std::max<std::int64_t>(0, n - 3);
    }
    v.part = 0;
  }
  normalize(v);

  // Where the main connection goes on: past the part the hint connection is fetching.
  std::int64_t msn = v.msn;
  int part = v.part;
  const bool hint_busy = v.hint.busy() && v.hint_msn == v.msn && v.hint_part == v.part && !hint_doomed(v);
  if (hint_busy) {
    ++part;
    const Segment* s = pl.find(msn);
    if (s && !s->parts.empty() && part >= static_cast<int>(s->parts.size())) {
      ++msn;
      part = 0;
    }
  }

  Request req;
  if (v.reload_now) {
    v.reload_now = false;
    req.kind = FetchKind::Playlist;
    req.keep_body = true;
    req.target = v.media_target;
    return send(v, v.main, std::move(req));
  }
  const Segment* s = pl.find(msn);
  const bool open = msn == pl.last_msn() + 1;
  if (s || (open && part < static_cast<int>(pl.open_parts.size()))) {
    const std::string& map = s ? s->map : pl.open_map;
    if (!map.empty() && !v.inits.count(map)) {
      req.kind = FetchKind::Init;
      req.target = map;
      return send(v, v.main, std::move(req));
    }
    if (hint_busy) {
      v.main_wake = Clock::time_point::max();  // after the hinted part: its answer steps again
      return;
    }
    req.msn = msn;
    if (v.ll && s && !v.missed_part && !s->parts.empty() && part < static_cast<int>(s->parts.size())) {
      req.kind = FetchKind::Part;
      req.part = part;
      req.target = s->parts[static_cast<std::size_t>(part)];
    } else if (s) {
      req.kind = FetchKind::Segment;  // no parts listed for it (or parts were missed): the whole segment
      req.target = s->uri;
      if (part > 0) v.part = 0;
    } else {
      req.kind = FetchKind::Part;
      req.part = part;
      req.target = pl.open_parts[static_cast<std::size_t>(part)];
    }
    return send(v, v.main, std::move(req));
  }
  if (pl.endlist) {
    v.r.ended = true;
    return finish(v);
  }
  req.kind = FetchKind::Playlist;
  req.keep_body = true;
  if (v.ll) {
    // A blocking reload for the next part wanted: answered when it is there.
    req.msn = msn;
    req.part = part;
    req.target = v.media_target + (v.media_target.find('?') == std::string::npos ? "?" : "&") +
                 "_HLS_msn=" + std::to_string(msn) + "&_HLS_part=" + std::to_string(part);
    return send(v, v.main, std::move(req));
  }
  // Every target duration after the last reload, half that when it brought nothing new.
  const auto wait = std::chrono::duration_cast<milliseconds>(
      std::chrono::duration<double>(pl.target * (v.last_reload_new ? 1.0 : 0.5)));
  if (now < v.pl_received + wait) {
    v.main_wake = v.pl_received + wait;
    return;
  }
  req.target = v.media_target;
  send(v, v.main, std::move(req));
}

void Sim::step_hint(Viewer& v, Clock::time_point) {
  const Playlist& pl = v.pl;
  if (v.phase != Viewer::Phase::Playing || !v.positioned || pl.hint.empty() || pl.hint == v.hint_uri) return;
  normalize(v);
  // Only the part the viewer needs next: what it fetches stays in order.
  const auto [msn, part] = pl.hint_position();
  if (msn != v.msn || part != v.part) return;
  v.hint_uri = pl.hint;
  v.hint_msn = msn;
  v.hint_part = part;
  Request req;
  req.kind = FetchKind::Hint;
  req.msn = msn;
  req.part = part;
  req.target = pl.hint;
  send(v, v.hint, std::move(req));
}

std::vector<ViewerResult> Sim::run() {
  // Two connections per viewer: raise the descriptor limit as far as allowed.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  const auto begin = Clock::now();
  const int count = std::max(o_.viewers, 0);
  for (int i = 0; i < count; ++i) {
    auto v = std::make_unique<Viewer>();
    v->r.index = i;
    v->r.port = o_.ports.empty() ? 0 : o_.ports[static_cast<std::size_t>(i) % o_.ports.size()];
    if (!o_.source_addresses.empty()) v->source = o_.source_addresses[static_cast<std::size_t>(i) % o_.source_addresses.size()];
    v->r.source_address = v->source;
    v->start_at = begin + (count > 1 ? o_.start_spread * i / count : milliseconds(0));
    viewers_.push_back(std::move(v));
  }
  // Everything has its own timeout; this bounds the whole run anyway.
  const auto hard_end = begin + o_.start_spread + o_.play_for + o_.request_timeout + std::chrono::seconds(5);

  std::vector<pollfd> fds;
  std::vector<std::pair<Viewer*, Conn*>> owners;
  for (;;) {
    auto now = Clock::now();
    bool any = false;
    auto next = now + std::chrono::seconds(1);
    fds.clear();
    owners.clear();
    for (auto& vp : viewers_) {
      Viewer& v = *vp;
      if (v.phase != Viewer::Phase::Done && now >= hard_end) {
        v.r.errors.push_back("still playing when the run's time was over");
        finish(v);
      }
      for (Conn* c : {&v.main, &v.hint})
        if (c->busy() && now >= c->deadline) fail(v, *c, "timed out after " + std::to_string(o_.request_timeout.count()) + " ms");
      step(v, now);
      if (v.phase == Viewer::Phase::Done) continue;
      any = true;
      if (v.phase == Viewer::Phase::Waiting) next = std::min(next, v.start_at);
      next = std::min(next, v.end_at);
      // Wakes already due were acted on by step() above: only those to come count.
      if (!v.main.busy() && v.main_wake > now) next = std::min(next, v.main_wake);
      if (v.ll && !v.hint.busy() && v.hint_wake > now) next = std::min(next, v.hint_wake);
      for (Conn* c : {&v.main, &v.hint}) {
        if (!c->busy()) continue;
        next = std::min(next, c->deadline);
        const short events = c->state == Conn::State::Receiving ? POLLIN : POLLOUT;
        fds.push_back(pollfd{c->fd, events, 0});
        owners.emplace_back(&v, c);
      }
    }
    if (!any) break;
    const auto wait = std::chrono::duration_cast<milliseconds>(next - now).count();
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(std::clamp<long long>(wait + 1, 0, 1000)));
    if (ready <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      auto [v, c] = owners[i];
      if (c->fd != fds[i].fd || !c->busy()) continue;  // closed meanwhile (the viewer finished)
      if (c->state == Conn::State::Receiving) on_readable(*v, *c);
      else on_writable(*v, *c);
    }
  }
  std::vector<ViewerResult> out;
  out.reserve(viewers_.size());
  for (auto& v : viewers_) out.push_back(std::move(v->r));
  return out;
}

bool media_ok(const Fetch& f) {
  return (f.kind == FetchKind::Segment || f.kind == FetchKind::Part || f.kind == FetchKind::Hint) && f.status >= 200 &&
         f.status < 300;
}

}  // namespace

const char* kind_name(FetchKind kind) {
  switch (kind) {
    case FetchKind::Playlist: return "playlist";
    case FetchKind::Init: return "init";
    case FetchKind::Segment: return "segment";
    case FetchKind::Part: return "part";
    case FetchKind::Hint: return "hint";
  }
  return "?";
}

std::vector<ViewerResult> run_viewers(const ViewerSimOptions& options) { return Sim(options).run(); }

std::vector<std::string> order_problems(const ViewerResult& viewer) {
  std::vector<std::string> out;
  bool first = true;
  std::int64_t msn = 0;  // the next expected: segment msn, from part `part` (0 = its start)
  int part = 0;
  auto parts_of = [&](std::int64_t m) {
    const auto it = viewer.parts_per_segment.find(m);
    return it == viewer.parts_per_segment.end() ? -1 : it->second;
  };
  auto expected = [&] {
    return part == 0 ? "segment " + std::to_string(msn) + " (or its part 0)"
                     : "part " + std::to_string(msn) + "." + std::to_string(part);
  };
  for (std::size_t i = 0; i < viewer.fetches.size(); ++i) {
    const Fetch& f = viewer.fetches[i];
    if (!media_ok(f)) continue;
    const std::string got = f.part < 0 ? "segment " + std::to_string(f.msn)
                                       : std::string(kind_name(f.kind)) + " " + std::to_string(f.msn) + "." +
                                             std::to_string(f.part);
    if (f.part < 0) {
      // A whole segment: at a segment start, or replacing the rest of one whose parts were missed.
      if (!first && f.msn != msn)
        out.push_back("fetch " + std::to_string(i) + ": " + got + ", expected " + expected() + " (" + f.path + ")");
      msn = f.msn + 1;
      part = 0;
    } else {
      if (!first && (f.msn != msn || f.part != part))
        out.push_back("fetch " + std::to_string(i) + ": " + got + ", expected " + expected() + " (" + f.path + ")");
      msn = f.msn;
      part = f.part + 1;
      if (parts_of(msn) == part) {
        ++msn;
        part = 0;
      }
    }
    first = false;
  }
  return out;
}

std::size_t segments_played(const ViewerResult& viewer) {
  std::set<std::int64_t> done;
  for (const Fetch& f : viewer.fetches) {
    if (!media_ok(f)) continue;
    if (f.part < 0) done.insert(f.msn);
    else if (viewer.parts_per_segment.count(f.msn) && viewer.parts_per_segment.at(f.msn) == f.part + 1) done.insert(f.msn);
  }
  return done.size();
}

ViewerTotals totals(const std::vector<ViewerResult>& results) {
  ViewerTotals t;
  t.viewers = results.size();
  std::optional<SysClock::time_point> first, last;
  for (const ViewerResult& r : results) {
    for (const Fetch& f : r.fetches) {
      ++t.requests;
      ++t.by_kind[f.kind];
      t.bytes += f.bytes;
      if (f.held) ++t.held;
      if (f.status < 200 || f.status >= 300) ++t.not_2xx;
    }
    t.errors += r.errors.size();
    t.retries += static_cast<std::size_t>(r.retries);
    t.hints_abandoned += static_cast<std::size_t>(r.hints_abandoned);
    t.order_problems += order_problems(r).size();
    if (r.started != SysClock::time_point{} && (!first || r.started < *first)) first = r.started;
    if (r.finished != SysClock::time_point{} && (!last || r.finished > *last)) last = r.finished;
  }
  if (first && last) t.seconds = std::chrono::duration<double>(*last - *first).count();
  if (t.seconds > 0) t.requests_per_second = static_cast<double>(t.requests) / t.seconds;
  return t;
}

std::string ViewerTotals::describe() const {
  std::ostringstream out;
  out << viewers << " viewers, " << requests << " requests in " << seconds << " s (" << requests_per_second
      << "/s):";
  for (const auto& [kind, n] : by_kind) out << " " << kind_name(kind) << "=" << n;
  out << ", " << bytes << " bytes, " << held << " held, " << not_2xx << " not 2xx, " << errors << " errors, "
      << retries << " retries, " << hints_abandoned << " hints abandoned, " << order_problems << " order problems";
  return out.str();
}

std::string describe(const ViewerResult& v, std::size_t max_fetches) {
  std::ostringstream out;
  out << "viewer " << v.index << " on port " << v.port;
  if (!v.source_address.empty()) out << " from " << v.source_address;
  out << (v.low_latency ? " (LL-HLS)" : " (HLS)") << (v.ended ? ", ended" : "") << ": " << v.fetches.size()
      << " fetches, " << segments_played(v) << " segments played, " << v.retries << " retries, " << v.hints_abandoned
      << " hints abandoned\n";
  for (const auto& e : v.errors) out << "  error: " << e << "\n";
  for (const auto& e : v.retry_reasons) out << "  retried: " << e << "\n";
  for (const auto& p : order_problems(v)) out << "  order: " << p << "\n";
  const std::size_t from = v.fetches.size() > max_fetches ? v.fetches.size() - max_fetches : 0;
  if (from > 0) out << "  ... " << from << " earlier fetches\n";
  for (std::size_t i = from; i < v.fetches.size(); ++i) {
    const Fetch& f = v.fetches[i];
    const auto ms = std::chrono::duration_cast<milliseconds>(f.received.time_since_epoch()).count();
    out << "  " << i << " " << kind_name(f.kind) << " " << f.msn << "." << f.part << " " << f.path << " " << f.status
        << " " << f.bytes << "B at " << ms << (f.held ? " held" : "") << "\n";
  }
  return out.str();
}

std::vector<std::string> loopback_addresses(int count) {
  std::vector<std::string> out;
  int a = 0, b = 2;
  while (static_cast<int>(out.size()) < count) {
    out.push_back("127.0." + std::to_string(a) + "." + std::to_string(b));
    if (++b == 255) {
      b = 1;
      ++a;
    }
  }
  return out;
}

}  // namespace bvtest
