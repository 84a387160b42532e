// A single-threaded RTMP load generator: N publish connections from ONE thread (epoll,
// non-blocking sockets), each sending the same FLV file's tags in real time, looped with
// continuous timestamps. It replaces N `ffmpeg -re -c copy` pushers, which on a small machine
// would cost more CPU than the servers being measured.
//
// The file is read once (load_flv): onMetaData, the AVC and AAC sequence headers, then the
// media tags. Each connection, in turn `stagger_ms` apart:
//   TCP connect to 127.0.0.1:PORT, simple handshake (C0+C1, S0+S1+S2, C2 = S1 echoed),
//   Set Chunk Size, connect(app, tcUrl), releaseStream, FCPublish, createStream,
//   publish(KEY, "live"); on NetStream.Publish.Start: @setDataFrame onMetaData, the sequence
//   headers, then every media tag when its timestamp comes due (wall clock since the
//   publish started), on message stream 1 (the createStream answer), type 0 chunk header for
//   the first message of a chunk stream then type 1.
// As `ffmpeg -re` does, a connection whose server does not read fast enough stops producing:
// at `high_water` bytes queued it waits, and its tags go out late (PushStatus::late_ms).
//
// The wire code (chunk writer and reader, AMF0) is tests/tools/rtmp_publish.cpp's, cut down
// to what a legacy AVC/AAC publisher needs, so the bench does not link libav.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench_run.hpp"

namespace bvbench::rtmp {

using Bytes = std::vector<std::uint8_t>;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- byte helpers
inline void put8(Bytes& b, std::uint32_t v) { b.push_back(std::uint8_t(v)); }
inline void put16(Bytes& b, std::uint32_t v) { put8(b, v >> 8); put8(b, v); }
inline void put24(Bytes& b, std::uint32_t v) { put8(b, v >> 16); put8(b, v >> 8); put8(b, v); }
inline void put32(Bytes& b, std::uint32_t v) { put8(b, v >> 24); put8(b, v >> 16); put8(b, v >> 8); put8(b, v); }
inline void put32le(Bytes& b, std::uint32_t v) { put8(b, v); put8(b, v >> 8); put8(b, v >> 16); put8(b, v >> 24); }
inline void putbytes(Bytes& b, const void* p, std::size_t n) {
  auto* c = static_cast<const std::uint8_t*>(p);
  b.insert(b.end(), c, c + n);
}
inline std::uint32_t rd16(const std::uint8_t* p) { return std::uint32_t(p[0]) << 8 | p[1]; }
inline std::uint32_t rd24(const std::uint8_t* p) { return std::uint32_t(p[0]) << 16 | std::uint32_t(p[1]) << 8 | p[2]; }
inline std::uint32_t rd32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}
inline std::uint32_t rd32le(const std::uint8_t* p) {
  return std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0];
}

// ---------------------------------------------------------------- AMF0 (rtmp_publish's)
namespace amf {
enum : std::uint8_t { Number = 0, Boolean = 1, String = 2, Object = 3, Null = 5, Undefined = 6,
                      EcmaArray = 8, ObjectEnd = 9, StrictArray = 10, Date = 11, LongString = 12 };

inline void number(Bytes& b, double d) {
  std::uint64_t u;
  std::memcpy(&u, &d, 8);
  put8(b, Number);
  put32(b, std::uint32_t(u >> 32));
  put32(b, std::uint32_t(u));
}
inline void key(Bytes& b, const std::string& s) { put16(b, std::uint32_t(s.size())); putbytes(b, s.data(), s.size()); }
inline void string(Bytes& b, const std::string& s) { put8(b, String); key(b, s); }
inline void null(Bytes& b) { put8(b, Null); }
inline void object_begin(Bytes& b) { put8(b, Object); }
inline void object_end(Bytes& b) { put16(b, 0); put8(b, ObjectEnd); }

struct Value {
  std::uint8_t type = Undefined;
  double num = 0;
  std::string str;
  std::vector<std::pair<std::string, Value>> props;  // Object / EcmaArray

