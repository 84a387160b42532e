// rtmp_publish: a test RTMP publisher that speaks Enhanced RTMP (veovera E-RTMP v1/v2).
//
// libavformat is used only to READ the input file packet by packet; everything on the wire
// (TCP, handshake, chunk stream, AMF0 commands, FLV tag bodies) is written here and in
// rtmp_wire.hpp (the RTMP client side it shares with the ingest bench's pusher), from the
// RTMP 1.0 spec, the FLV 10.1 spec and the Enhanced RTMP spec:
//   H.264 -> legacy AVC video tags (CodecID 7)
//   HEVC  -> enhanced 'hvc1' tags (or legacy CodecID 12 with --legacy-hevc)
//   AV1   -> enhanced 'av01' tags
//   AAC   -> legacy AAC audio tags (0xAF)
// Inputs must carry their video configuration record as extradata (avcC / hvcC / av1C), as
// mp4, mkv and flv files made by ffmpeg do. Annex B inputs (.ts, .h264, .hevc, .obu) are refused:
// remux them first (ffmpeg -i in.ts -c copy out.mp4). ADTS AAC is converted.
//
// Exit status: 0 success, 1 failure (connection, server error status, input), 2 bad usage.

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/mathematics.h>
}

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "rtmp_wire.hpp"

namespace {

namespace rtmp = bvtest::rtmp;
using Bytes = rtmp::Bytes;
using Clock = std::chrono::steady_clock;

const char* kUsage =
    "usage: rtmp_publish [options] INPUT rtmp://HOST[:PORT]/APP/STREAMKEY\n"
    "  --realtime              pace packets at their timestamps\n"
    "  --loop N                send INPUT N times back to back, timestamps continuing\n"
    "  --timestamp-offset MS   add MS to every RTMP timestamp, modulo 2^32\n"
    "  --jump-after-ms T:D     after media time T ms, add D ms (may be negative) to later timestamps\n"
    "  --then FILE             after INPUT, send FILE (new sequence headers); repeatable\n"
    "  --garbage-after-ms T[:nal|:header]  once, after media time T, send a garbage video message\n"
    "  --no-audio / --no-video drop that stream\n"
    "  --legacy-hevc           send HEVC as legacy CodecID 12 tags instead of enhanced 'hvc1'\n"
    "  --no-coded-frames-x     HEVC: always PacketType CodedFrames (1), never CodedFramesX (3)\n"
    "  --end-sequence          send SequenceEnd / AVC end of sequence before closing\n"
    "  --hold-open-ms MS       keep the connection open MS ms after sending, before deleteStream\n"
    "  --dump-flv FILE         also write every audio/video/data message sent into an FLV file\n"
    "  --chunk-size N          outgoing chunk size (default 4096)\n"
    "  --fmt0                  type 0 chunk headers (absolute timestamps) for every message\n"
    "  --no-fourcc-list        do not announce fourCcList in connect (a legacy client)\n"
    "  --verbose               log the server's messages\n";

[[noreturn]] void usage_error(const std::string& msg) {
  std::fprintf(stderr, "rtmp_publish: %s\n%s", msg.c_str(), kUsage);
  std::exit(2);
}

using Failure = rtmp::Error;
using rtmp::put16;
using rtmp::put24;
using rtmp::put32;
using rtmp::put8;
using rtmp::putbytes;
namespace amf = rtmp::amf;

// ---------------------------------------------------------------- FLV dump
class FlvDump {
 public:
  void open(const std::string& path) {
    f_ = std::fopen(path.c_str(), "wb");
    if (!f_) throw Failure("cannot write " + path + ": " + std::strerror(errno));
    const uint8_t hdr[13] = {'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0};
    std::fwrite(hdr, 1, sizeof hdr, f_);
  }
  void tag(uint8_t type, uint32_t ts, const Bytes& body) {
    if (!f_) return;
    Bytes t;
    put8(t, type);
    put24(t, uint32_t(body.size()));
    put24(t, ts & 0xFFFFFF);
    put8(t, ts >> 24);
    put24(t, 0);
    putbytes(t, body.data(), body.size());
    put32(t, uint32_t(11 + body.size()));
    std::fwrite(t.data(), 1, t.size(), f_);
  }
  ~FlvDump() {
    if (f_) std::fclose(f_);
  }

 private:
  FILE* f_ = nullptr;
};

// ---------------------------------------------------------------- RTMP connection
using rtmp::Command;

class Rtmp {
 public:
  bool verbose = false;
  uint64_t wire_bytes = 0;

  ~Rtmp() {
    if (fd_ >= 0) ::close(fd_);
  }

