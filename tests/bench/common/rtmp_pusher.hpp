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
// The wire code (handshake, chunk writer and reader, AMF0, the publish commands, control
// replies) is tests/tools/rtmp_wire.hpp, which the test publisher rtmp_publish uses too; this
// file adds the FLV source and the one-thread event loop, so the bench does not link libav.
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
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../../tools/rtmp_wire.hpp"
#include "bench_run.hpp"

namespace bvbench::rtmp {

using Bytes = bvtest::rtmp::Bytes;
using Clock = std::chrono::steady_clock;

namespace wire = bvtest::rtmp;
namespace amf = wire::amf;
using wire::putbytes;
using wire::rd24;
using wire::rd32;

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
  struct Conn {
    int fd = -1;
    St st = St::Waiting;
    Clock::time_point start_at, t_publish, next_due;
    Bytes out;
    std::size_t out_off = 0;
    bool epollout = false;
    Bytes in;
    std::size_t in_off = 0;
    wire::ChunkReader reader;
    wire::ChunkWriter writer;
    wire::ControlReplies control;
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
        } catch (const std::runtime_error& e) {  // Broken, wire::Error
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
    const Bytes c0c1 = wire::c0c1(0xb71e + static_cast<unsigned>(i));
    c.out.insert(c.out.end(), c0c1.begin(), c0c1.end());
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

  // One RTMP message into the connection's queue, chunked.
  static void message(Conn& c, std::uint32_t csid, std::uint8_t type, std::uint32_t msid, std::uint32_t ts,
                      const Bytes& payload) {
    c.writer.message(c.out, csid, type, msid, ts, payload);
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
      c.control.received(static_cast<std::uint64_t>(n));
      if (static_cast<std::size_t>(n) < sizeof buf) break;
    }
    if (c.st == St::Handshake) {
      if (c.in.size() < wire::kServerHandshakeBytes) return;
      const Bytes c2 = wire::c2(c.in.data());
      c.out.insert(c.out.end(), c2.begin(), c2.end());
      c.in_off = wire::kServerHandshakeBytes;
      c.writer.set_chunk_size(c.out, cfg_.chunk_size);
      const PushTarget& t = targets_[i];
      const std::string tc_url = "rtmp://127.0.0.1:" + std::to_string(t.port) + "/" + t.app;
      c.writer.command(c.out, 0,
                       wire::connect_command(t.app, tc_url, "FMLE/3.0 (compatible; bvlive bench_ingest)", false));
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
    if (auto ack = c.control.acknowledgement()) message(c, wire::kControlCsid, 3, 0, 0, *ack);
    flush(i);
  }

  // One chunk from the input if complete; false: more bytes needed.
  bool parse_chunk(std::size_t i) {
    Conn& c = conns_[i];
    std::optional<wire::Message> m;
    const std::size_t used = c.reader.take(c.in.data() + c.in_off, c.in.size() - c.in_off, m);
    if (used == 0) return false;
    c.in_off += used;
    if (m) handle(i, m->type, m->payload);
    return true;
  }

  // A message from the server (Set Chunk Size and Abort have taken effect in the reader).
  void handle(std::size_t i, std::uint8_t type, const Bytes& m) {
    Conn& c = conns_[i];
    if (auto pong = c.control.on_message(type, m)) message(c, wire::kControlCsid, 4, 0, 0, *pong);
    if (type != 17 && type != 20) return;
    const wire::Command cmd = wire::parse_command(type, 0, m);
    const std::string key = targets_[i].key;
    if (cmd.answers(wire::kConnectTxn) && c.st == St::Connect) {
      if (cmd.name == "_error") throw Broken("connect refused: " + cmd.describe());
      for (const Bytes& command : wire::create_stream_commands(key)) c.writer.command(c.out, 0, command);
      c.st = St::CreateStream;
    } else if (cmd.answers(wire::kCreateStreamTxn) && c.st == St::CreateStream) {
      if (cmd.name == "_error") throw Broken("createStream refused: " + cmd.describe());
      c.msid = cmd.stream_id(c.msid);
      c.writer.command(c.out, c.msid, wire::publish_command(key));
      c.st = St::Publish;
    } else if (cmd.name == "onStatus") {
      const std::string level = cmd.info("level"), code = cmd.info("code");
      if (wire::refused(level, code)) throw Broken("server refused: " + code + " " + cmd.info("description"));
      if (code == "NetStream.Publish.Start" && c.st == St::Publish) {
        if (!src_.metadata.empty()) message(c, wire::kDataCsid, 18, c.msid, 0, src_.metadata);
        for (const auto& h : src_.headers)
          message(c, h.type == 8 ? wire::kAudioCsid : wire::kVideoCsid, h.type, c.msid, 0, h.body);
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
      const std::uint32_t csid = t.type == 8 ? wire::kAudioCsid : wire::kVideoCsid;
      message(c, csid, t.type, c.msid, static_cast<std::uint32_t>(media_ms), t.body);
      queued = true;
      if (++c.next == src_.media.size()) {
        c.next = 0;
        c.loop_base += src_.loop_ms;
      }
    }
  }
};

}  // namespace bvbench::rtmp