  std::string get_str(const std::string& k) const {
    for (const auto& [n, v] : props)
      if (n == k) return v.type == String || v.type == LongString ? v.str : std::string();
    return {};
  }
};

struct Reader {
  const std::uint8_t* p;
  std::size_t n, pos = 0;
  void need(std::size_t k) const {
    if (n - pos < k) throw Broken("malformed AMF0 from server (truncated)");
  }
  std::string key() {
    need(2);
    std::size_t len = rd16(p + pos);
    pos += 2;
    need(len);
    std::string s(reinterpret_cast<const char*>(p + pos), len);
    pos += len;
    return s;
  }
  void props(Value& v, int depth) {
    for (;;) {
      need(3);
      if (rd16(p + pos) == 0 && p[pos + 2] == ObjectEnd) {
        pos += 3;
        return;
      }
      std::string k = key();
      Value child = value(depth + 1);
      v.props.emplace_back(std::move(k), std::move(child));
    }
  }
  Value value(int depth = 0) {
    if (depth > 32) throw Broken("malformed AMF0 from server (too deep)");
    need(1);
    Value v;
    v.type = p[pos++];
    switch (v.type) {
      case Number: {
        need(8);
        std::uint64_t u = std::uint64_t(rd32(p + pos)) << 32 | rd32(p + pos + 4);
        std::memcpy(&v.num, &u, 8);
        pos += 8;
        break;
      }
      case Boolean: need(1); pos += 1; break;
      case String: v.str = key(); break;
      case LongString: {
        need(4);
        std::size_t len = rd32(p + pos);
        pos += 4;
        need(len);
        v.str.assign(reinterpret_cast<const char*>(p + pos), len);
        pos += len;
        break;
      }
      case Object: props(v, depth); break;
      case EcmaArray: need(4); pos += 4; props(v, depth); break;
      case StrictArray: {
        need(4);
        std::uint32_t count = rd32(p + pos);
        pos += 4;
        for (std::uint32_t i = 0; i < count; ++i) value(depth + 1);
        break;
      }
      case Null: case Undefined: break;
      case Date: need(10); pos += 10; break;
      default: throw Broken("unsupported AMF0 type " + std::to_string(v.type) + " from server");
    }
    return v;
  }
};
}  // namespace amf

// ---------------------------------------------------------------- the FLV file, in memory

struct FlvTag {
  std::uint8_t type = 0;  // 8 audio, 9 video, 18 data
  std::uint32_t ts = 0;   // ms, from the first media tag
  Bytes body;
};

struct FlvSource {
  std::string path;
  Bytes metadata;                // "@setDataFrame" + the file's onMetaData, ready to send
  std::vector<FlvTag> headers;   // AVC and AAC sequence headers, sent once after publish
  std::vector<FlvTag> media;     // everything else, in file order
  std::uint32_t loop_ms = 0;     // one pass: where the next loop's timestamps start
  std::uint64_t media_bytes = 0; // tag bodies of one pass
  int video_tags = 0, audio_tags = 0, keyframes = 0;
  double bitrate_bps() const { return loop_ms ? static_cast<double>(media_bytes) * 8000.0 / loop_ms : 0; }
};