  void connect_tcp(const std::string& host, const std::string& port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) throw Failure("cannot resolve " + host + ": " + gai_strerror(rc));
    std::string err = "no address";
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0) { err = std::strerror(errno); continue; }
      if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) { fd_ = fd; break; }
      err = std::strerror(errno);
      ::close(fd);
    }
    freeaddrinfo(res);
    if (fd_ < 0) throw Failure("cannot connect to " + host + ":" + port + ": " + err);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }

  // Simple handshake (RTMP 1.0 section 5.2): C0 C1 -> S0 S1 S2 -> C2 (echo of S1).
  void handshake() {
    const Bytes c0c1 = rtmp::c0c1(0xb71e);
    send_raw(c0c1);
    Bytes s = recv_exact(rtmp::kServerHandshakeBytes, 10000);
    const Bytes c2 = rtmp::c2(s.data());
    if (std::memcmp(s.data() + 1 + 1536 + 8, c0c1.data() + 1 + 8, 1528) != 0 && verbose)
      std::fprintf(stderr, "rtmp_publish: note: S2 does not echo C1's random bytes\n");
    send_raw(c2);
  }

  // One RTMP message, split into chunks (rtmp::ChunkWriter: type 1 headers where it can, or
  // type 0 always with --fmt0).
  void send_message(uint32_t csid, uint8_t type, uint32_t msid, uint32_t ts, const Bytes& payload) {
    Bytes out;
    writer_.message(out, csid, type, msid, ts, payload);
    send_raw(out);
    flush_deferred();
  }

  void force_fmt0(bool on) { writer_.force_fmt0 = on; }

  void set_chunk_size(uint32_t n) {
    Bytes out;
    writer_.set_chunk_size(out, n);
    send_raw(out);
    flush_deferred();
  }

  void send_command(uint32_t msid, const Bytes& payload) { send_message(rtmp::kCommandCsid, 20, msid, 0, payload); }
  void send_command(uint32_t msid, const std::string& name, double txn,
                    const std::function<void(Bytes&)>& args) {
    send_command(msid, rtmp::command(name, txn, args));
  }

  // Reads whatever is available within timeout_ms and processes it. Throws on EOF.
  void pump(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0 && errno != EINTR) throw Failure(std::string("poll: ") + std::strerror(errno));
    if (rc > 0) read_some();
    flush_deferred();
  }

  // Waits for a command matching pred; returns it (removed from the queue).
  Command wait_command(const std::function<bool(const Command&)>& pred, int timeout_ms,
                       const std::string& what) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      for (auto it = commands_.begin(); it != commands_.end(); ++it)
        if (pred(*it)) {
          Command c = std::move(*it);
          commands_.erase(it);
          return c;
        }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) throw Failure("timed out waiting for " + what);
      try {
        pump(int(left));
      } catch (const Failure& e) {
        throw Failure(std::string(e.what()) + " (while waiting for " + what + ")");
      }
    }
  }

  // Called for every onStatus; the publisher installs a handler that fails on errors.
  std::function<void(const Command&)> on_status;

  // Graceful close: FIN, then drain until the server closes (bounded), so that the server
  // has seen everything before we exit.
  void close_gracefully(int timeout_ms) {
    if (fd_ < 0) return;
    ::shutdown(fd_, SHUT_WR);
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n <= 0) break;
      }
    }
    ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  rtmp::ChunkWriter writer_;
  rtmp::ChunkReader reader_;
  rtmp::ControlReplies control_;
  Bytes inbuf_;
  std::deque<Command> commands_;
  // Control replies (Ack, PingResponse) found while reading are sent only between messages,
  // never in the middle of a message being written.
  struct Deferred { uint32_t csid; uint8_t type; Bytes payload; };
  std::deque<Deferred> deferred_;
  bool flushing_ = false;

  void flush_deferred() {
    if (flushing_) return;
    flushing_ = true;
    while (!deferred_.empty()) {
      Deferred d = std::move(deferred_.front());
      deferred_.pop_front();
      send_message(d.csid, d.type, 0, 0, d.payload);
    }
    flushing_ = false;
  }

  // Sends everything, servicing incoming data meanwhile (so neither side can block the other).
  void send_raw(const Bytes& b) {
    size_t off = 0;
    while (off < b.size()) {
      pollfd p{fd_, POLLIN | POLLOUT, 0};
      int rc = ::poll(&p, 1, 30000);
      if (rc < 0) {
        if (errno == EINTR) continue;
        throw Failure(std::string("poll: ") + std::strerror(errno));
      }
      if (rc == 0) throw Failure("send timed out (server not reading for 30 s)");
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) read_some();
      if (p.revents & POLLOUT) {
        ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
          if (errno == EAGAIN || errno == EINTR) continue;
          throw Failure(std::string("connection lost while sending: ") + std::strerror(errno));
        }
        off += size_t(n);
        wire_bytes += uint64_t(n);
      }
    }
  }

  Bytes recv_exact(size_t n, int timeout_ms) {
    Bytes out;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (out.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) throw Failure("handshake: timed out");
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, int(left)) <= 0) continue;
      uint8_t buf[4096];
      ssize_t r = ::recv(fd_, buf, std::min(sizeof buf, n - out.size()), 0);
      if (r == 0) throw Failure("handshake: connection closed by server");
      if (r < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        throw Failure(std::string("handshake: ") + std::strerror(errno));
      }
      out.insert(out.end(), buf, buf + r);
    }
    control_.received(n);
    return out;
  }

  void read_some() {
    uint8_t buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) throw Failure("connection closed by server");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      throw Failure(std::string("connection error: ") + std::strerror(errno));
    }
    inbuf_.insert(inbuf_.end(), buf, buf + n);
    control_.received(uint64_t(n));
    while (parse_chunk()) {
    }
    if (auto ack = control_.acknowledgement()) deferred_.push_back({rtmp::kControlCsid, 3, std::move(*ack)});
  }

  // Parses one chunk from inbuf_ if complete; returns false when more bytes are needed.
  bool parse_chunk() {
    std::optional<rtmp::Message> m;
    const size_t used = reader_.take(inbuf_.data(), inbuf_.size(), m);
    if (used == 0) return false;
    inbuf_.erase(inbuf_.begin(), inbuf_.begin() + long(used));
    if (m) handle_message(m->type, m->msid, m->payload);
    return true;
  }

  // A message from the server. Set Chunk Size and Abort have taken effect in the reader.
  void handle_message(uint8_t type, uint32_t msid, const Bytes& m) {
    if (auto pong = control_.on_message(type, m)) deferred_.push_back({rtmp::kControlCsid, 4, std::move(*pong)});
    switch (type) {
      case 1:  // Set Chunk Size
        if (verbose) std::fprintf(stderr, "rtmp_publish: < SetChunkSize %u\n", reader_.chunk_size());
        break;
      case 2: break;  // Abort
      case 3: break;  // Acknowledgement
      case 4:         // User Control: a PingRequest is answered above
        if (verbose && m.size() >= 2) std::fprintf(stderr, "rtmp_publish: < UserControl %u\n", rtmp::rd16(m.data()));
        break;
      case 5:
        if (verbose) std::fprintf(stderr, "rtmp_publish: < WindowAckSize %u\n", control_.window());
        break;
      case 6: break;  // Set Peer Bandwidth
      case 17:        // AMF3 command: a 0 byte, then AMF0
      case 20: {
        Command c = rtmp::parse_command(type, msid, m);
        if (verbose) {
          std::string s;
          for (auto& a : c.args) s += " " + a.show();
          std::fprintf(stderr, "rtmp_publish: < %s(%g)%s\n", c.name.c_str(), c.txn, s.c_str());
        }
        if (c.name == "onStatus" && on_status) on_status(c);
        commands_.push_back(std::move(c));
        break;
      }
      default:
        if (verbose) std::fprintf(stderr, "rtmp_publish: < message type %u (%zu bytes)\n", type, m.size());
    }
  }
};