// Reads a whole FLV file (H.264 and/or AAC, as ffmpeg writes it). Throws Broken on anything else.
inline FlvSource load_flv(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Broken("cannot read " + path);
  const Bytes d((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (d.size() < 13 || std::memcmp(d.data(), "FLV", 3) != 0) throw Broken(path + ": not an FLV file");
  FlvSource s;
  s.path = path;
  bool have_vh = false, have_ah = false;
  std::size_t pos = rd32(d.data() + 5) + 4;  // header, then PreviousTagSize0
  std::vector<std::uint32_t> vts, ats;
  while (pos + 11 <= d.size()) {
    const std::uint8_t type = d[pos] & 0x1F;
    const std::uint32_t len = rd24(d.data() + pos + 1);
    const std::uint32_t ts = rd24(d.data() + pos + 4) | std::uint32_t(d[pos + 7]) << 24;
    if (pos + 11 + len > d.size()) break;  // a cut last tag
    Bytes body(d.begin() + static_cast<long>(pos + 11), d.begin() + static_cast<long>(pos + 11 + len));
    pos += 11 + len + 4;
    if (type == 18) {
      static const std::uint8_t on_meta[] = {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'};
      if (s.metadata.empty() && body.size() > sizeof on_meta && std::memcmp(body.data(), on_meta, sizeof on_meta) == 0) {
        amf::string(s.metadata, "@setDataFrame");
        putbytes(s.metadata, body.data(), body.size());
      }
      continue;
    }
    if (body.size() < 2) continue;
    if (type == 9) {
      if ((body[0] & 0x0F) != 7) throw Broken(path + ": video is not H.264 (FLV CodecID 7)");
      if (body[1] == 0) {
        if (!have_vh) s.headers.push_back({9, 0, std::move(body)});
        have_vh = true;
        continue;
      }
      if (body[1] == 2) continue;  // end of sequence, written at the end of the file: not when looping
      if ((body[0] >> 4) == 1) ++s.keyframes;
      ++s.video_tags;
      vts.push_back(ts);
    } else if (type == 8) {
      if ((body[0] >> 4) != 10) throw Broken(path + ": audio is not AAC (FLV SoundFormat 10)");
      if (body[1] == 0) {
        if (!have_ah) s.headers.push_back({8, 0, std::move(body)});
        have_ah = true;
        continue;
      }
      ++s.audio_tags;
      ats.push_back(ts);
    } else {
      continue;
    }
    s.media_bytes += body.size();
    s.media.push_back({type, ts, std::move(body)});
  }
  if (s.media.empty()) throw Broken(path + ": no audio or video tags");
  std::uint32_t base = UINT32_MAX;
  for (const auto& t : s.media) base = std::min(base, t.ts);
  for (auto& t : s.media) t.ts -= base;
  // One pass lasts until the last frame of each stream has played: its timestamp plus the
  // stream's mean frame interval.
  auto end_of = [&](const std::vector<std::uint32_t>& ts) -> std::uint32_t {
    if (ts.empty()) return 0;
    const std::uint32_t first = ts.front() - base, last = ts.back() - base;
    const std::uint32_t step = ts.size() > 1 ? std::max<std::uint32_t>(1, (last - first) / std::uint32_t(ts.size() - 1)) : 40;
    return last + step;
  };
  s.loop_ms = std::max(end_of(vts), end_of(ats));
  return s;
}

// ---------------------------------------------------------------- the load

struct PushTarget {
  int port = 0;     // on 127.0.0.1
  std::string app;  // "live"
  std::string key;  // the stream key (publish name)
};

// What one push has done so far, as the load's thread last saw it (updated every 100 ms).
struct PushStatus {
  bool published = false;                       // NetStream.Publish.Start received
  std::optional<Clock::time_point> first_media; // the first media tag handed to the socket
  std::string error;                            // why the push ended ("" while it runs)
  bool timed_out = false;                       // ended because the server did not accept it in time
  std::uint64_t bytes = 0;                      // bytes written to the socket
  double late_ms = 0;     // since reset_window(): the latest a tag went out after its time
  int stalls = 0;         // since reset_window(): times the queue reached high_water (server not reading)
};

struct LoadConfig {
  int stagger_ms = 20;                     // between two connection starts
  std::uint32_t chunk_size = 4096;         // outgoing RTMP chunk size
  std::size_t high_water = 512 * 1024;     // bytes queued before a push waits for its server
  int publish_timeout_ms = 20000;          // TCP connect to NetStream.Publish.Start
};

class RtmpLoad {
 public:
  RtmpLoad(const FlvSource& src, std::vector<PushTarget> targets, LoadConfig cfg)
      : src_(src), cfg_(cfg), targets_(std::move(targets)) {
    shared_.resize(targets_.size());
  }
  ~RtmpLoad() { stop(); }
  RtmpLoad(const RtmpLoad&) = delete;
  RtmpLoad& operator=(const RtmpLoad&) = delete;

  // Starts the load's thread: connection i starts i * stagger_ms from now.
  void start() {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) throw Broken(errno_text("epoll_create1"));
    stop_ = false;
    thread_ = std::thread([this] { run(); });
    ::pthread_getcpuclockid(thread_.native_handle(), &cpu_clock_);
    started_ = true;
  }

  // Closes every connection (abruptly: the servers see the end of the stream) and joins.
  void stop() {
    if (!started_) return;
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (epfd_ >= 0) ::close(epfd_);
    epfd_ = -1;
    started_ = false;
  }

  std::vector<PushStatus> status() const {
    std::lock_guard<std::mutex> l(mu_);
    return shared_;
  }
  // Clears late_ms and stalls (the start of a measured window).
  void reset_window() { reset_ = true; }

  // CPU seconds (user + system) of the load's thread so far.
  double cpu_seconds() const {
    if (!started_) return final_cpu_;
    timespec ts{};
    if (::clock_gettime(cpu_clock_, &ts) != 0) return final_cpu_;
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }

 private:
  enum class St { Waiting, Connecting, Handshake, Connect, CreateStream, Publish, Publishing, Failed };
  struct InChunk {
    bool used = false, ext = false;
    std::uint32_t ts = 0, delta = 0, len = 0, msid = 0;
    std::uint8_t type = 0;
    Bytes buf;
  };
  struct OutChunk {
    bool used = false;
    std::uint32_t ts = 0, msid = 0;
  };
  struct Conn {
    int fd = -1;
    St st = St::Waiting;
    Clock::time_point start_at, t_publish, next_due;
    Bytes out;
    std::size_t out_off = 0;
    bool epollout = false;
    Bytes in;
    std::size_t in_off = 0;
    std::map<std::uint32_t, InChunk> ins;
    OutChunk outs[8];
    std::uint32_t in_chunk = 128, window = 0, out_chunk = 128;
    std::uint64_t received = 0, acked = 0;
    std::uint32_t msid = 1;
    std::size_t next = 0;
    std::int64_t loop_base = 0;
    bool blocked = false;
    PushStatus stat;
  };

  const FlvSource& src_;
  LoadConfig cfg_;
  std::vector<PushTarget> targets_;
  std::vector<Conn> conns_;
  int epfd_ = -1;
  std::thread thread_;
  clockid_t cpu_clock_{};
  double final_cpu_ = 0;
  bool started_ = false;
  std::atomic<bool> stop_{false}, reset_{false};
  mutable std::mutex mu_;
  std::vector<PushStatus> shared_;

  std::size_t pending(const Conn& c) const { return c.out.size() - c.out_off; }

  void publish_status() {
    std::lock_guard<std::mutex> l(mu_);
    for (std::size_t i = 0; i < conns_.size(); ++i) shared_[i] = conns_[i].stat;
  }

  void run() {
    conns_.resize(targets_.size());
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < conns_.size(); ++i)
      conns_[i].start_at = t0 + std::chrono::milliseconds(static_cast<long>(i) * cfg_.stagger_ms);
    auto last_status = t0;
    std::vector<epoll_event> events(256);
    while (!stop_) {
      auto now = Clock::now();
      if (reset_.exchange(false))
        for (auto& c : conns_) c.stat.late_ms = 0, c.stat.stalls = 0;
      Clock::time_point wake = now + std::chrono::milliseconds(100);
      for (std::size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        switch (c.st) {
          case St::Waiting:
            if (c.start_at <= now) open(i, now);
            else wake = std::min(wake, c.start_at);
            break;
          case St::Publishing:
            // A socket found full waits for EPOLLOUT: no send() until then.
            if (produce(c, now) && !c.epollout) flush(i);
            if (!c.blocked && c.st == St::Publishing) wake = std::min(wake, c.next_due);
            break;
          case St::Failed:
            break;
          default:
            if (now - c.start_at > std::chrono::milliseconds(cfg_.publish_timeout_ms))
              fail(i, "no NetStream.Publish.Start within " + std::to_string(cfg_.publish_timeout_ms / 1000) + " s", true);
        }
      }
      if (now - last_status >= std::chrono::milliseconds(100)) {
        publish_status();
        last_status = now;
      }
      now = Clock::now();
      int timeout = 0;
      if (wake > now)
        timeout = static_cast<int>(std::chrono::duration_cast<std::chrono::microseconds>(wake - now).count() + 999) / 1000;
      const int n = ::epoll_wait(epfd_, events.data(), static_cast<int>(events.size()), std::min(timeout, 100));
      if (n < 0 && errno != EINTR) break;
      for (int k = 0; k < n; ++k) {
        const std::size_t i = events[k].data.u32;
        if (i >= conns_.size() || conns_[i].fd < 0) continue;
        try {
          if (conns_[i].st == St::Connecting) {
            connected(i);
            continue;
          }
          if (events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(i);
          if (conns_[i].fd >= 0 && (events[k].events & EPOLLOUT)) {
            conns_[i].blocked = false;
            flush(i);
          }
        } catch (const Broken& e) {
          fail(i, e.what());
        }
      }
    }
    timespec ts{};
    if (::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
      final_cpu_ = static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
    for (auto& c : conns_)
      if (c.fd >= 0) ::close(c.fd), c.fd = -1;
    publish_status();
  }

  void fail(std::size_t i, const std::string& why, bool timed_out = false) {
    Conn& c = conns_[i];
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    if (c.st != St::Failed) {
      c.stat.error = why;
      c.stat.timed_out = timed_out;
    }
    c.st = St::Failed;
  }

  void watch(std::size_t i, bool out) {
    Conn& c = conns_[i];
    if (c.fd < 0 || c.epollout == out) return;
    epoll_event ev{};
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0u);
    ev.data.u32 = static_cast<std::uint32_t>(i);
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
    c.epollout = out;
  }

  void open(std::size_t i, Clock::time_point now) {
    Conn& c = conns_[i];
    c.start_at = now;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return fail(i, errno_text("socket"));
    int one = 1;
    ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(targets_[i].port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 && errno != EINPROGRESS)
      return fail(i, errno_text("connect 127.0.0.1:" + std::to_string(targets_[i].port)));
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, c.fd, &ev) < 0) return fail(i, errno_text("epoll_ctl"));
    c.epollout = true;
    c.st = St::Connecting;
  }

  void connected(std::size_t i) {
    Conn& c = conns_[i];
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
      errno = err;
      return fail(i, errno_text("connect 127.0.0.1:" + std::to_string(targets_[i].port)));
    }
    // C0 + C1: version 3, time 0, zero, 1528 random bytes.
    Bytes b;
    put8(b, 3);
    put32(b, 0);
    put32(b, 0);
    std::mt19937 rng(0xb71e + static_cast<unsigned>(i));
    for (int k = 0; k < 1528; ++k) put8(b, rng());
    c.out.insert(c.out.end(), b.begin(), b.end());
    c.st = St::Handshake;
    flush(i);
  }

  void flush(std::size_t i) {
    Conn& c = conns_[i];
    while (c.fd >= 0 && pending(c) > 0) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.out_off, pending(c), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        return fail(i, errno_text("connection lost while sending"));
      }
      c.out_off += static_cast<std::size_t>(n);
      c.stat.bytes += static_cast<std::uint64_t>(n);
    }
    if (c.out_off == c.out.size()) {
      c.out.clear();
      c.out_off = 0;
    } else if (c.out_off > (1u << 20)) {
      c.out.erase(c.out.begin(), c.out.begin() + static_cast<long>(c.out_off));
      c.out_off = 0;
    }
    if (c.fd >= 0) watch(i, pending(c) > 0);
  }

  // One RTMP message into the connection's queue, chunked (rtmp_publish's send_message).
  void message(Conn& c, std::uint32_t csid, std::uint8_t type, std::uint32_t msid, std::uint32_t ts, const Bytes& payload) {
    OutChunk& st = c.outs[csid & 7];
    const std::uint32_t delta = ts - st.ts;
    const int form = (!st.used || st.msid != msid || delta >= 0x80000000u) ? 0 : 1;
    const std::uint32_t field = form == 0 ? ts : delta;
    const bool ext = field >= 0xFFFFFF;
    Bytes& out = c.out;
    out.reserve(out.size() + payload.size() + payload.size() / c.out_chunk * 5 + 24);
    put8(out, std::uint32_t(form << 6) | csid);
    put24(out, ext ? 0xFFFFFF : field);
    put24(out, std::uint32_t(payload.size()));
    put8(out, type);
    if (form == 0) put32le(out, msid);
    if (ext) put32(out, field);
    std::size_t off = 0;
    do {
      const std::size_t n = std::min<std::size_t>(c.out_chunk, payload.size() - off);
      if (off > 0) {
        put8(out, 0xC0 | csid);
        if (ext) put32(out, field);
      }
      putbytes(out, payload.data() + off, n);
      off += n;
    } while (off < payload.size());
    st = {true, ts, msid};
  }

  template <typename Args>
  void command(Conn& c, std::uint32_t msid, const std::string& name, double txn, Args args) {
    Bytes b;
    amf::string(b, name);
    amf::number(b, txn);
    args(b);
    message(c, 3, 20, msid, 0, b);
  }

  void readable(std::size_t i) {
    Conn& c = conns_[i];
    std::uint8_t buf[16384];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n == 0) throw Broken("connection closed by the server");
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) break;
        throw Broken(errno_text("connection error"));
      }
      c.in.insert(c.in.end(), buf, buf + n);
      c.received += static_cast<std::uint64_t>(n);
      if (static_cast<std::size_t>(n) < sizeof buf) break;
    }
    if (c.st == St::Handshake) {
      if (c.in.size() < 1 + 1536 + 1536) return;
      if (c.in[0] != 3) throw Broken("handshake: server version " + std::to_string(c.in[0]));
      c.out.insert(c.out.end(), c.in.begin() + 1, c.in.begin() + 1 + 1536);  // C2 = S1
      c.in_off = 1 + 1536 + 1536;
      Bytes cs;
      put32(cs, cfg_.chunk_size);
      message(c, 2, 1, 0, 0, cs);
      c.out_chunk = cfg_.chunk_size;
      const PushTarget& t = targets_[i];
      const std::string tc_url = "rtmp://127.0.0.1:" + std::to_string(t.port) + "/" + t.app;
      command(c, 0, "connect", 1, [&](Bytes& b) {
        amf::object_begin(b);
        amf::key(b, "app"), amf::string(b, t.app);
        amf::key(b, "type"), amf::string(b, "nonprivate");
        amf::key(b, "flashVer"), amf::string(b, "FMLE/3.0 (compatible; bvlive bench_ingest)");
        amf::key(b, "tcUrl"), amf::string(b, tc_url);
        amf::object_end(b);
      });
      c.st = St::Connect;
    }
    while (c.fd >= 0 && parse_chunk(i)) {
    }
    if (c.fd < 0) return;
    if (c.in_off == c.in.size()) {
      c.in.clear();
      c.in_off = 0;
    } else if (c.in_off > 65536) {
      c.in.erase(c.in.begin(), c.in.begin() + static_cast<long>(c.in_off));
      c.in_off = 0;
    }
    if (c.window && c.received - c.acked >= c.window / 2) {  // Acknowledgement
      Bytes b;
      put32(b, std::uint32_t(c.received));
      c.acked = c.received;
      message(c, 2, 3, 0, 0, b);
    }
    flush(i);
  }

  // One chunk from the input if complete (rtmp_publish's parse_chunk); false: more bytes needed.
  bool parse_chunk(std::size_t i) {
    Conn& c = conns_[i];
    const std::uint8_t* p = c.in.data() + c.in_off;
    const std::size_t n = c.in.size() - c.in_off;
    if (n < 1) return false;
    const int form = p[0] >> 6;
    std::uint32_t csid = p[0] & 0x3F;
    std::size_t pos = 1;
    if (csid == 0) {
      if (n < 2) return false;
      csid = 64 + p[1];
      pos = 2;
    } else if (csid == 1) {
      if (n < 3) return false;
      csid = 64 + p[1] + 256u * p[2];
      pos = 3;
    }
    static const std::size_t hsize[4] = {11, 7, 3, 0};
    if (n < pos + hsize[form]) return false;
    InChunk& st = c.ins[csid];
    if (form == 3 && !st.used) throw Broken("server sent a type 3 chunk on a new chunk stream");
    std::uint32_t field = 0, len = st.len, msid = st.msid;
    std::uint8_t type = st.type;
    if (form <= 2) field = rd24(p + pos);
    if (form <= 1) {
      len = rd24(p + pos + 3);
      type = p[pos + 6];
    }
    if (form == 0) msid = rd32le(p + pos + 7);
    pos += hsize[form];
    const bool ext = form <= 2 ? field == 0xFFFFFF : st.ext;
    if (ext) {
      if (n < pos + 4) return false;
      field = rd32(p + pos);
      pos += 4;
    }
    const bool starting = st.buf.empty();
    const std::size_t want = std::min<std::size_t>(c.in_chunk, len - (starting ? 0 : st.buf.size()));
    if (n < pos + want) return false;
    st.used = true;
    st.ext = ext;
    st.len = len;
    st.type = type;
    st.msid = msid;
    if (form == 0) {
      st.ts = field;
      st.delta = 0;
    } else if (form <= 2) {
      st.delta = field;
      st.ts += field;
    } else if (starting) {
      st.ts += st.delta;
    }
    st.buf.insert(st.buf.end(), p + pos, p + pos + want);
    c.in_off += pos + want;
    if (st.buf.size() >= st.len) {
      Bytes msg;
      msg.swap(st.buf);
      handle(i, st.type, msg);
    }
    return true;
  }

  void handle(std::size_t i, std::uint8_t type, const Bytes& m) {
    Conn& c = conns_[i];
    switch (type) {
      case 1:  // Set Chunk Size
        if (m.size() >= 4) c.in_chunk = std::max<std::uint32_t>(1, rd32(m.data()) & 0x7FFFFFFF);
        return;
      case 2:  // Abort
        if (m.size() >= 4) c.ins[rd32(m.data())].buf.clear();
        return;
      case 4:  // User Control: PingRequest -> PingResponse
        if (m.size() >= 6 && rd16(m.data()) == 6) {
          Bytes b;
          put16(b, 7);
          putbytes(b, m.data() + 2, 4);
          message(c, 2, 4, 0, 0, b);
        }
        return;
      case 5:  // Window Acknowledgement Size
        if (m.size() >= 4) c.window = rd32(m.data());
        return;
      case 17:
      case 20:
        break;
      default:
        return;
    }
    const std::size_t skip = type == 17 && !m.empty() ? 1 : 0;
    amf::Reader r{m.data() + skip, m.size() - skip};
    const std::string name = r.value().str;
    const double txn = r.pos < r.n ? r.value().num : 0;
    std::vector<amf::Value> args;
    while (r.pos < r.n) args.push_back(r.value());
    auto info = [&](const char* k) {
      for (const auto& a : args)
        if (a.type == amf::Object) return a.get_str(k);
      return std::string();
    };
    const std::string key = targets_[i].key;
    if ((name == "_result" || name == "_error") && txn == 1 && c.st == St::Connect) {
      if (name == "_error") throw Broken("connect refused: " + info("code") + " " + info("description"));
      auto key_arg = [&](Bytes& b) { amf::null(b), amf::string(b, key); };
      command(c, 0, "releaseStream", 2, key_arg);
      command(c, 0, "FCPublish", 3, key_arg);
      command(c, 0, "createStream", 4, [](Bytes& b) { amf::null(b); });
      c.st = St::CreateStream;
    } else if ((name == "_result" || name == "_error") && txn == 4 && c.st == St::CreateStream) {
      if (name == "_error") throw Broken("createStream refused: " + info("code") + " " + info("description"));
      for (const auto& a : args)
        if (a.type == amf::Number) c.msid = static_cast<std::uint32_t>(a.num);
      command(c, c.msid, "publish", 5, [&](Bytes& b) { amf::null(b), amf::string(b, key), amf::string(b, "live"); });
      c.st = St::Publish;
    } else if (name == "onStatus") {
      const std::string level = info("level"), code = info("code");
      if (level == "error" || code.find("BadName") != std::string::npos || code.find("Failed") != std::string::npos ||
          code.find("Rejected") != std::string::npos)
        throw Broken("server refused: " + code + " " + info("description"));
      if (code == "NetStream.Publish.Start" && c.st == St::Publish) {
        if (!src_.metadata.empty()) message(c, 5, 18, c.msid, 0, src_.metadata);
        for (const auto& h : src_.headers) message(c, h.type == 8 ? 4 : 6, h.type, c.msid, 0, h.body);
        c.t_publish = Clock::now();
        c.next_due = c.t_publish;
        c.stat.published = true;
        c.st = St::Publishing;
      }
    }
  }

  // Every tag due by now (their time: the publish start + the tag's timestamp) into the queue,
  // unless the queue is at high water: then the push waits for its server, like ffmpeg -re.
  // True when something was queued.
  bool produce(Conn& c, Clock::time_point now) {
    bool queued = false;
    for (;;) {
      if (pending(c) >= cfg_.high_water) {
        if (!c.blocked) ++c.stat.stalls;
        c.blocked = true;
        return queued;
      }
      c.blocked = false;
      const FlvTag& t = src_.media[c.next];
      const std::int64_t media_ms = c.loop_base + t.ts;
      const auto due = c.t_publish + std::chrono::milliseconds(media_ms);
      if (due > now) {
        c.next_due = due;
        return queued;
      }
      c.stat.late_ms = std::max(c.stat.late_ms, std::chrono::duration<double, std::milli>(now - due).count());
      if (!c.stat.first_media) c.stat.first_media = now;
      message(c, t.type == 8 ? 4 : 6, t.type, c.msid, static_cast<std::uint32_t>(media_ms), t.body);
      queued = true;
      if (++c.next == src_.media.size()) {
        c.next = 0;
        c.loop_base += src_.loop_ms;
      }
    }
  }
};

}  // namespace bvbench::rtmp