// ---------------------------------------------------------------- input
enum class VCodec { None, Avc, Hevc, Av1 };

struct Input {
  AVFormatContext* fmt = nullptr;
  int vi = -1, ai = -1;
  VCodec vcodec = VCodec::None;
  Bytes vconfig;  // avcC / hvcC / av1C
  Bytes aconfig;  // AudioSpecificConfig (may be built from ADTS later)
  std::string path;

  ~Input() {
    if (fmt) avformat_close_input(&fmt);
  }
};

std::string averr(int e) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(e, buf, sizeof buf);
  return buf;
}

std::unique_ptr<Input> open_input(const std::string& path, bool no_video, bool no_audio) {
  auto in = std::make_unique<Input>();
  in->path = path;
  int e = avformat_open_input(&in->fmt, path.c_str(), nullptr, nullptr);
  if (e < 0) throw Failure("cannot open " + path + ": " + averr(e));
  if ((e = avformat_find_stream_info(in->fmt, nullptr)) < 0)
    throw Failure("cannot read stream info of " + path + ": " + averr(e));
  if (!no_video) {
    int vi = av_find_best_stream(in->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (vi >= 0) {
      AVCodecParameters* par = in->fmt->streams[vi]->codecpar;
      const char* name = avcodec_get_name(par->codec_id);
      switch (par->codec_id) {
        case AV_CODEC_ID_H264: in->vcodec = VCodec::Avc; break;
        case AV_CODEC_ID_HEVC: in->vcodec = VCodec::Hevc; break;
        case AV_CODEC_ID_AV1: in->vcodec = VCodec::Av1; break;
        default: throw Failure(path + ": unsupported video codec " + std::string(name) + " (use --no-video?)");
      }
      in->vconfig.assign(par->extradata, par->extradata + par->extradata_size);
      uint8_t want = in->vcodec == VCodec::Av1 ? 0x81 : 0x01;  // av1C marker|version, avcC/hvcC version
      if (in->vconfig.empty() || in->vconfig[0] != want)
        throw Failure(path + ": the " + name + " stream has no " +
                      (in->vcodec == VCodec::Avc ? "avcC" : in->vcodec == VCodec::Hevc ? "hvcC" : "av1C") +
                      " configuration record (Annex B / raw OBU input?); remux it first: "
                      "ffmpeg -i IN -c copy OUT.mp4");
      in->vi = vi;
    }
  }
  if (!no_audio) {
    int ai = av_find_best_stream(in->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    if (ai >= 0) {
      AVCodecParameters* par = in->fmt->streams[ai]->codecpar;
      if (par->codec_id != AV_CODEC_ID_AAC)
        throw Failure(path + ": unsupported audio codec " + std::string(avcodec_get_name(par->codec_id)) +
                      " (only AAC; use --no-audio?)");
      in->aconfig.assign(par->extradata, par->extradata + par->extradata_size);
      in->ai = ai;
    }
  }
  if (in->vi < 0 && in->ai < 0) throw Failure(path + ": nothing to send (no usable audio or video stream)");
  return in;
}

// ADTS -> raw AAC; builds the AudioSpecificConfig from the first header if none is known.
bool strip_adts(const uint8_t*& data, size_t& size, Bytes& asc) {
  if (size < 7 || data[0] != 0xFF || (data[1] & 0xF6) != 0xF0) return false;
  size_t hlen = (data[1] & 1) ? 7 : 9;
  if (size < hlen) return false;
  if (asc.empty()) {
    uint32_t profile = (data[2] >> 6) + 1, sri = (data[2] >> 2) & 0xF;
    uint32_t ch = (data[2] & 1) << 2 | data[3] >> 6;
    asc = {uint8_t(profile << 3 | sri >> 1), uint8_t((sri & 1) << 7 | ch << 3)};
  }
  data += hlen;
  size -= hlen;
  return true;
}

// Packets of the streams we send, in file order, each with a DTS. Matroska gives no DTS for
// the first frames of a stream with B-frames (lavf learns the reorder delay later): those are
// back-filled one frame duration apart from the next known DTS, never above their PTS.
class PacketQueue {
 public:
  explicit PacketQueue(Input& in) : in_(in) {}
  ~PacketQueue() {
    for (auto* p : q_) av_packet_free(&p);
  }
  int64_t ms(int idx, int64_t t) const {
    return av_rescale_q_rnd(t, in_.fmt->streams[idx]->time_base, AVRational{1, 1000},
                            AVRounding(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
  }
  // The i-th queued packet (reading as needed), DTS resolved; nullptr at the end.
  AVPacket* peek(size_t i) {
    while (q_.size() <= i)
      if (!read_one()) return nullptr;
    resolve(i);
    return q_[i];
  }
  AVPacket* pop() {
    if (!peek(0)) return nullptr;
    AVPacket* p = q_.front();
    q_.pop_front();
    return p;
  }

 private:
  Input& in_;
  std::deque<AVPacket*> q_;
  bool eof_ = false;

  bool read_one() {
    while (!eof_) {
      AVPacket* p = av_packet_alloc();
      int e = av_read_frame(in_.fmt, p);
      if (e < 0) {
        av_packet_free(&p);
        if (e != AVERROR_EOF) throw Failure(in_.path + ": read error: " + averr(e));
        eof_ = true;
        break;
      }
      if ((p->stream_index != in_.vi && p->stream_index != in_.ai) ||
          (p->dts == AV_NOPTS_VALUE && p->pts == AV_NOPTS_VALUE)) {
        av_packet_free(&p);
        continue;
      }
      q_.push_back(p);
      return true;
    }
    return false;
  }

  void resolve(size_t i) {
    AVPacket* p = q_[i];
    if (p->dts != AV_NOPTS_VALUE) return;
    int si = p->stream_index;
    // Find the next packet of this stream with a DTS, reading ahead (bounded).
    size_t j = i + 1;
    for (;; ++j) {
      if (j >= q_.size() && (j > i + 1000 || !read_one())) break;
      if (q_[j]->stream_index == si && q_[j]->dts != AV_NOPTS_VALUE) break;
    }
    if (j >= q_.size()) {  // none: fall back to PTS
      p->dts = p->pts;
      return;
    }
    AVStream* st = in_.fmt->streams[si];
    int64_t step = q_[j]->duration;
    if (step <= 0 && st->avg_frame_rate.num > 0)
      step = av_rescale_q(1, av_inv_q(st->avg_frame_rate), st->time_base);
    if (step <= 0) step = 1;
    int64_t dts = q_[j]->dts;
    for (size_t k = j; k-- > i;) {
      if (q_[k]->stream_index != si) continue;
      dts -= step;
      q_[k]->dts = q_[k]->pts != AV_NOPTS_VALUE ? std::min(dts, q_[k]->pts) : dts;
    }
  }
};

// ---------------------------------------------------------------- publisher
struct Options {
  std::string input, url;
  std::vector<std::string> then;
  bool realtime = false, no_audio = false, no_video = false, legacy_hevc = false;
  bool end_sequence = false, no_x = false, fmt0 = false, no_fourcc_list = false, verbose = false;
  int loop = 1;
  uint32_t ts_offset = 0;
  std::optional<std::pair<int64_t, int64_t>> jump;
  std::optional<int64_t> garbage_at;
  std::string garbage_kind;  // "", "nal", "header"
  int64_t hold_open_ms = 0;
  std::string dump_flv;
  uint32_t chunk_size = 4096;
};

class Publisher {
 public:
  explicit Publisher(const Options& o) : o_(o) {}

  int run() {
    parse_url();
    if (!o_.dump_flv.empty()) dump_.open(o_.dump_flv);
    std::vector<std::string> files(size_t(o_.loop), o_.input);
    files.insert(files.end(), o_.then.begin(), o_.then.end());
    auto first = open_input(files[0], o_.no_video, o_.no_audio);  // fail before connecting

    rtmp_.verbose = o_.verbose;
    rtmp_.force_fmt0(o_.fmt0);
    rtmp_.on_status = [this](const Command& c) { check_status(c); };
    rtmp_.connect_tcp(host_, port_);
    rtmp_.handshake();
    rtmp_.set_chunk_size(o_.chunk_size);
    connect_and_publish();

    std::unique_ptr<Input> in = std::move(first);
    for (size_t i = 0; i < files.size(); ++i) {
      if (!in) in = open_input(files[i], o_.no_video, o_.no_audio);
      bool new_file = i == 0 || i >= size_t(o_.loop);  // loop repeats reuse the headers sent
      send_file(*in, new_file);
      in.reset();
    }
    if (o_.end_sequence && have_video_) send_end_sequence();
    if (o_.hold_open_ms > 0) {
      auto until = Clock::now() + std::chrono::milliseconds(o_.hold_open_ms);
      while (Clock::now() < until)
        rtmp_.pump(int(std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                until - Clock::now()).count())));
    }
    rtmp_.send_command(stream_id_, "FCUnpublish", 6, [&](Bytes& b) { amf::null(b); amf::string(b, key_); });
    rtmp_.send_command(stream_id_, "deleteStream", 7, [&](Bytes& b) { amf::null(b); amf::number(b, stream_id_); });
    rtmp_.close_gracefully(2000);
    std::fprintf(stderr,
                 "rtmp_publish: sent %llu messages (%llu video, %llu audio), %llu payload bytes, "
                 "%llu wire bytes, last timestamp %u ms\n",
                 (unsigned long long)(n_video_ + n_audio_ + n_data_), (unsigned long long)n_video_,
                 (unsigned long long)n_audio_, (unsigned long long)payload_bytes_,
                 (unsigned long long)rtmp_.wire_bytes, last_ts_);
    return 0;
  }

 private:
  const Options& o_;
  Rtmp rtmp_;
  FlvDump dump_;
  std::string host_, port_ = "1935", app_, key_, tcurl_;
  uint32_t stream_id_ = 1;
  int64_t timeline_ms_ = 0;  // media time at which the current file starts
  bool garbage_sent_ = false, have_video_ = false, metadata_sent_ = false, warned_av1_cts_ = false;
  VCodec cur_vcodec_ = VCodec::None;
  uint32_t last_ts_ = 0, last_video_ts_ = 0;
  uint64_t n_video_ = 0, n_audio_ = 0, n_data_ = 0, payload_bytes_ = 0;
  Clock::time_point wall_start_;
  std::mt19937 rng_{12345};

  void parse_url() {
    const std::string& u = o_.url;
    if (u.rfind("rtmp://", 0) != 0) usage_error("URL must start with rtmp://");
    std::string rest = u.substr(7);
    size_t slash = rest.find('/');
    if (slash == std::string::npos) usage_error("URL needs /APP/STREAMKEY");
    std::string hostport = rest.substr(0, slash), path = rest.substr(slash + 1);
    if (!hostport.empty() && hostport[0] == '[') {
      size_t rb = hostport.find(']');
      if (rb == std::string::npos) usage_error("bad IPv6 host in URL");
      host_ = hostport.substr(1, rb - 1);
      if (rb + 1 < hostport.size() && hostport[rb + 1] == ':') port_ = hostport.substr(rb + 2);
    } else {
      size_t colon = hostport.rfind(':');
      host_ = hostport.substr(0, colon);
      if (colon != std::string::npos) port_ = hostport.substr(colon + 1);
    }
    size_t s2 = path.find('/');
    if (host_.empty() || s2 == std::string::npos || s2 == 0 || s2 + 1 >= path.size())
      usage_error("URL must be rtmp://HOST[:PORT]/APP/STREAMKEY");
    app_ = path.substr(0, s2);
    key_ = path.substr(s2 + 1);
    tcurl_ = "rtmp://" + hostport + "/" + app_;
  }

  void check_status(const Command& c) {
    const amf::Value* info = nullptr;
    for (auto& a : c.args)
      if (a.type == amf::Object) info = &a;
    std::string level = info ? info->get_str("level") : "", code = info ? info->get_str("code") : "";
    std::string desc = info ? info->get_str("description") : "";
    std::fprintf(stderr, "rtmp_publish: onStatus level=%s code=%s description=%s\n", level.c_str(),
                 code.c_str(), desc.c_str());
    if (rtmp::refused(level, code))
      throw Failure("server refused: " + code + (desc.empty() ? "" : " (" + desc + ")"));
  }

  void connect_and_publish() {
    rtmp_.send_command(0, rtmp::connect_command(app_, tcurl_, "FMLE/3.0 (compatible; bvlive rtmp_publish)",
                                                !o_.no_fourcc_list));
    Command r = rtmp_.wait_command([](const Command& c) { return c.answers(rtmp::kConnectTxn); }, 10000,
                                   "the reply to connect");
    if (r.name != "_result") throw Failure("connect refused: " + r.describe());

    for (const Bytes& command : rtmp::create_stream_commands(key_)) rtmp_.send_command(0, command);
    r = rtmp_.wait_command([](const Command& c) { return c.answers(rtmp::kCreateStreamTxn); }, 10000,
                           "the reply to createStream");
    if (r.name != "_result") throw Failure("createStream refused: " + r.describe());
    stream_id_ = r.stream_id(stream_id_);
    rtmp_.send_command(stream_id_, rtmp::publish_command(key_));
    rtmp_.wait_command(
        [](const Command& c) {
          if (c.name != "onStatus") return false;
          for (auto& a : c.args)
            if (a.type == amf::Object && a.get_str("code") == "NetStream.Publish.Start") return true;
          return false;
        },
        10000, "onStatus NetStream.Publish.Start");
  }

  uint32_t rtmp_ts(int64_t media_ms) const {
    int64_t t = media_ms + int64_t(o_.ts_offset);
    if (o_.jump && media_ms >= o_.jump->first) t += o_.jump->second;
    return uint32_t(uint64_t(t) & 0xFFFFFFFFu);
  }

  void pace(int64_t media_ms) {
    if (!o_.realtime) return;
    auto target = wall_start_ + std::chrono::milliseconds(media_ms);
    while (Clock::now() < target) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(target - Clock::now()).count();
      rtmp_.pump(int(std::max<int64_t>(1, left)));
    }
  }

  void send(uint8_t type, uint32_t ts, const Bytes& body) {
    uint32_t csid = type == 8 ? 4 : type == 9 ? 6 : 5;
    rtmp_.send_message(csid, type, stream_id_, ts, body);
    (type == 8 ? n_audio_ : type == 9 ? n_video_ : n_data_)++;
    payload_bytes_ += body.size();
    last_ts_ = ts;
    if (type == 9) last_video_ts_ = ts;
    if (type == 18) {  // FLV files carry onMetaData without the @setDataFrame wrapper
      dump_.tag(18, ts, Bytes(body.begin() + 16, body.end()));  // 16 = AMF0 "@setDataFrame"
    } else {
      dump_.tag(type, ts, body);
    }
  }

  static uint32_t fourcc(VCodec c) { return c == VCodec::Hevc ? 0x68766331u : 0x61763031u; }  // hvc1 / av01
  bool enhanced(VCodec c) const { return c == VCodec::Av1 || (c == VCodec::Hevc && !o_.legacy_hevc); }
  static uint8_t legacy_id(VCodec c) { return c == VCodec::Avc ? 7 : 12; }

  void send_metadata(const Input& in, uint32_t ts) {
    Bytes b;
    amf::string(b, "@setDataFrame");
    amf::string(b, "onMetaData");
    amf::ecma_begin(b, 0);
    amf::key(b, "duration"); amf::number(b, 0);
    if (in.vi >= 0) {
      AVStream* s = in.fmt->streams[in.vi];
      amf::key(b, "width"); amf::number(b, s->codecpar->width);
      amf::key(b, "height"); amf::number(b, s->codecpar->height);
      AVRational fr = s->avg_frame_rate.num ? s->avg_frame_rate : s->r_frame_rate;
      amf::key(b, "framerate"); amf::number(b, fr.den ? av_q2d(fr) : 0);
      amf::key(b, "videodatarate"); amf::number(b, double(s->codecpar->bit_rate) / 1000);
      amf::key(b, "videocodecid");
      amf::number(b, enhanced(in.vcodec) ? double(fourcc(in.vcodec)) : double(legacy_id(in.vcodec)));
    }
    if (in.ai >= 0) {
      AVCodecParameters* a = in.fmt->streams[in.ai]->codecpar;
      amf::key(b, "audiodatarate"); amf::number(b, double(a->bit_rate) / 1000);
      amf::key(b, "audiosamplerate"); amf::number(b, a->sample_rate);
      amf::key(b, "audiosamplesize"); amf::number(b, 16);
      amf::key(b, "stereo"); amf::boolean(b, a->ch_layout.nb_channels == 2);
      amf::key(b, "audiocodecid"); amf::number(b, 10);
    }
    amf::key(b, "encoder"); amf::string(b, "bvlive rtmp_publish");
    amf::object_end(b);
    send(18, ts, b);
  }

  Bytes video_header(VCodec c, int frame_type, int packet_type, int32_t cts) const {
    Bytes b;
    if (enhanced(c)) {
      bool with_cts = c == VCodec::Hevc && packet_type == 1;
      put8(b, 0x80u | uint32_t(frame_type) << 4 | uint32_t(packet_type));
      put32(b, fourcc(c));
      if (with_cts) put24(b, uint32_t(cts) & 0xFFFFFF);
    } else {
      put8(b, uint32_t(frame_type) << 4 | legacy_id(c));
      put8(b, uint32_t(packet_type));  // AVCPacketType: 0 header, 1 NALU, 2 end of sequence
      put24(b, uint32_t(cts) & 0xFFFFFF);
    }
    return b;
  }

  void send_video_config(const Input& in, uint32_t ts) {
    Bytes b = video_header(in.vcodec, 1, 0, 0);
    putbytes(b, in.vconfig.data(), in.vconfig.size());
    send(9, ts, b);
  }

  void send_end_sequence() {
    Bytes b = video_header(cur_vcodec_, 1, 2, 0);
    send(9, last_video_ts_, b);
  }

  void send_garbage(VCodec c, uint32_t ts) {
    std::string kind = o_.garbage_kind.empty() ? (enhanced(c) ? "header" : "nal") : o_.garbage_kind;
    Bytes b;
    if (kind == "header" && enhanced(c)) {
      put8(b, 0x91);  // key frame, CodedFrames, then a FourCC cut after two bytes
      put16(b, fourcc(c) >> 16);
    } else if (kind == "header") {
      put8(b, 0x10u | legacy_id(c));  // AVCPacketType and CompositionTime missing
    } else {
      b = video_header(c, 1, 1, 0);
      put32(b, 0x7FFFFFF0);  // a NAL/OBU length far beyond the message
      for (int i = 0; i < 60; ++i) put8(b, rng_());
      put32(b, 0xFFFFFFFF);
      for (int i = 0; i < 20; ++i) put8(b, rng_());
    }
    std::fprintf(stderr, "rtmp_publish: sending a garbage video message (%s, %zu bytes) at timestamp %u\n",
                 kind.c_str(), b.size(), ts);
    send(9, ts, b);
  }

  void send_file(Input& in, bool new_file) {
    PacketQueue q(in);
    auto ms = [&](int idx, int64_t t) { return q.ms(idx, t); };
    // Base: the smallest first DTS (ms) over the streams we send, found by reading ahead.
    int64_t base = INT64_MAX;
    bool seen_v = in.vi < 0, seen_a = in.ai < 0;
    for (size_t i = 0; !(seen_v && seen_a) && i < 500; ++i) {
      AVPacket* p = q.peek(i);
      if (!p) break;
      base = std::min(base, ms(p->stream_index, p->dts));
      (p->stream_index == in.vi ? seen_v : seen_a) = true;
    }
    if (base == INT64_MAX) base = 0;

    if (!metadata_sent_ || new_file) {
      if (!metadata_sent_) wall_start_ = Clock::now();
      send_metadata(in, rtmp_ts(timeline_ms_));
      metadata_sent_ = true;
    }
    if (new_file) {
      if (in.vi >= 0) {
        send_video_config(in, rtmp_ts(timeline_ms_));
        have_video_ = true;
        cur_vcodec_ = in.vcodec;
      }
      if (in.ai >= 0 && !in.aconfig.empty()) send_audio_config(in, rtmp_ts(timeline_ms_));
    }

    int64_t seg_end = 0;
    bool audio_config_pending = in.ai >= 0 && in.aconfig.empty() && new_file;
    for (;;) {
      std::unique_ptr<AVPacket, void (*)(AVPacket*)> owned(q.pop(), [](AVPacket* p) { av_packet_free(&p); });
      AVPacket* pkt = owned.get();
      if (!pkt) break;
      int si = pkt->stream_index;
      int64_t dts = ms(si, pkt->dts) - base;
      int32_t cts = pkt->pts != AV_NOPTS_VALUE ? int32_t(ms(si, pkt->pts) - ms(si, pkt->dts)) : 0;
      int64_t dur = pkt->duration > 0 ? ms(si, pkt->duration) : 0;
      seg_end = std::max(seg_end, dts + std::max<int64_t>(dur, 1));
      int64_t media = timeline_ms_ + dts;
      pace(media);
      uint32_t ts = rtmp_ts(media);
      if (si == in.vi) {
        if (o_.garbage_at && !garbage_sent_ && media >= *o_.garbage_at) {
          send_garbage(in.vcodec, ts);
          garbage_sent_ = true;
        }
        bool key = pkt->flags & AV_PKT_FLAG_KEY;
        int packet_type = 1;
        if (in.vcodec == VCodec::Av1 && cts != 0 && !warned_av1_cts_) {
          std::fprintf(stderr, "rtmp_publish: warning: AV1 packet with pts != dts; av01 carries no composition time\n");
          warned_av1_cts_ = true;
        }
        if (in.vcodec == VCodec::Hevc && enhanced(in.vcodec) && cts == 0 && !o_.no_x) packet_type = 3;
        Bytes b = video_header(in.vcodec, key ? 1 : 2, packet_type, cts);
        putbytes(b, pkt->data, size_t(pkt->size));
        send(9, ts, b);
      } else {
        const uint8_t* data = pkt->data;
        size_t size = size_t(pkt->size);
        strip_adts(data, size, in.aconfig);
        if (audio_config_pending) {
          if (in.aconfig.empty()) throw Failure(in.path + ": AAC without AudioSpecificConfig or ADTS headers");
          send_audio_config(in, ts);
          audio_config_pending = false;
        }
        Bytes b{0xAF, 0x01};
        putbytes(b, data, size);
        send(8, ts, b);
      }
    }
    timeline_ms_ += seg_end;
  }

  void send_audio_config(const Input& in, uint32_t ts) {
    Bytes b{0xAF, 0x00};
    putbytes(b, in.aconfig.data(), in.aconfig.size());
    send(8, ts, b);
  }
};

int64_t parse_int(const std::string& opt, const std::string& s) {
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used, 10);
    if (used != s.size()) throw std::invalid_argument(s);
    return v;
  } catch (const std::exception&) {
    usage_error(opt + ": not an integer: '" + s + "'");
  }
}

Options parse_args(int argc, char** argv) {
  Options o;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    if (a == "--realtime") o.realtime = true;
    else if (a == "--loop") {
      int64_t n = parse_int(a, value());
      if (n < 1 || n > 100000) usage_error("--loop must be 1..100000");
      o.loop = int(n);
    } else if (a == "--timestamp-offset") {
      int64_t v = parse_int(a, value());
      if (v < 0) usage_error("--timestamp-offset must be >= 0");
      o.ts_offset = uint32_t(uint64_t(v) & 0xFFFFFFFFu);
    } else if (a == "--jump-after-ms") {
      std::string v = value();
      size_t c = v.find(':');
      if (c == std::string::npos) usage_error("--jump-after-ms wants T:D");
      o.jump = {parse_int(a, v.substr(0, c)), parse_int(a, v.substr(c + 1))};
    } else if (a == "--then") o.then.push_back(value());
    else if (a == "--garbage-after-ms") {
      std::string v = value();
      size_t c = v.find(':');
      if (c != std::string::npos) {
        o.garbage_kind = v.substr(c + 1);
        if (o.garbage_kind != "nal" && o.garbage_kind != "header") usage_error("--garbage-after-ms T[:nal|:header]");
        v = v.substr(0, c);
      }
      o.garbage_at = parse_int(a, v);
    } else if (a == "--no-audio") o.no_audio = true;
    else if (a == "--no-video") o.no_video = true;
    else if (a == "--legacy-hevc") o.legacy_hevc = true;
    else if (a == "--no-coded-frames-x") o.no_x = true;
    else if (a == "--end-sequence") o.end_sequence = true;
    else if (a == "--hold-open-ms") {
      o.hold_open_ms = parse_int(a, value());
      if (o.hold_open_ms < 0) usage_error("--hold-open-ms must be >= 0");
    } else if (a == "--dump-flv") o.dump_flv = value();
    else if (a == "--chunk-size") {
      int64_t n = parse_int(a, value());
      if (n < 1 || n > 0x7FFFFFFF) usage_error("--chunk-size must be 1..2147483647");
      o.chunk_size = uint32_t(n);
    } else if (a == "--fmt0") o.fmt0 = true;
    else if (a == "--no-fourcc-list") o.no_fourcc_list = true;
    else if (a == "--verbose" || a == "-v") o.verbose = true;
    else if (a == "--help" || a == "-h") { std::fputs(kUsage, stdout); std::exit(0); }
    else if (a.size() > 1 && a[0] == '-') usage_error("unknown option " + a);
    else pos.push_back(a);
  }
  if (pos.size() != 2) usage_error("expected INPUT and URL");
  if (o.no_audio && o.no_video) usage_error("--no-audio and --no-video together leave nothing to send");
  o.input = pos[0];
  o.url = pos[1];
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  av_log_set_level(AV_LOG_ERROR);
  Options o = parse_args(argc, argv);
  try {
    Publisher p(o);
    return p.run();
  } catch (const Failure& e) {
    std::fprintf(stderr, "rtmp_publish: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rtmp_publish: error: %s\n", e.what());
    return 1;
  }
}
